"""``aidbridge``: the command line of the platform."""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path

import click
from pydantic import ValidationError

from backend.settings import get_settings


def _settings_or_exit() -> None:
    from backend.logging import configure_logging

    try:
        configure_logging(get_settings())
    except ValidationError as exc:
        problems = "; ".join(str(err["msg"]) for err in exc.errors())
        raise click.ClickException(f"invalid settings: {problems}") from None


@click.group(help="救助衔接平台 AidBridge: 政府救助与慈善帮扶衔接。")
def main() -> None:
    _settings_or_exit()


@main.command(help="Serve the web app and JSON API.")
@click.option("--host", default=None, help="Defaults to HOST (127.0.0.1).")
@click.option("--port", default=None, type=int, help="Defaults to PORT (8000).")
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str | None, port: int | None, workers: int) -> None:
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "backend.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        access_log=False,
        # X-Forwarded-For is read by the app, from TRUSTED_PROXIES only (backend/web/security.py).
        proxy_headers=False,
        log_config=None,
    )


@main.command(help="Run the arq worker (needs REDIS_URL).")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
def worker(burst: bool) -> None:
    from backend.jobs.worker import build_worker
    from backend.logging import configure_logging

    configure_logging(get_settings())
    build_worker(burst=burst).run()


@main.command(help="Apply all database migrations.")
def migrate() -> None:
    from backend.migrations import migrate as run

    asyncio.run(run())
    click.echo("数据库迁移完成")


@main.command("load-regions", help="Load the administrative-division fixture (idempotent).")
@click.option("--file", "path", type=click.Path(exists=True, path_type=Path), default=None)
def load_regions_command(path: Path | None) -> None:
    from backend.commands import load_regions

    count = asyncio.run(load_regions(path))
    click.echo(f"地区已加载：新增或更新 {count} 条")


@main.command("seed-demo", help="Load demo data (idempotent) and print the demo accounts.")
def seed_demo() -> None:
    from backend.demo import seed

    accounts = asyncio.run(seed())
    click.echo("演示账号（仅供演示，请勿用于生产）：")
    for account in accounts:
        click.echo(
            f"  {account.role_label:<8} 用户名 {account.username:<16} 密码 {account.password}"
        )


@main.command("create-user", help="Create an account.")
@click.option("--username", required=True)
@click.option("--display-name", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["staff", "reviewer", "org_member", "volunteer", "auditor", "admin"]),
)
@click.option("--region", "region_code", default=None, help="12-digit division code.")
@click.option("--organisation", "organisation_id", default=None, help="Organisation public id.")
@click.option("--password", default=None, help="Prompted for when omitted.")
def create_user(
    username: str,
    display_name: str,
    role: str,
    region_code: str | None,
    organisation_id: str | None,
    password: str | None,
) -> None:
    from pydantic import ValidationError

    from backend.accounts.schemas import UserCreate
    from backend.commands import create_user as run
    from backend.errors import DomainError

    if password is None:
        password = getpass.getpass("密码: ")
    try:
        data = UserCreate(
            username=username,
            display_name=display_name,
            password=password,
            role=role,
            region_code=region_code,
            organisation_id=organisation_id,
        )
        user = asyncio.run(run(data))
    except ValidationError as exc:
        for err in exc.errors():
            click.echo(f"{'.'.join(map(str, err['loc']))}: {err['msg']}", err=True)
        sys.exit(2)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"已创建用户 {user.username}（{user.role.value}）")


@main.command(help="Anonymise JSON Lines from stdin to stdout (staff tooling).")
def anonymise() -> None:
    """Each input line: {"text", "known"}; each output line: {"text", "findings"}, in order."""
    import io

    from backend.anonymise_cli import run

    # Bytes that are not UTF-8 must not abort a whole batch: run() reports such lines.
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="surrogateescape")
    stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors="surrogateescape")
    code = run(stdin, stdout)
    stdout.flush()
    sys.exit(code)


@main.command(help="Rebuild the need search index from the database (aside, then swap).")
def reindex() -> None:
    from backend.commands import reindex_search

    count = asyncio.run(reindex_search())
    click.echo(f"搜索索引已重建：{count} 条需求")


@main.command("search-check", help="Report drift between the search index and the database.")
def search_check() -> None:
    from backend.commands import search_drift

    drift = asyncio.run(search_drift())
    click.echo(f"索引缺少 {len(drift.missing)} 条，索引多出 {len(drift.stale)} 条")
    for public_id in sorted(drift.missing):
        click.echo(f"  缺少 {public_id}")
    for public_id in sorted(drift.stale):
        click.echo(f"  多出 {public_id}")
    sys.exit(0 if drift.clean else 1)


def _register() -> None:
    """Commands kept in their own modules, so this one stays a table of contents."""
    from backend.cli_ledger import COMMANDS as LEDGER
    from backend.cli_ops import COMMANDS as OPS

    for command in (*LEDGER, *OPS):
        main.add_command(command)


_register()

if __name__ == "__main__":
    main()
