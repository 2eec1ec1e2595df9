import os

from piccolo.conf.apps import AppConfig

from backend.accounts.tables import ApiToken, LoginAttempt, Membership, RelativeDeclaration, User

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[User, Membership, LoginAttempt, ApiToken, RelativeDeclaration],
)
