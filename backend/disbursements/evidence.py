"""Evidence files of disbursements: checked, then kept by content (SHA-256) under var/.

The type is read from the file's first bytes, never from the client's name or content type,
so a renamed executable is not a "PDF". Files are stored once per content under
``settings.var_dir / "evidence"`` and only ever read back through the authorised download of
``backend.disbursements.service``: they are never under /static. A receipt may show a
household's name or address, so neither file names nor contents are ever logged.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from backend.errors import FieldInvalid
from backend.settings import get_settings

#: The request ceiling of the upload routes: the largest allowed ``EVIDENCE_MAX_BYTES`` (50 MiB,
#: see backend/settings.py) plus the multipart framing and the form's other fields. Below it,
#: an oversized file gets the 400 naming the configured limit instead of a bare 413.
UPLOAD_REQUEST_CEILING = 50 * 1024 * 1024 + 256 * 1024

_MIB = 1024 * 1024

#: (magic prefix, media type, label) of the accepted types.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\xff\xd8\xff", "image/jpeg", "JPG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
)

SUFFIXES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}

ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


class EvidenceMissing(FieldInvalid):
    code = "evidence_missing"
    message = "请上传证明文件（PDF、JPG 或 PNG）"


class EvidenceTooLarge(FieldInvalid):
    code = "evidence_too_large"

    def __init__(self, limit_text: str) -> None:
        super().__init__(f"证明文件不能超过 {limit_text}", field="evidence")


class EvidenceTypeRefused(FieldInvalid):
    code = "evidence_type_refused"
    message = "仅支持 PDF、JPG、PNG 格式的证明文件"


@dataclass(frozen=True)
class StoredEvidence:
    sha256: str
    size: int
    media_type: str


def max_bytes() -> int:
    return get_settings().evidence_max_bytes


def limit_text(limit: int | None = None) -> str:
    """The limit as people read it: "10 MB", "2.5 MB", "512 KB"."""
    limit = max_bytes() if limit is None else limit
    if limit >= _MIB:
        mib = limit / _MIB
        return f"{mib:.0f} MB" if limit % _MIB == 0 else f"{mib:.1f} MB"
    return f"{max(1, limit // 1024)} KB"


def detect_type(content: bytes) -> str | None:
    """The media type announced by the file's own first bytes, or None when not accepted."""
    for magic, media_type, _ in _SIGNATURES:
        if content.startswith(magic):
            return media_type
    return None


def check(content: bytes) -> StoredEvidence:
    """Size and type of an upload read with at most one byte past the limit; 400 otherwise."""
    if not content:
        raise EvidenceMissing(field="evidence")
    if len(content) > max_bytes():
        raise EvidenceTooLarge(limit_text())
    media_type = detect_type(content)
    if media_type is None:
        raise EvidenceTypeRefused(field="evidence")
    return StoredEvidence(
        sha256=hashlib.sha256(content).hexdigest(), size=len(content), media_type=media_type
    )


def evidence_dir() -> Path:
    return get_settings().var_dir / "evidence"


def path_of(sha256: str) -> Path:
    """Where a file of this content lives (fanned out by the first two hex digits)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return evidence_dir() / sha256[:2] / sha256


def store(content: bytes, evidence: StoredEvidence) -> Path:
    """Write the file once: the same content uploaded again is already there.

    Written to a temporary file and renamed into place, so a reader never sees half a file and
    two concurrent uploads of one content both end with the same complete file.
    """
    target = path_of(evidence.sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o640)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def read(sha256: str) -> bytes:
    return path_of(sha256).read_bytes()
