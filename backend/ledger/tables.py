"""The disclosure ledger: append-only entries, the stored Merkle nodes, signed tree heads.

An entry is written in the same transaction as the change it records, without a position;
the sealer (``backend/ledger/sealing.py``) later gives committed entries their position
(``seq``) in one serialised step, so concurrent writers never contend for a counter and a
transaction that commits late still lands in the tree. A database trigger refuses every UPDATE
except that one-time assignment, and every DELETE.
"""

from piccolo.columns import BigInt, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from matching.ledger import EntryKind


class LedgerEntry(Table, tablename="ledger_entry"):
    id: Serial
    #: Position in the Merkle tree (leaf index); null until sealed.
    seq = BigInt(null=True, default=None, unique=True)
    #: Random public id, part of the hashed body.
    public_id = Varchar(length=24, unique=True)
    kind = Varchar(length=24, choices=EntryKind, index=True)
    recorded_at = Timestamptz(index=True)
    need_public_id = Varchar(length=24, null=True, default=None, index=True)
    organisation_public_id = Varchar(length=24, null=True, default=None, index=True)
    pledge_public_id = Varchar(length=24, null=True, default=None, index=True)
    #: Signed fen: negative when money goes back (cancellation, expiry, refund).
    amount_fen = BigInt(default=0)
    hours = Integer(default=0)
    #: The canonical JSON that is hashed: the leaf data, byte for byte.
    body = Text()
    #: SHA-256(0x00 || body), hex.
    leaf_hash = Varchar(length=64)


class LedgerNode(Table, tablename="ledger_node"):
    """Complete interior nodes (level ≥ 1) of the tree; leaves are ``LedgerEntry.leaf_hash``."""

    #: (level << 48) | index: one integer key, so a proof's nodes come back in one query.
    key = BigInt(primary_key=True)
    hash = Varchar(length=64)


class TreeHead(Table, tablename="ledger_tree_head"):
    id: Serial
    tree_size = BigInt(index=True)
    root_hash = Varchar(length=64)
    #: The signed timestamp, exactly as signed (RFC 3339, UTC).
    signed_at = Varchar(length=32)
    issued_at = Timestamptz(index=True)
    key_id = Varchar(length=16)
    signature = Text()


class Witness(Table, tablename="ledger_witness"):
    """An independent party (a university, a newspaper, another bureau) registered by an admin,
    whose cosignatures of tree heads the platform accepts and publishes."""

    id: Serial
    name = Varchar(length=100)
    #: First 16 hex digits of SHA-256 of the raw Ed25519 public key, as for the ledger's keys.
    key_id = Varchar(length=16, unique=True)
    #: base64 of the raw 32-byte Ed25519 public key.
    public_key = Varchar(length=44)
    registered_at = Timestamptz()
    registered_by = Varchar(length=150)


class Cosignature(Table, tablename="ledger_cosignature"):
    """A witness's signed statement that the tree of ``tree_size`` with ``root_hash`` extends
    every head it saw before (``matching/cosign.py``); one per witness and size."""

    id: Serial
    witness = ForeignKey(Witness, on_delete=OnDelete.restrict, index=True)
    tree_size = BigInt(index=True)
    root_hash = Varchar(length=64)
    #: The witness's Unix time, exactly as signed.
    cosigned_time = BigInt()
    #: base64 Ed25519 signature over the canonical statement.
    signature = Text()
    received_at = Timestamptz()
