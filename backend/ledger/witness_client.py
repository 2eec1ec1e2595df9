"""``aidbridge witness``: an independent party watching one platform's ledger.

Run by someone other than the platform (from cron, say every ten minutes), with a state folder
of its own:

- ``witness.key``             the witness's Ed25519 seed, made on the first run (mode 0600);
- ``witness-public-key.json`` what to hand the platform's admin to be registered;
- ``log-keys.json``           the platform's signing keys, pinned on first sight (or given);
- ``last-head.json``          the last tree head checked, the base of the next consistency proof;
- ``cosignatures.jsonl``      every cosignature posted;
- ``evidence-*.json``         what the platform signed when it contradicted itself.

A run fetches the latest head, checks its signature and key period, proves it extends the
last head seen, records it, then cosigns and posts the cosignature. Two heads of one size, a
shrinking tree or a failed consistency proof stop the run with the evidence written down.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from matching.cosign import WitnessAlarm, check_progress, cosign
from matching.ledger import LedgerVerificationError, TreeHead, key_id, raw_public_key
from matching.ledger_keys import KeySet, key_set_from_document


class WitnessError(Exception):
    """The run could not complete (network, refusal, bad signature); nothing to alarm about."""


class Alarm(Exception):
    """The platform contradicted itself; the evidence is in the file named."""

    def __init__(self, alarm: WitnessAlarm, evidence: Path) -> None:
        super().__init__(str(alarm))
        self.kind = alarm.kind
        self.evidence = evidence


@dataclass
class Outcome:
    head: TreeHead
    verdict: str
    posted: bool


def _write(path: Path, data: Any, *, mode: int = 0o644) -> None:
    """Atomically: a crash mid-write leaves the old state, never half a file."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.chmod(temporary, mode)
    temporary.replace(path)


def witness_key(state: Path) -> Ed25519PrivateKey:
    """The witness's own key, generated into ``state`` on first use."""
    path = state / "witness.key"
    if path.exists():
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_text().strip()))
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes_raw()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(base64.b64encode(seed).decode() + "\n")
    public = key.public_key()
    _write(
        state / "witness-public-key.json",
        {
            "algorithm": "Ed25519",
            "key_id": key_id(public),
            "public_key": base64.b64encode(raw_public_key(public)).decode(),
        },
    )
    return key


def _log_keys(state: Path, served: dict[str, Any], given: KeySet | None) -> KeySet:
    """Keys given on the command line win; otherwise the first keys seen are pinned, and a
    later document may add keys (a rotation) but never change a pinned key's period."""
    if given is not None:
        return given
    path = state / "log-keys.json"
    pinned = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"keys": []}
    known = {k["key_id"] for k in pinned["keys"]}
    fresh = served.get("keys") or [served]
    added = [k for k in fresh if k.get("key_id") not in known]
    document = {"keys": pinned["keys"] + added}
    keys = key_set_from_document(document)
    if added:
        _write(path, document)
    return keys


def _evidence(state: Path, alarm: WitnessAlarm, url: str, **facts: Any) -> Path:
    moment = datetime.now(UTC)
    path = state / f"evidence-{moment.strftime('%Y%m%dT%H%M%S%fZ')}-{alarm.kind}.json"
    _write(
        path,
        {
            "kind": alarm.kind,
            "message": str(alarm),
            "url": url,
            "observed_at": moment.isoformat(),
            **facts,
        },
    )
    return path


def _get(client: httpx.Client, url: str) -> Any:
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        raise WitnessError(f"无法连接平台 {url}：{exc}") from exc
    if response.status_code != 200:
        raise WitnessError(f"平台返回 {response.status_code}：{url}")
    try:
        return response.json()
    except ValueError as exc:
        raise WitnessError(f"平台返回的不是 JSON：{url}") from exc


@contextmanager
def _exclusive(state: Path) -> Iterator[None]:
    """One round at a time per state folder: two overlapping rounds (a slow cron run and the
    next) could otherwise each check against the same last head and store out of order."""
    with (state / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WitnessError(f"另一个见证进程正在使用 {state}") from exc
        yield


def run(url: str, state: Path, given: KeySet | None = None) -> Outcome:
    """One witnessing round; raises ``Alarm`` (evidence written) or ``WitnessError``."""
    state.mkdir(parents=True, exist_ok=True)
    with _exclusive(state):
        return _round(url, state, given)


def _round(url: str, state: Path, given: KeySet | None) -> Outcome:
    key = witness_key(state)
    base = url.rstrip("/") + "/api/v1/ledger"
    last_path = state / "last-head.json"
    with httpx.Client(timeout=30) as client:
        try:
            keys = _log_keys(state, _get(client, f"{base}/public-key"), given)
            served = _get(client, f"{base}/tree-head")
            head = TreeHead.from_json(served)
            keys.verify(head)
        except LedgerVerificationError as exc:
            raise WitnessError(f"平台的树头不可信：{exc}") from exc
        last = TreeHead.from_json(json.loads(last_path.read_text())) if last_path.exists() else None
        proof: list[bytes] = []
        answer: Any = None
        if last is not None and head.tree_size > last.tree_size:
            try:
                answer = _get(
                    client,
                    f"{base}/proofs/consistency?first={last.tree_size}&second={head.tree_size}",
                )
                proof = [bytes.fromhex(h) for h in answer["proof"]]
            except (WitnessError, KeyError, TypeError, ValueError) as exc:
                answer = {"error": str(exc)}
        try:
            verdict = check_progress(last, head, proof)
        except WitnessAlarm as alarm:
            evidence = _evidence(
                state,
                alarm,
                url,
                last_head=last.to_json() if last else None,
                new_head=served,
                consistency_proof=answer,
            )
            raise Alarm(alarm, evidence) from alarm
        _write(last_path, head.to_json())
        cosignature = cosign(key, head, int(time.time()))
        try:
            response = client.post(f"{base}/cosignatures", json=cosignature.to_json())
        except httpx.HTTPError as exc:
            raise WitnessError(f"无法提交联署：{exc}") from exc
    if response.status_code == 403:
        raise WitnessError(
            f"平台尚未登记本见证方（密钥 {cosignature.witness_key_id}）：请把 "
            f"{state / 'witness-public-key.json'} 交给平台管理员登记"
        )
    if response.status_code not in (200, 201):
        message = response.json().get("message", "") if response.content else ""
        raise WitnessError(f"平台拒绝了联署（{response.status_code}）：{message}")
    with (state / "cosignatures.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(cosignature.to_json()) + "\n")
    return Outcome(head=head, verdict=verdict.value, posted=True)
