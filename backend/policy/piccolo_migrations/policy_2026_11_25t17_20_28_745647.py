from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T17:20:28:745647"
VERSION = "1.38.0"
DESCRIPTION = "低保标准 by city, the 低保 multipliers, digest limits; one value per name, region, date"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="policy", description=DESCRIPTION
    )

    async def write_defaults() -> None:
        import json

        from piccolo.engine.finder import engine_finder

        engine = engine_finder()
        # One value per (name, region, date): a second would make "the value in force"
        # ambiguous. COALESCE so that two platform-wide values (NULL region) collide too.
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS policy_parameter_once "
            "ON policy_parameter (name, COALESCE(region_code, ''), effective_from)"
        )
        for name, region, value, note in DEFAULTS:
            await engine.run_ddl(
                "INSERT INTO policy_parameter (name, region_code, value, effective_from, note, "
                "created_at) VALUES ({}, {}, {}, '2024-01-01', {}, CURRENT_TIMESTAMP)".format(
                    _quote(name),
                    _quote(region) if region else "NULL",
                    _quote(json.dumps(value)),
                    _quote(note),
                )
            )

    manager.add_raw(write_defaults)

    return manager


_DEMO = "演示默认值，须由当地民政部门按本地文件核定后另行设置"

# Frozen here on purpose: a migration must write the same rows whenever it runs.
# (name, region code or None for the platform, value in the catalogue's unit, note)
DEFAULTS = [
    ("dibao_standard_fen", "120000000000", 111000, f"天津市城乡低保标准 1110 元/人·月；{_DEMO}"),
    ("dibao_standard_fen", "500000000000", 79000, f"重庆市城市低保标准 790 元/人·月；{_DEMO}"),
    ("dibao_standard_fen", "370900000000", 96000, f"泰安市城市低保标准 960 元/人·月；{_DEMO}"),
    (
        "low_income_multiplier_permille",
        None,
        1500,
        "人均收入不超过低保标准 1.5 倍的家庭认定为低收入家庭",
    ),
    ("tekun_multiplier_permille", None, 1300, "特困人员基本生活标准不低于低保标准的 1.3 倍"),
    ("notification.digest_interval_minutes", None, 60, "同一组织的新需求摘要至多每小时一份"),
    ("notification.digest_listed_max", None, 20, "一份摘要逐条列出的需求数，其余只计数"),
]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
