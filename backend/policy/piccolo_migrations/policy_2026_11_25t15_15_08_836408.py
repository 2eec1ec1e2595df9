from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T15:15:08:836408"
VERSION = "1.38.0"
DESCRIPTION = "Platform-wide default policy parameters"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="policy", description=DESCRIPTION
    )

    async def write_defaults() -> None:
        """The platform-wide defaults; admins add regional values and later versions."""
        import json

        from piccolo.engine.finder import engine_finder

        engine = engine_finder()
        for name, (value, note) in DEFAULTS.items():
            await engine.run_ddl(
                "INSERT INTO policy_parameter (name, region_code, value, effective_from, note, "
                "created_at) VALUES ({}, NULL, {}, {}, {}, CURRENT_TIMESTAMP)".format(
                    _quote(name), _quote(json.dumps(value)), "'2020-01-01'", _quote(note)
                )
            )

    manager.add_raw(write_defaults)

    return manager


# Frozen here on purpose: a migration must write the same rows whenever it runs.
DEFAULTS = {
    "review_cycle_months.yearly": (12, "特困及收入稳定的低保、低收入家庭每年复核"),
    "review_cycle_months.half_yearly": (6, "收入不稳定或有劳动能力成员的家庭每半年复核"),
    "k_anonymity": (5, "公开的准标识组合至少对应 k 户救助对象"),
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
