from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T17:19:44:377577"
VERSION = "1.38.0"
DESCRIPTION = "The ledger refuses DELETE and every UPDATE but the one-time position"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="ledger", description=DESCRIPTION
    )

    async def make_append_only() -> None:
        """An entry may only ever gain its position (seq) once; nothing else changes."""
        from piccolo.engine.finder import engine_finder

        engine = engine_finder()
        if engine.engine_type == "postgres":
            await engine.run_ddl(
                "CREATE OR REPLACE FUNCTION ledger_entry_append_only() RETURNS trigger AS $$ "
                "BEGIN "
                "IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL "
                "AND NEW.id = OLD.id AND NEW.public_id = OLD.public_id "
                "AND NEW.body = OLD.body AND NEW.leaf_hash = OLD.leaf_hash "
                "AND NEW.kind = OLD.kind AND NEW.amount_fen = OLD.amount_fen "
                "AND NEW.hours = OLD.hours AND NEW.recorded_at = OLD.recorded_at "
                "AND NEW.need_public_id IS NOT DISTINCT FROM OLD.need_public_id "
                "AND NEW.organisation_public_id IS NOT DISTINCT FROM OLD.organisation_public_id "
                "AND NEW.pledge_public_id IS NOT DISTINCT FROM OLD.pledge_public_id "
                "THEN RETURN NEW; END IF; "
                "RAISE EXCEPTION 'ledger_entry is append-only'; END; $$ LANGUAGE plpgsql"
            )
            await engine.run_ddl(
                "CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry "
                "FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only()"
            )
            await engine.run_ddl(
                "CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ "
                "LANGUAGE plpgsql"
            )
            for table in ("ledger_node", "ledger_tree_head"):
                await engine.run_ddl(
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
                )
        else:
            await engine.run_ddl(
                "CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry "
                "WHEN NOT (OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.id = OLD.id "
                "AND NEW.public_id = OLD.public_id AND NEW.body = OLD.body "
                "AND NEW.leaf_hash = OLD.leaf_hash AND NEW.kind = OLD.kind "
                "AND NEW.amount_fen = OLD.amount_fen AND NEW.hours = OLD.hours "
                "AND NEW.recorded_at = OLD.recorded_at "
                "AND NEW.need_public_id IS OLD.need_public_id "
                "AND NEW.organisation_public_id IS OLD.organisation_public_id "
                "AND NEW.pledge_public_id IS OLD.pledge_public_id) "
                "BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only'); END"
            )
            for table in ("ledger_entry", "ledger_node", "ledger_tree_head"):
                await engine.run_ddl(
                    f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
            for table in ("ledger_node", "ledger_tree_head"):
                await engine.run_ddl(
                    f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )

    manager.add_raw(make_append_only)

    return manager
