import os

from piccolo.conf.apps import AppConfig

from backend.ledger.tables import Cosignature, LedgerEntry, LedgerNode, TreeHead, Witness

APP_CONFIG = AppConfig(
    app_name="ledger",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[LedgerEntry, LedgerNode, TreeHead, Witness, Cosignature],
)
