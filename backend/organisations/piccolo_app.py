import os

from piccolo.conf.apps import AppConfig

from backend.organisations.tables import Invitation, Organisation

APP_CONFIG = AppConfig(
    app_name="organisations",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Organisation, Invitation],
)
