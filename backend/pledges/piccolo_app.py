import os

from piccolo.conf.apps import AppConfig

from backend.pledges.tables import Pledge

APP_CONFIG = AppConfig(
    app_name="pledges",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Pledge],
)
