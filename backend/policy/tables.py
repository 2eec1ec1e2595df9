"""Policy parameters: numbers set by policy, kept as data with effective dates and regions."""

from piccolo.columns import JSON, Date, Text, Timestamptz, Varchar
from piccolo.table import Table


class PolicyParameter(Table, tablename="policy_parameter"):
    #: A stable key, e.g. ``review_cycle_months.half_yearly`` or ``k_anonymity``.
    name = Varchar(length=80, index=True)
    #: Null: the whole platform. Otherwise the region (and everything under it) it applies to.
    region_code = Varchar(length=12, null=True, default=None, index=True)
    value = JSON()
    effective_from = Date()
    note = Text(default="")
    created_at = Timestamptz()
