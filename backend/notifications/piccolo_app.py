import os

from piccolo.conf.apps import AppConfig

from backend.notifications.tables import DigestEntry, Notification, OrganisationDigest

APP_CONFIG = AppConfig(
    app_name="notifications",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Notification, OrganisationDigest, DigestEntry],
)
