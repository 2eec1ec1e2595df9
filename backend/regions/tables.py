"""The administrative-division tree, keyed by the 12-digit statistical division code."""

from piccolo.columns import SmallInt, Varchar
from piccolo.table import Table


class Region(Table, tablename="region"):
    #: 国家统计局 统计用区划代码, 12 digits, zero-padded below the region's own level.
    code = Varchar(length=12, primary_key=True)
    name = Varchar(length=100)
    #: 1 province 省, 2 city 市, 3 district 区县, 4 street 街道/乡镇, 5 community 社区/村.
    level = SmallInt()
    parent_code = Varchar(length=12, null=True, index=True)
