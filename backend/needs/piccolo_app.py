import os

from piccolo.conf.apps import AppConfig

from backend.needs.tables import Need

APP_CONFIG = AppConfig(
    app_name="needs",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Need],
)
