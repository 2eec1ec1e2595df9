"""CSV and .xlsx downloads of a report: same rows, Chinese headers, exact yuan, no household."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped,unused-ignore]

from backend.accounts.tables import Role
from tests.factories import api_token, make_user, web_login
from tests.integration.reports import dataset
from tests.integration.reports.dataset import BINHAI, HANGZHOUDAO, NAMES, TANGGU, YEAR

pytestmark = pytest.mark.usefixtures("database")

HEADER = [
    "年份",
    "地区代码",
    "地区",
    "月份",
    "转介救助对象（户）",
    "发布需求（个）",
    "足额认捐需求（个）",
    "发布至足额认捐天数中位数",
    "完成需求（个）",
    "发布至完成天数中位数",
    "认捐净额（元）",
    "认捐净额（分）",
    "认捐服务时长（小时）",
    "拨付金额（元）",
    "拨付金额（分）",
]


async def _reviewer_session(client: httpx.AsyncClient) -> None:
    reviewer = await make_user(Role.reviewer, region_code=BINHAI)
    await web_login(client, reviewer.username)


async def test_csv_has_bom_chinese_headers_and_exact_amounts(client: httpx.AsyncClient) -> None:
    await dataset.build(client)
    await _reviewer_session(client)
    response = await client.get("/reports/export.csv", params={"region": BINHAI, "year": YEAR})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert f'filename="aidbridge-report-{BINHAI}-{YEAR}.csv"' in disposition
    assert response.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == HEADER
    rows = {(r[1], r[3]): dict(zip(HEADER, r, strict=True)) for r in table[1:]}
    # 15 streets and the district, each 12 months and the year
    assert len(table) - 1 == 16 * 13
    march = rows[(TANGGU, f"{YEAR}-03")]
    assert march["地区"] == "塘沽街道" and march["年份"] == str(YEAR)
    assert march["转介救助对象（户）"] == "2" and march["发布需求（个）"] == "2"
    assert march["发布至足额认捐天数中位数"] == "7.0" and march["发布至完成天数中位数"] == "28.0"
    assert march["认捐净额（元）"] == "200.00" and march["认捐净额（分）"] == "20000"
    april = rows[(TANGGU, f"{YEAR}-04")]
    assert april["认捐净额（元）"] == "-50.00" and april["认捐净额（分）"] == "-5000"
    assert april["发布至足额认捐天数中位数"] == ""  # nothing fully pledged in April
    year = rows[(TANGGU, "全年")]
    assert year["转介救助对象（户）"] == "2" and year["发布至完成天数中位数"] == "33.5"
    assert year["认捐净额（元）"] == "270.00" and year["拨付金额（元）"] == "70.00"
    assert rows[(HANGZHOUDAO, "全年")]["认捐服务时长（小时）"] == "6"
    total = rows[(BINHAI, "全年")]
    assert total["地区"] == "滨海新区合计" and total["转介救助对象（户）"] == "3"
    assert total["拨付金额（分）"] == "7000"


async def test_xlsx_has_the_same_rows_with_typed_cells(client: httpx.AsyncClient) -> None:
    await dataset.build(client)
    await _reviewer_session(client)
    response = await client.get("/reports/export.xlsx", params={"year": YEAR})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == f"{YEAR}年统计"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADER
    rows = {(r[1], r[3]): r for r in values[1:]}
    assert len(rows) == 16 * 13
    march = rows[(TANGGU, f"{YEAR}-03")]
    # numbers, not text: 7.0 days and ¥200.00 come back as the numbers 7 and 200
    assert march[4:10] == [2, 2, 2, 7, 1, 28]
    assert march[10] == 200 and march[11] == 20_000
    assert rows[(TANGGU, "全年")][9] == 33.5
    assert rows[(TANGGU, f"{YEAR}-04")][10] == -50 and rows[(TANGGU, f"{YEAR}-04")][7] is None
    total = rows[(BINHAI, "全年")]
    assert total[10] == pytest.approx(270.0) and total[11] == 27_000
    assert total[13] == pytest.approx(70.0) and total[14] == 7_000
    # region codes stay text, amounts show two decimals
    cells = {c.value: c for c in sheet["B"][1:]}
    assert cells[TANGGU].data_type == "s"
    first = sheet.cell(row=2, column=11)
    assert first.number_format == "#,##0.00"


async def test_reports_hold_no_household_data(client: httpx.AsyncClient) -> None:
    data = await dataset.build(client)
    auditor = await make_user(Role.auditor)
    headers = await api_token(client, auditor.username)
    api = (await client.get("/api/v1/reports", params={"year": YEAR}, headers=headers)).text
    await web_login(client, auditor.username)
    texts = [api]
    for region in ("", BINHAI, TANGGU):
        params: dict[str, str | int] = {"region": region, "year": YEAR}
        texts.append((await client.get("/reports", params=params)).text)
        texts.append((await client.get("/reports/export.csv", params=params)).text)
        xlsx = (await client.get("/reports/export.xlsx", params=params)).content
        book = load_workbook(io.BytesIO(xlsx))
        texts.append(
            "\n".join(str(v) for row in book.active.iter_rows(values_only=True) for v in row if v)
        )
    for text in texts:
        for secret in (*NAMES, *data.case_refs, *data.need_ids):
            assert secret not in text
