"""``aidbridge`` commands of the public ledger: download, verify, seal, keys and witnessing."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

#: Files are checked by the commands themselves, so a missing one gets a Chinese message.
FILE = click.Path(dir_okay=False, path_type=Path)


def _fail(message: str) -> None:
    click.echo(f"验证失败：{message}", err=True)
    sys.exit(1)


@click.command(help="Verify a downloaded ledger, inclusion proof or consistency proof offline.")
@click.option(
    "--public-key",
    "public_key",
    required=True,
    type=FILE,
    help="PEM, or the JSON of /api/v1/ledger/public-key (every key with its validity period).",
)
@click.option("--tree-head", "tree_head", type=FILE, default=None)
@click.option(
    "--entries",
    type=FILE,
    default=None,
    help="One canonical JSON entry per line, in tree order (/api/v1/ledger/entries).",
)
@click.option("--inclusion", type=FILE, default=None)
@click.option("--consistency", type=FILE, default=None)
@click.option(
    "--ignore-unverified",
    is_flag=True,
    help="Accept entries past the tree head's size; they are still listed as unverified.",
)
def verify(
    public_key: Path,
    tree_head: Path | None,
    entries: Path | None,
    inclusion: Path | None,
    consistency: Path | None,
    ignore_unverified: bool,
) -> None:
    from backend.ledger import offline
    from matching.ledger import LedgerVerificationError

    if not (entries or inclusion or consistency or tree_head):
        raise click.UsageError("give --entries, --inclusion, --consistency or --tree-head")
    if entries and tree_head is None:
        raise click.UsageError("--entries needs --tree-head")
    messages: list[str] = []
    warnings: list[str] = []
    try:
        keys = offline.load_keys(public_key)
        head = offline.load_head(tree_head) if tree_head is not None else None
        if head is not None:
            key = keys.verify(head)
            messages.append(
                f"树头签名有效：大小 {head.tree_size}，{head.timestamp} 由密钥 {key.key_id} 签发"
                f"（有效期 {key.period()}）"
            )
        if entries and head is not None:
            result = offline.verify_entries(entries, head, keys)
            if result.unverified_count:
                unverified = (
                    f"{result.describe_unverified()}超出签名树头的大小 {head.tree_size}，"
                    "没有任何签名覆盖，未经验证"
                )
                if not ignore_unverified:
                    raise LedgerVerificationError(
                        f"文件比签名树头多 {result.unverified_count} 行：{unverified}。"
                        f"如只需验证前 {head.tree_size} 条，请加 --ignore-unverified"
                        "（这些行仍会列为未验证）"
                    )
                warnings.append(f"未验证（已按 --ignore-unverified 忽略）：{unverified}")
            messages.append(
                f"账本一致：前 {result.verified} 条条目与签名树头"
                f"（根哈希 {head.root_hash.hex()[:16]}…）相符"
            )
        if inclusion:
            found = offline.verify_inclusion(inclusion, keys, head)
            messages.append(
                f"条目 {found.entry_id} 位于第 {found.index} 位，已包含在大小 "
                f"{found.head.tree_size} 的签名树头中"
            )
        if consistency:
            first, second = offline.verify_consistency(consistency, keys, head)
            messages.append(
                f"大小 {second.tree_size} 的账本只在大小 {first.tree_size} 的账本之后追加，"
                "未改写历史"
            )
    except LedgerVerificationError as exc:
        _fail(str(exc))
    for message in messages:
        click.echo(f"✓ {message}")
    for warning in warnings:
        click.echo(f"⚠ {warning}")


@click.command("ledger-download", help="Download the public keys, a tree head and its entries.")
@click.option("--url", required=True, help="The platform's address, e.g. https://aidbridge.example")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("ledger"))
@click.option(
    "--tree-size",
    type=int,
    default=None,
    help="The signed head of this size and exactly its entries (default: the latest head).",
)
def ledger_download(url: str, out: Path, tree_size: int | None) -> None:
    import httpx

    out.mkdir(parents=True, exist_ok=True)
    base = url.rstrip("/") + "/api/v1/ledger"
    with httpx.Client(timeout=60) as client:
        key = client.get(f"{base}/public-key").raise_for_status().json()
        where = "/tree-head" if tree_size is None else f"/tree-heads/{tree_size}"
        head = client.get(base + where).raise_for_status().json()
        (out / "public-key.json").write_text(json.dumps(key, ensure_ascii=False, indent=2))
        (out / "tree-head.json").write_text(json.dumps(head, indent=2))
        with (out / "entries.jsonl").open("wb") as handle:
            start, size = 0, int(head["tree_size"])
            while start < size:
                # The server says how far each page went: no page size to agree on.
                page = client.get(f"{base}/entries", params={"start": start, "end": size})
                handle.write(page.raise_for_status().content)
                start = int(page.headers["X-Ledger-End"])
    click.echo(f"downloaded {head['tree_size']} entries to {out}/")


@click.command("ledger-seal", help="Position new ledger entries and sign a tree head now.")
def ledger_seal() -> None:
    from backend.commands import seal_ledger

    head = asyncio.run(seal_ledger())
    click.echo(
        f"已签发树头：{head.tree_size} 条，根哈希 {head.root_hash.hex()}，密钥 {head.key_id}"
    )


@click.command(help="Witness a platform's ledger: check the latest head, cosign, post.")
@click.option("--url", required=True, help="The platform's address.")
@click.option(
    "--state",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="This witness's folder: its key, the last head it saw, evidence.",
)
@click.option(
    "--public-key",
    "public_key",
    type=FILE,
    default=None,
    help="The platform's keys from a second channel (default: pinned on first run).",
)
def witness(url: str, state: Path, public_key: Path | None) -> None:
    """Exit 0 cosigned, 1 could not complete, 3 the platform contradicted itself."""
    from backend.ledger import offline
    from backend.ledger.witness_client import Alarm, WitnessError, run
    from matching.ledger import LedgerVerificationError

    try:
        keys = offline.load_keys(public_key) if public_key else None
        outcome = run(url, state, keys)
    except Alarm as alarm:
        click.echo(f"见证告警：{alarm}\n证据已写入 {alarm.evidence}", err=True)
        sys.exit(3)
    except (WitnessError, LedgerVerificationError) as exc:
        click.echo(f"见证未完成：{exc}", err=True)
        sys.exit(1)
    head = outcome.head
    how = {"first": "首次见到", "same": "与上次相同", "extends": "一致性证明成立"}[outcome.verdict]
    click.echo(
        f"✓ 已联署大小 {head.tree_size} 的树头（根哈希 {head.root_hash.hex()[:16]}…，{how}）"
    )


@click.command("witness-register", help="Register a witness by its public key (on the server).")
@click.option("--name", required=True, help="Who runs the witness, e.g. 某大学公共管理学院.")
@click.option(
    "--public-key",
    "public_key",
    required=True,
    help="witness-public-key.json from the witness's state folder, or the base64 key itself.",
)
def witness_register(name: str, public_key: str) -> None:
    from backend.commands import register_witness
    from backend.errors import DomainError

    path = Path(public_key)
    if path.is_file():
        public_key = json.loads(path.read_text(encoding="utf-8"))["public_key"]
    try:
        view = asyncio.run(register_witness(name, public_key))
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"已登记见证方 {view.name}（密钥 {view.key_id}）")


@click.command("ledger-keys", help="List the ledger signing keys and the heads each signed.")
def ledger_keys_command() -> None:
    """Exit 1 when a stored head names a key the settings no longer publish."""
    from backend.commands import heads_per_key
    from backend.ledger.keys import ledger_keys

    counts = asyncio.run(heads_per_key())
    keys = ledger_keys()
    for key in keys:
        private = (
            "私钥在本机"
            if key.private_key
            else f"仅公钥（public:{key.document(_now())['public_key']}）"
        )
        click.echo(
            f"{key.key_id}  {key.status(_now()):<8} 有效期 {key.period()}  "
            f"已签树头 {counts.get(key.key_id, 0)} 个  {private}"
        )
        if key.private_key:
            click.echo(f"    退役后改写为：public:{key.document(_now())['public_key']}")
    unknown = sorted(set(counts) - set(keys.keys))
    for kid in unknown:
        click.echo(
            f"✗ 密钥 {kid} 签过 {counts[kid]} 个树头，但设置中已没有它：旧树头将无法验证", err=True
        )
    sys.exit(1 if unknown else 0)


def _now() -> datetime:
    return datetime.now(UTC)


COMMANDS = [
    verify,
    ledger_download,
    ledger_seal,
    ledger_keys_command,
    witness,
    witness_register,
]
