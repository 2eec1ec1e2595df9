"""``aidbridge`` commands of operations: key rotation drills, backup and restore."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import click


def _rotation_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--batch-size`` and ``--check``, the same for every rotation drill."""
    command = click.option(
        "--check", is_flag=True, help="Only report what is not yet under the first key."
    )(command)
    return click.option(
        "--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000)
    )(command)


def _counts(counter: Counter[str]) -> str:
    return "，".join(f"{kid} {n} 条" for kid, n in sorted(counter.items())) or "无"


@click.command("rotate-data-key", help="Re-seal every personal-data field under the first key.")
@_rotation_options
def rotate_data_key(batch_size: int, check: bool) -> None:
    """Exit 1 while anything is left under another key, or a value cannot be opened."""
    from backend.commands import data_key_rotation
    from backend.crypto import cipher

    report = asyncio.run(data_key_rotation(batch_size, check_only=check))
    current = cipher().active_key_id
    if not check:
        click.echo(f"已用密钥 {current} 重新加密 {report.total} 个字段值（每批 {batch_size} 条）")
        for column, counter in report.resealed.items():
            if counter:
                click.echo(f"  {column}：{_counts(counter)} → {current}")
    left = Counter[str]()
    for column, counter in report.remaining.items():
        left.update(counter)
        if counter:
            click.echo(f"  仍未在 {current} 下：{column}：{_counts(counter)}")
    for column, ids in report.unreadable.items():
        if ids:
            click.echo(f"✗ {column} 有 {len(ids)} 个值无法解密（行 {ids[:10]}）", err=True)
    retired = [kid for kid in cipher().key_ids if kid != current and not left[kid]]
    if report.clean:
        click.echo(f"✓ 全部加密字段均在当前密钥 {current} 下")
        if retired:
            click.echo(f"  可以从 DATA_ENCRYPTION_KEYS 中移除：{'、'.join(retired)}")
    sys.exit(0 if report.clean else 1)


@click.command("rotate-blind-index", help="Recompute every ID-number blind index, current key.")
@_rotation_options
def rotate_blind_index(batch_size: int, check: bool) -> None:
    """Exit 1 while an index is left under another key."""
    from backend.commands import blind_index_rotation
    from backend.crypto import blind_index

    report = asyncio.run(blind_index_rotation(batch_size, check_only=check))
    current = blind_index().current_key_id
    if not check:
        click.echo(
            f"已用密钥 {current} 重算身份证号索引：救助对象成员 {_counts(report.members)}，"
            f"近亲属备案 {_counts(report.declarations)}"
        )
    for what, counter in (
        ("救助对象成员", report.remaining_members),
        ("近亲属备案", report.remaining_declarations),
    ):
        if counter:
            click.echo(f"  仍未在 {current} 下：{what} {_counts(counter)}")
    if report.conflicts:
        click.echo(
            f"✗ {len(report.conflicts)} 名成员的新索引与他人相同（同一人登记两次）", err=True
        )
    if report.unreadable:
        click.echo(f"✗ {len(report.unreadable)} 名成员的身份证号无法解密", err=True)
    if report.orphaned_declarations:
        click.echo(
            f"✗ {report.orphaned_declarations} 条旧近亲属备案只存有哈希、且不是已登记的救助对象，"
            "无法重算：请备案人重新备案，之前不要移除旧密钥",
            err=True,
        )
    if report.clean:
        click.echo(
            f"✓ 全部身份证号索引均在当前密钥 {current} 下，旧密钥可以从 BLIND_INDEX_KEYS 中移除"
        )
    sys.exit(0 if report.clean else 1)


@click.command(help="Back up the database and the evidence files into a new folder.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
def backup(out: Path) -> None:
    from backend.backup import BackupError
    from backend.backup import backup as run

    try:
        manifest = asyncio.run(run(out))
    except BackupError as exc:
        click.echo(f"备份失败：{exc}", err=True)
        sys.exit(1)
    head = manifest["tree_head"]
    click.echo(
        f"✓ 已备份到 {out}/：数据库 {manifest['dump']}（{manifest['dump_bytes'] / 1e6:.1f} MB），"
        f"凭证文件 {len(manifest['evidence'])} 个，用时 {sum(manifest['seconds'].values()):.1f} 秒"
    )
    if head:
        click.echo(f"  备份前最后签发的树头：{head['tree_size']} 条，根哈希 {head['root_hash']}")


@click.command(help="Restore a backup into a fresh database, then rebuild search and check.")
@click.option("--from", "source", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Drop a target database that already has tables.")
def restore(source: Path, replace: bool) -> None:
    """Exit 1 if the backup is damaged, the target not empty, the ledger or search differ."""
    from backend.backup import BackupError
    from backend.backup import restore as run
    from matching.ledger import LedgerVerificationError

    try:
        report = asyncio.run(run(source, replace=replace))
    except BackupError as exc:
        click.echo(f"恢复失败：{exc}", err=True)
        sys.exit(1)
    except LedgerVerificationError as exc:
        click.echo(f"恢复失败：账本验证不通过：{exc}", err=True)
        sys.exit(1)
    steps = "，".join(
        f"{name} {seconds:.2f} 秒" for name, seconds in report.timings.seconds.items()
    )
    click.echo(f"✓ 已从 {source}/ 恢复（备份于 {report.manifest['created_at']}）：{steps}")
    click.echo(f"✓ {report.ledger}")
    if not report.clean:
        click.echo(
            f"✗ 搜索索引与数据库不一致：缺少 {report.search_missing} 条，"
            f"多出 {report.search_stale} 条",
            err=True,
        )
        sys.exit(1)
    click.echo(f"✓ 搜索索引已重建并与数据库一致；合计 {report.timings.total:.2f} 秒")


COMMANDS = [rotate_data_key, rotate_blind_index, backup, restore]
