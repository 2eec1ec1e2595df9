import os

from piccolo.conf.apps import AppConfig

from backend.thesaurus.tables import ThesaurusEdit

APP_CONFIG = AppConfig(
    app_name="thesaurus",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[ThesaurusEdit],
)
