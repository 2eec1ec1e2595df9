import os

from piccolo.conf.apps import AppConfig

from backend.policy.tables import PolicyParameter

APP_CONFIG = AppConfig(
    app_name="policy",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[PolicyParameter],
)
