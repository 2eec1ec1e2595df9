"""In-app notifications (站内消息) and the hourly digest of newly published needs.

A notification goes to one user or to one organisation (its members share that inbox, and
one member reading it marks it read for all). Its text is built from public fields only
(the need's public projection), never from a case.

Publication does not notify at once: each matching organisation gets a ``DigestEntry`` for
the need, and ``send_digests`` turns an organisation's pending entries into one
notification at most once an hour, which ``OrganisationDigest.last_sent_at`` records.
"""

from enum import StrEnum

from piccolo.columns import ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.needs.tables import Need
from backend.organisations.tables import Organisation


class NotificationKind(StrEnum):
    need_digest = "need_digest"  # 新发布需求摘要


NOTIFICATION_KIND_LABELS = {NotificationKind.need_digest: "新需求推荐"}


class Notification(Table, tablename="notification"):
    id: Serial
    #: Random, unguessable: the id in URLs and the API.
    public_id = Varchar(length=24, unique=True)
    #: Exactly one of the two is set: a person's own message, or an organisation's.
    user = ForeignKey(User, on_delete=OnDelete.cascade, null=True, default=None, index=True)
    organisation = ForeignKey(
        Organisation, on_delete=OnDelete.cascade, null=True, default=None, index=True
    )
    kind = Varchar(length=30, choices=NotificationKind)
    #: Public text only: built from need public projections, never from a case.
    title = Varchar(length=200)
    body = Text()
    #: A path inside the platform, e.g. "/needs/…".
    link = Varchar(length=300, default="")
    created_at = Timestamptz(index=True)
    read_at = Timestamptz(null=True, default=None)
    #: When the e-mail copy went out (None: not sent, or no SMTP / address configured).
    emailed_at = Timestamptz(null=True, default=None)


class OrganisationDigest(Table, tablename="organisation_digest"):
    """Per organisation: where its digest e-mails go and when its last digest went out."""

    id: Serial

    organisation = ForeignKey(Organisation, on_delete=OnDelete.cascade, unique=True)
    #: The organisation's digest address, set by a member; empty: in-app only.
    email = Varchar(length=254, default="")
    #: Only ever moved forward by the conditional UPDATE in ``service.send_digests``: that
    #: is what keeps two concurrent runs from sending two digests within the hour.
    last_sent_at = Timestamptz(null=True, default=None)


class DigestEntry(Table, tablename="digest_entry"):
    """A published need waiting for (or already in) an organisation's digest."""

    id: Serial

    #: "<organisation id>:<need id>": unique, so a repeated job adds the need once.
    key = Varchar(length=40, unique=True)
    organisation = ForeignKey(Organisation, on_delete=OnDelete.cascade, index=True)
    need = ForeignKey(Need, on_delete=OnDelete.cascade, index=True)
    added_at = Timestamptz()
    #: The digest that carried it; None while pending.
    notification = ForeignKey(
        Notification, on_delete=OnDelete.set_null, null=True, default=None, index=True
    )
