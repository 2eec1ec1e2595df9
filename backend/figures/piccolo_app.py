import os

from piccolo.conf.apps import AppConfig

from backend.figures.tables import HeadlineFigures

APP_CONFIG = AppConfig(
    app_name="figures",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[HeadlineFigures],
)
