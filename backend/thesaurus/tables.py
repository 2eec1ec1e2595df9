"""Admins' changes to the search thesaurus: entries added and relations removed.

The built-in thesaurus is data in the code (``matching/thesaurus.txt``); these rows are what
admins change on top of it, merged by ``matching.thesaurus.build`` (removals win). Rows are
added and deleted, never edited: deleting one undoes it.
"""

from piccolo.columns import JSON, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class ThesaurusEdit(Table, tablename="thesaurus_edit"):
    id: Serial
    #: ``add`` an entry, or ``remove`` relations (built-in or added).
    action = Varchar(length=8)
    #: For an addition: ``synonym``, ``narrower`` or ``related`` (``matching.thesaurus``);
    #: empty for a removal.
    relation = Varchar(length=12, default="")
    #: The searched word of a one-way entry, or the word whose relations a removal takes out;
    #: empty for synonym and related groups.
    head = Varchar(length=20, default="")
    #: The entry's words, or the words a removal parts from ``head`` (none: all of them), as a
    #: JSON list, folded to Simplified and lower case.
    terms = JSON()
    note = Text(default="")
    created_at = Timestamptz()
    #: The admin who made the change. Not a foreign key, as in policy parameters: the record
    #: must neither block deleting an account nor vanish with it.
    created_by = Integer(null=True, default=None)
