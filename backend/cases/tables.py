"""Cases: households known to civil affairs. The only tables holding personal data.

Every personal field is sealed (``*_sealed`` columns, AES-GCM, see backend/crypto.py); the ID
number also gets a blind index so duplicates are found without decrypting. What stays in clear
is what rules compute on and what identifies nobody alone: region, programme, income in fen,
birth year, sex, disability grade.
"""

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from matching.vocabulary import GrantKind, Programme, ReviewCycle, Sex


class Case(Table, tablename="assistance_case"):
    id: Serial
    #: Random reference used in staff URLs, so case numbers cannot be enumerated.
    ref_code = Varchar(length=24, unique=True)
    #: The community (社区/村, level 5) the household belongs to.
    region_code = Varchar(length=12, index=True)
    programme = Varchar(length=20, choices=Programme)
    #: Household monthly income, in fen (分).
    monthly_income_fen = Integer(default=0)
    income_stable = Boolean(default=False)
    review_cycle = Varchar(length=12, choices=ReviewCycle)
    #: Last re-verification of the household's facts (复核); published needs lapse after the
    #: cycle runs out from here.
    verified_on = Date()
    created_by = ForeignKey(User, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class HouseholdMember(Table, tablename="household_member"):
    id: Serial
    case = ForeignKey(Case, on_delete=OnDelete.cascade, index=True)
    is_head = Boolean(default=False)
    relation = Varchar(length=20)  # 户主 / 配偶 / 子女 / 父母 / 其他
    name_sealed = Text()
    id_number_sealed = Text()
    #: HMAC of the normalised ID number: one person is in one case, anywhere on the platform.
    id_number_index = Varchar(length=64, unique=True)
    #: The blind-index key id that computed ``id_number_index``; null: before key ids existed
    #: (``aidbridge rotate-blind-index`` recomputes every row not under the current key).
    id_number_index_key = Varchar(length=16, null=True, default=None)
    phone_sealed = Text(null=True, default=None)
    address_sealed = Text(null=True, default=None)
    birth_date_sealed = Text()
    birth_year = SmallInt()
    sex = Varchar(length=6, choices=Sex)
    #: 残疾等级 1-4, or null.
    disability_grade = SmallInt(null=True, default=None)
    illness_sealed = Text(null=True, default=None)
    school_sealed = Text(null=True, default=None)  # school and grade/class
    employment_sealed = Text(null=True, default=None)
    monthly_income_fen = Integer(default=0)


class AssistanceGrant(Table, tablename="assistance_grant"):
    """Government assistance already granted to a case (救助记录)."""

    id: Serial
    case = ForeignKey(Case, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=24, choices=GrantKind)
    #: Approved amount in fen; with stages, the stages add up to it.
    amount_fen = Integer()
    granted_on = Date()
    office = Varchar(length=200)
    recorded_by = ForeignKey(User, on_delete=OnDelete.restrict)
    recorded_at = Timestamptz()


class GrantStage(Table, tablename="assistance_grant_stage"):
    """One payment of a staged grant (一次审批、分阶段救助)."""

    id: Serial
    grant = ForeignKey(AssistanceGrant, on_delete=OnDelete.cascade, index=True)
    seq = SmallInt()
    amount_fen = Integer()
    due_on = Date()
    paid_on = Date(null=True, default=None)
