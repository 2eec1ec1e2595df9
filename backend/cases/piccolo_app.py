import os

from piccolo.conf.apps import AppConfig

from backend.cases.tables import AssistanceGrant, Case, GrantStage, HouseholdMember

APP_CONFIG = AppConfig(
    app_name="cases",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Case, HouseholdMember, AssistanceGrant, GrantStage],
)
