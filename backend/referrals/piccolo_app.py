import os

from piccolo.conf.apps import AppConfig

from backend.referrals.tables import NeedItem, Referral

APP_CONFIG = AppConfig(
    app_name="referrals",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Referral, NeedItem],
)
