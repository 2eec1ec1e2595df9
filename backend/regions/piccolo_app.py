import os

from piccolo.conf.apps import AppConfig

from backend.regions.tables import Region

APP_CONFIG = AppConfig(
    app_name="regions",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Region],
)
