"""Headline figures of the home page, refreshed by a job rather than counted per page view."""

from piccolo.columns import JSON, Timestamptz, Varchar
from piccolo.table import Table


class HeadlineFigures(Table, tablename="headline_figures"):
    #: One row per scope; "platform" for the whole platform.
    scope = Varchar(length=20, unique=True)
    figures = JSON(default="{}")
    computed_at = Timestamptz()
