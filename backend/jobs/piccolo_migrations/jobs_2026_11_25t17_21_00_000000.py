from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T17:21:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job_run index on (name, started_at): the last run of each job"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="jobs", description=DESCRIPTION
    )

    async def index_runs_by_name() -> None:
        """The jobs page reads the newest run (and failure) of each job: one index seek each."""
        from piccolo.engine.finder import engine_finder

        engine = engine_finder()
        await engine.run_ddl(
            "CREATE INDEX IF NOT EXISTS job_run_name_started_at "
            "ON job_run (name, started_at DESC)"
        )

    manager.add_raw(index_runs_by_name)

    return manager
