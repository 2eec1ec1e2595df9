import os

from piccolo.conf.apps import AppConfig

from backend.disbursements.tables import Disbursement

APP_CONFIG = AppConfig(
    app_name="disbursements",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Disbursement],
    migration_dependencies=["backend.pledges.piccolo_app"],
)
