import os

from piccolo.conf.apps import AppConfig

from backend.donations.tables import Donation, StripeEvent

APP_CONFIG = AppConfig(
    app_name="donations",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Donation, StripeEvent],
)
