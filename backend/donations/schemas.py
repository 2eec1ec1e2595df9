"""Donation schemas: what donors and charities send, and what anyone may read back.

A donation's public face carries public ids, amounts, the charity, the need's title and the
donor's chosen display name; never a payment id, an e-mail or anything about the household.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from backend.donations.tables import (
    DEFAULT_DONOR_NAME,
    DONOR_NAME_MAX,
    DonationChannel,
    DonationStatus,
)

#: ¥1,000,000.00: far above any single donation for one need, well inside an INTEGER.
MAX_DONATION_FEN = 100_000_000

#: Six digits in a row (spaces, dashes and dots ignored) look like part of a phone or ID
#: number; a display name never needs them.
_DIGIT_RUN = re.compile(r"\d{6,}")
_ID_NUMBER = re.compile(r"\d{17}[\dX]", re.IGNORECASE)


def clean_donor_name(value: str | None) -> str:
    """The public display name: trimmed, 爱心人士 when blank, refused when it carries a phone
    or ID number (it is published in the ledger, which can never be edited)."""
    name = unicodedata.normalize("NFKC", value or "").strip()
    if not name:
        return DEFAULT_DONOR_NAME
    if len(name) > DONOR_NAME_MAX:
        raise PydanticCustomError("donor_name_too_long", f"显示名称最多{DONOR_NAME_MAX}个字")
    squeezed = re.sub(r"[\s\-.()（）+]", "", name)
    if _DIGIT_RUN.search(squeezed) or _ID_NUMBER.search(squeezed):
        raise PydanticCustomError(
            "donor_name_personal", "显示名称不能包含电话号码、身份证号等个人信息"
        )
    return name


#: A donor's display name as both donation schemas take it (cleaned before the length check).
DonorName = Annotated[str, BeforeValidator(clean_donor_name), Field(max_length=DONOR_NAME_MAX)]


class DonationCreate(BaseModel):
    """An online donation: a PaymentIntent is created for it (Idempotency-Key header)."""

    need_id: str = Field(title="需求编号", min_length=8, max_length=24)
    organisation_id: str = Field(title="受赠慈善组织", min_length=8, max_length=24)
    amount_fen: int = Field(strict=True, title="捐赠金额（分）", ge=100, le=MAX_DONATION_FEN)
    donor_name: DonorName = Field(default=DEFAULT_DONOR_NAME, title="显示名称")


class OfflineDonationCreate(BaseModel):
    """A bank transfer the charity received and records (unique per bank reference)."""

    need_id: str = Field(title="需求编号", min_length=8, max_length=24)
    organisation_id: str = Field(title="受赠慈善组织", min_length=8, max_length=24)
    amount_fen: int = Field(strict=True, title="捐赠金额（分）", ge=1, le=MAX_DONATION_FEN)
    donor_name: DonorName = Field(default=DEFAULT_DONOR_NAME, title="显示名称")
    bank_reference: str = Field(
        title="银行流水号", min_length=4, max_length=60, pattern=r"^[A-Za-z0-9\-_/]+$"
    )
    received_on: date = Field(title="到账日期")

    @field_validator("bank_reference", mode="before")
    @classmethod
    def _reference(cls, value: str) -> str:
        return unicodedata.normalize("NFKC", str(value)).strip().upper()

    @field_validator("received_on")
    @classmethod
    def _not_future(cls, value: date) -> date:
        if value > date.today():
            raise PydanticCustomError("received_on_future", "到账日期不能晚于今天")
        return value


class DonationRead(BaseModel):
    """A donation as anyone holding its (unguessable) id may read it."""

    id: str
    status: DonationStatus
    status_label: str
    channel: DonationChannel
    channel_label: str
    amount_fen: int
    currency: str
    refunded_fen: int
    credited_fen: int
    general_funds_fen: int
    donor_name: str
    need_id: str
    need_title: str
    organisation_id: str
    organisation_name: str
    pledge_id: str | None
    ledger_entry_id: str | None
    created_at: datetime
    succeeded_at: datetime | None
    received_on: date | None
    receipt_url: str | None


class PaymentStart(BaseModel):
    """What Stripe.js needs to show the Payment Element for a pending donation."""

    donation: DonationRead
    payment_intent_client_secret: str
    publishable_key: str
    return_url: str


class CharityOption(BaseModel):
    """A qualified charity fundraising for a need through its open money pledge."""

    id: str
    name: str
    fundraising_certificate: str
    #: What its pledges on the need still lack from donations, in fen.
    lacking_fen: int
