"""Policy parameters: numbers set by policy, kept as data with effective dates and regions.

Rows are never edited in place: a change is a new row with a later ``effective_from``, so any
past computation can be re-derived with the value it used. Only a row not yet in force may be
withdrawn (deleted), since nothing can have used it. What each name means, its unit and bounds
are in ``matching.policy_rules.CATALOGUE``.
"""

from piccolo.columns import JSON, Date, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class PolicyParameter(Table, tablename="policy_parameter"):
    id: Serial

    #: A stable key, e.g. ``review_cycle_months.half_yearly`` or ``k_anonymity``.
    name = Varchar(length=80, index=True)
    #: Null: the whole platform. Otherwise the region (and everything under it) it applies to.
    region_code = Varchar(length=12, null=True, default=None, index=True)
    #: An integer in the parameter's unit (fen, per-mille, months, days …), as JSON.
    value = JSON()
    effective_from = Date()
    note = Text(default="")
    created_at = Timestamptz()
    #: The id of the admin who added the value; null for the defaults written by migrations.
    #: Not a foreign key on purpose: policy history must neither block deleting an account
    #: (restrict) nor vanish with it (cascade).
    created_by = Integer(null=True, default=None)
