from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T15:56:23:983099"
VERSION = "1.38.0"
DESCRIPTION = "Default pledge expiry"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="policy", description=DESCRIPTION
    )

    async def pledge_expiry_default() -> None:
        from piccolo.engine.finder import engine_finder

        await engine_finder().run_ddl(
            "INSERT INTO policy_parameter (name, region_code, value, effective_from, note, "
            "created_at) VALUES ('pledge_expiry_days', NULL, '30', '2020-01-01', "
            "'认捐后未交付、未拨付的期限（天），逾期释放', CURRENT_TIMESTAMP)"
        )

    manager.add_raw(pledge_expiry_default)

    return manager
