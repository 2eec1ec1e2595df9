from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Admins' additions to and removals from the search thesaurus"


def _params(**changes):
    params = {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(changes)
    return params


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="thesaurus", description=DESCRIPTION
    )

    manager.add_table(
        class_name="ThesaurusEdit",
        tablename="thesaurus_edit",
        schema=None,
        columns=None,
    )
    for name, column_class, params in (
        ("action", Varchar, _params(length=8, default="")),
        ("relation", Varchar, _params(length=12, default="")),
        ("head", Varchar, _params(length=20, default="")),
        ("terms", JSON, _params(default="{}")),
        ("note", Text, _params(default="")),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("created_by", Integer, _params(default=None, null=True)),
    ):
        manager.add_column(
            table_class_name="ThesaurusEdit",
            tablename="thesaurus_edit",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )

    return manager
