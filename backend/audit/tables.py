"""The audit log of every access to personal data: append-only.

The table refuses UPDATE and DELETE at the database level (trigger installed by its migration),
so not even a bug or an admin with SQL through the app can rewrite it.
"""

from piccolo.columns import ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.cases.tables import Case


class AuditEntry(Table, tablename="audit_entry"):
    id: Serial
    at = Timestamptz(index=True)
    user = ForeignKey(User, on_delete=OnDelete.restrict, index=True)
    #: What was done, e.g. ``case.view``, ``case.search``, ``case.create``, ``referral.view``.
    action = Varchar(length=40, index=True)
    case = ForeignKey(Case, on_delete=OnDelete.restrict, null=True, default=None, index=True)
    #: Non-personal context: which fields, how many results; never a value.
    detail = Text(default="")
    ip = Varchar(length=45, default="")
