"""Public donations (社会捐赠) to a qualified charity's fundraising for a need, and the raw
Stripe events that report on the online ones.

A donation is made through a charity holding a public-fundraising qualification (公开募捐资格)
and is credited, once it has succeeded, to that charity's open money pledge on the need, up to
what the pledge still lacks; anything beyond goes to the charity's general funds. Both parts
are kept here (``credited_fen``, ``general_funds_fen``) so that the pledge's credited total is a
sum over this table, and both are disclosed in the ledger entry.
"""

from enum import StrEnum

from piccolo.columns import Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.needs.tables import Need
from backend.organisations.tables import Organisation
from backend.pledges.tables import Pledge

DEFAULT_DONOR_NAME = "爱心人士"
#: Longest public display name of a donor (the column's length; the schemas enforce it).
DONOR_NAME_MAX = 20


class DonationChannel(StrEnum):
    stripe = "stripe"  # online, through a Stripe PaymentIntent
    offline = "offline"  # bank transfer recorded by the charity


DONATION_CHANNEL_LABELS = {
    DonationChannel.stripe: "在线支付",
    DonationChannel.offline: "银行转账",
}


class DonationStatus(StrEnum):
    pending = "pending"  # PaymentIntent created, waiting for the verified webhook
    succeeded = "succeeded"
    failed = "failed"
    refunded = "refunded"  # refunded in full (a partial refund keeps ``succeeded``)


DONATION_STATUS_LABELS = {
    DonationStatus.pending: "支付处理中",
    DonationStatus.succeeded: "捐赠成功",
    DonationStatus.failed: "支付未成功",
    DonationStatus.refunded: "已全额退款",
}

#: Statuses whose credited part counts against the pledge.
CREDITED_STATUSES = (DonationStatus.succeeded, DonationStatus.refunded)


class Donation(Table, tablename="donation"):
    id: Serial
    #: Random and unguessable: the receipt link is public.
    public_id = Varchar(length=24, unique=True)
    need = ForeignKey(Need, on_delete=OnDelete.restrict, index=True)
    #: The qualified charity that receives the money.
    organisation = ForeignKey(Organisation, on_delete=OnDelete.restrict, index=True)
    #: The charity's pledge the donation was credited to (set when it succeeds), if any.
    pledge = ForeignKey(Pledge, on_delete=OnDelete.restrict, null=True, default=None, index=True)
    channel = Varchar(length=10, choices=DonationChannel)
    status = Varchar(length=12, choices=DonationStatus, default=DonationStatus.pending, index=True)
    #: What the donor gave, in fen (CNY).
    amount_fen = Integer()
    currency = Varchar(length=3, default="CNY")
    #: Public display name chosen by the donor (never a phone or ID number).
    donor_name = Varchar(length=DONOR_NAME_MAX, default=DEFAULT_DONOR_NAME)
    #: Of the amount still held, fen counted against the pledge, and fen to the charity's
    #: general funds; refunds lower them (general funds first).
    credited_fen = Integer(default=0)
    general_funds_fen = Integer(default=0)
    #: Fen refunded to the donor so far (Stripe's cumulative ``amount_refunded``).
    refunded_fen = Integer(default=0)
    #: Online: ``donation:<client key>``, so a double click makes one donation.
    idempotency_key = Varchar(length=80, null=True, default=None, unique=True)
    stripe_payment_intent = Varchar(length=80, null=True, default=None, unique=True)
    #: Offline: ``<organisation id>:<bank reference>``, so a reference is recorded once.
    offline_key = Varchar(length=100, null=True, default=None, unique=True)
    bank_reference = Varchar(length=60, default="")
    received_on = Date(null=True, default=None)
    recorded_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    #: Public id of the ``donation`` ledger entry, once succeeded.
    ledger_entry_id = Varchar(length=24, default="")
    created_at = Timestamptz()
    succeeded_at = Timestamptz(null=True, default=None)
    failed_at = Timestamptz(null=True, default=None)


class StripeEvent(Table, tablename="stripe_event"):
    """A verified Stripe event, stored raw under its unique id before it is processed.

    Inserted with ON CONFLICT DO NOTHING, so a redelivered event is stored once; the job that
    processes it sets ``processed_at`` in the same transaction as its effects.
    """

    id: Serial
    event_id = Varchar(length=255, unique=True)
    type = Varchar(length=100, index=True)
    #: The request body exactly as Stripe signed it.
    payload = Text()
    received_at = Timestamptz()
    processed_at = Timestamptz(null=True, default=None)
    #: What processing did: recorded, duplicate, ignored, unknown_donation, mismatch.
    outcome = Varchar(length=40, default="")
