from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T15:15:09:623872"
VERSION = "1.38.0"
DESCRIPTION = "The audit log refuses UPDATE and DELETE"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="audit", description=DESCRIPTION
    )

    async def make_append_only() -> None:
        """Refuse UPDATE and DELETE on the audit log in the database itself."""
        from piccolo.engine.finder import engine_finder

        engine = engine_finder()
        if engine.engine_type == "postgres":
            await engine.run_ddl(
                "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END; $$ LANGUAGE plpgsql"
            )
            await engine.run_ddl(
                "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
                "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
            )
        else:
            for event in ("UPDATE", "DELETE"):
                await engine.run_ddl(
                    f"CREATE TRIGGER audit_entry_no_{event.lower()} BEFORE {event} ON audit_entry "
                    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END"
                )

    manager.add_raw(make_append_only)

    return manager
