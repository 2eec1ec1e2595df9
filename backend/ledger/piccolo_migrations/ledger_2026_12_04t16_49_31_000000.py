from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T16:49:31:000000"
VERSION = "1.38.0"
DESCRIPTION = "One cosignature per witness and tree size"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="ledger", description=DESCRIPTION
    )

    async def one_per_witness_and_size() -> None:
        """A witness vouches for one root per tree size; a second would be its own alarm.

        Raw steps run before a migration's table changes, hence a migration of its own.
        """
        from piccolo.engine.finder import engine_finder

        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX ledger_cosignature_witness_size "
            "ON ledger_cosignature (witness, tree_size)"
        )

    manager.add_raw(one_per_witness_and_size)

    return manager
