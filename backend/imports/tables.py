"""A record of each bulk import: who, when, what kind of file, and the counts. Nothing from the
file itself (not even its name, which staff often make a household's name) is kept."""

from piccolo.columns import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User


class ImportBatch(Table, tablename="case_import_batch"):
    id: Serial
    #: Random reference shown to staff and returned by the API.
    public_id = Varchar(length=24, unique=True)
    imported_by = ForeignKey(User, on_delete=OnDelete.restrict, index=True)
    imported_at = Timestamptz()
    file_kind = Varchar(length=8)  # xlsx / csv
    row_count = Integer(default=0)
    created_count = Integer(default=0)
    existing_count = Integer(default=0)
    error_count = Integer(default=0)
    grants_added = Integer(default=0)
    duration_ms = Integer(default=0)
