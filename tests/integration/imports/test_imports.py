"""Bulk import of cases and grants through the API: written and sealed like the case form,
errors reported per row and column in Chinese, re-imports harmless, bad files refused whole."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import structlog
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]

from backend.accounts.tables import Role
from backend.audit.tables import AuditEntry
from backend.cases.tables import AssistanceGrant, Case, HouseholdMember
from backend.crypto import blind_index
from backend.db import get_engine
from backend.imports.columns import HEADERS
from backend.imports.tables import ImportBatch
from tests.factories import JIANGBEI, api_token, make_user
from tests.integration.imports.sheets import (
    ZIYUN,
    csv_bytes,
    household,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.usefixtures("database")

URL = "/api/v1/cases/imports"
JIANGBEI_COMMUNITY = "500105001001"


async def _staff(client: httpx.AsyncClient, **kw: Any) -> dict[str, str]:
    user = await make_user(Role.staff, **kw)
    return await api_token(client, user.username)


async def _import(
    client: httpx.AsyncClient, headers: dict[str, str], name: str, content: bytes
) -> httpx.Response:
    return await client.post(URL, files=upload(name, content), headers=headers)


async def _counts() -> tuple[int, int, int]:
    return (
        await Case.count(),
        await HouseholdMember.count(),
        await AssistanceGrant.count(),
    )


async def test_valid_rows_are_written_sealed_and_audited(client: httpx.AsyncClient) -> None:
    headers = await _staff(client)
    rows = [household(1), household(2, 残疾等级="二级", 收入稳定="是")]
    response = await _import(client, headers, "导入.xlsx", xlsx_bytes(rows))
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["created"], report["existing"], report["failed"]) == (2, 0, 0)
    assert report["summary"].startswith("新增 2，已存在跳过 0，有错误 0")
    assert report["grants_added"] == 2
    assert await _counts() == (2, 2, 2)

    # Sealed like the case form: the raw columns hold no plaintext, the blind index matches.
    raw = await get_engine().run_ddl("SELECT * FROM household_member")
    dumped = repr(raw)
    for row in rows:
        assert row["户主姓名"] not in dumped
        assert row["户主身份证号"] not in dumped
        assert row["联系电话"] not in dumped
    indexes = {r["id_number_index"] for r in raw}
    assert indexes == {blind_index().id_number(r["户主身份证号"]) for r in rows}

    # Read back through the case API: the values are what the file said.
    ref = report["results"][1]["case_ref"]
    case = (await client.get(f"/api/v1/cases/{ref}", headers=headers)).json()
    head = case["members"][0]
    assert head["name"] == rows[1]["户主姓名"] and head["id_number"] == rows[1]["户主身份证号"]
    assert head["disability_grade"] == 2 and head["monthly_income_fen"] == 86050
    assert case["review_cycle"] == "yearly" and case["income_stable"] is True
    assert case["grants"][0]["amount_fen"] == 300_000
    assert case["grants"][0]["kind"] == "temporary_emergency"

    actions = await AuditEntry.select(AuditEntry.action, AuditEntry.detail).where(
        AuditEntry.action.is_in(["case.create", "case.grant"])
    )
    assert sorted(a["action"] for a in actions) == ["case.create"] * 2 + ["case.grant"] * 2
    assert all(report["id"] in a["detail"] for a in actions if a["action"] == "case.create")
    batch = await ImportBatch.select().first()
    assert batch is not None and (batch["created_count"], batch["row_count"]) == (2, 2)


async def test_error_rows_are_reported_by_column_and_not_written(
    client: httpx.AsyncClient,
) -> None:
    headers = await _staff(client)
    bad_check = household(3)["户主身份证号"]
    bad_check = bad_check[:17] + ("0" if bad_check[17] != "0" else "1")
    rows = [
        household(1),
        household(2, 户主身份证号=bad_check),
        household(3, 救助类别="五保"),
        household(4, 户主姓名=""),
        household(5, **{"救助记录1金额（元）": "12.345"}),
        household(6, **{"救助记录1审批单位": ""}),
        household(7, 核实日期="2025-13-45"),
        household(8, 联系电话="12345"),
    ]
    response = await _import(client, headers, "导入.xlsx", xlsx_bytes(rows))
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["created"], report["failed"]) == (1, 7)
    found = {(i["row"], i["column"], i["code"]): i["message"] for i in report["issues"]}
    assert found[(3, "户主身份证号", "id_number_checksum")] == "身份证号校验位错误"
    assert "救助类别须为" in found[(4, "救助类别", "programme_unknown")]
    assert found[(5, "户主姓名", "required")] == "请填写姓名"
    assert "两位小数" in found[(6, "救助记录1金额（元）", "money_format")]
    assert found[(7, "救助记录1审批单位", "required")] == "请填写审批单位"
    assert "日期格式不正确" in found[(8, "核实日期", "date_format")]
    assert "电话号码格式不正确" in found[(9, "联系电话", "phone_format")]
    assert [r["outcome"] for r in report["results"]] == ["created"] + ["error"] * 7
    assert await _counts() == (1, 1, 1)
    # The report repeats nothing personal from the file.
    for row in rows:
        for header in ("户主姓名", "户主身份证号", "联系电话", "住址"):
            if row[header]:
                assert row[header] not in response.text


async def test_reimporting_the_same_file_changes_nothing(client: httpx.AsyncClient) -> None:
    headers = await _staff(client)
    rows = [household(n) for n in range(1, 4)]
    first = await _import(client, headers, "导入.csv", csv_bytes(rows))
    assert first.json()["created"] == 3
    before = await _counts()
    again = await _import(client, headers, "导入.csv", csv_bytes(rows))
    assert again.status_code == 201
    report = again.json()
    assert (report["created"], report["existing"], report["grants_added"]) == (0, 3, 0)
    assert report["summary"] == "新增 0，已存在跳过 3，有错误 0"
    assert [r["case_ref"] for r in report["results"]] == [
        r["case_ref"] for r in first.json()["results"]
    ]
    assert await _counts() == before

    # A new grant for a known household is added once, the known one not again (the office
    # spelt differently is still the same grant).
    rows[0] = {
        **rows[0],
        "救助记录1审批单位": "塘沽街道",
        "救助记录2类型": "医疗救助",
        "救助记录2金额（元）": "1200",
        "救助记录2审批日期": (date.today() - timedelta(days=2)).isoformat(),
        "救助记录2审批单位": "滨海新区医疗保障局",
    }
    for _ in range(2):
        report = (await _import(client, headers, "导入.csv", csv_bytes(rows))).json()
    assert report["grants_added"] == 0
    assert await _counts() == (before[0], before[1], before[2] + 1)


async def test_duplicate_id_numbers_in_one_file(client: httpx.AsyncClient) -> None:
    headers = await _staff(client)
    row = household(1)
    report = (await _import(client, headers, "a.csv", csv_bytes([row, dict(row)]))).json()
    assert (report["created"], report["failed"]) == (1, 1)
    assert report["issues"][0] | {"message": ""} == {
        "row": 3,
        "column": "户主身份证号",
        "code": "duplicate_in_file",
        "message": "",
    }
    assert "第2行" in report["issues"][0]["message"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
async def test_csv_encodings(client: httpx.AsyncClient, encoding: str) -> None:
    headers = await _staff(client)
    rows = [household(1, 住址="塘沽街道海洋小区3号楼"), household(2)]
    response = await _import(client, headers, "导入.csv", csv_bytes(rows, encoding))
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 2
    ref = response.json()["results"][0]["case_ref"]
    case = (await client.get(f"/api/v1/cases/{ref}", headers=headers)).json()
    assert case["members"][0]["address"] == "塘沽街道海洋小区3号楼"
    assert case["members"][0]["name"] == rows[0]["户主姓名"]


async def test_undecodable_csv_is_refused(client: httpx.AsyncClient) -> None:
    headers = await _staff(client)
    content = csv_bytes([household(1)], "utf-8") + b"\xff\xfe\x80\xff"
    response = await _import(client, headers, "导入.csv", content)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_encoding"
    assert "UTF-8" in response.json()["message"]
    assert await _counts() == (0, 0, 0)


async def test_merged_cells_and_formulas_are_reported_never_evaluated(
    client: httpx.AsyncClient,
) -> None:
    headers = await _staff(client)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "救助对象"
    sheet.append(list(HEADERS))
    for n in range(1, 5):
        sheet.append([household(n).get(h, "") for h in HEADERS])
    address = HEADERS.index("住址") + 1
    income = HEADERS.index("月收入（元）") + 1
    sheet.merge_cells(start_row=2, start_column=address, end_row=3, end_column=address)
    sheet.cell(row=4, column=income).value = "=100*9"
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = await _import(client, headers, "导入.xlsx", buffer.getvalue())
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["created"], report["failed"]) == (1, 3)
    issues = {(i["row"], i["code"]): i for i in report["issues"]}
    assert issues[(2, "merged_cell")]["column"] == "住址"
    assert "H2:H3" in issues[(2, "merged_cell")]["message"]
    assert "H2:H3" in issues[(3, "merged_cell")]["message"]
    assert issues[(4, "formula")]["column"] == "月收入（元）"
    assert "M4" in issues[(4, "formula")]["message"]
    assert [r["row"] for r in report["results"] if r["outcome"] == "created"] == [5]
    assert await _counts() == (1, 1, 1)


async def test_wrong_template_is_refused_naming_the_columns(client: httpx.AsyncClient) -> None:
    headers = await _staff(client)
    columns = [h for h in HEADERS if h != "救助类别"] + ["备注"]
    response = await _import(
        client, headers, "导入.xlsx", xlsx_bytes([household(1, 备注="x")], columns)
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "wrong_template" and body["field"] == "file"
    assert "缺少列：救助类别" in body["message"]
    assert f"无法识别的列：第{len(columns)}列" in body["message"]
    assert await _counts() == (0, 0, 0)
    assert await ImportBatch.count() == 0


async def test_a_file_without_its_header_row_never_echoes_a_household(
    client: httpx.AsyncClient,
) -> None:
    headers = await _staff(client)
    first = household(1)
    as_header = [str(first.get(h, "")) for h in HEADERS]
    response = await _import(client, headers, "导入.xlsx", xlsx_bytes([household(2)], as_header))
    assert response.status_code == 400
    assert response.json()["code"] == "wrong_template"
    for personal in (first["户主姓名"], first["户主身份证号"], first["联系电话"], first["住址"]):
        assert personal not in response.text
    assert await _counts() == (0, 0, 0)


async def test_headers_tolerate_half_width_brackets_and_order(client: httpx.AsyncClient) -> None:
    headers = await _staff(client)
    renamed = [h.replace("（", "(").replace("）", ")") for h in reversed(HEADERS)]
    values = household(1)
    row = {r: values.get(h, "") for r, h in zip(renamed, reversed(HEADERS), strict=True)}
    response = await _import(client, headers, "导入.csv", csv_bytes([row], headers=renamed))
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 1


async def test_row_limit(client: httpx.AsyncClient) -> None:
    headers = await _staff(client)
    rows = [household(n, 户主姓名="") for n in range(10_001)]  # invalid rows: cheap to check
    response = await _import(client, headers, "导入.csv", csv_bytes(rows))
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "too_many_rows" and "10000" in body["message"]
    assert "10001" in body["message"]
    assert await ImportBatch.count() == 0

    xlsx = await _import(client, headers, "导入.xlsx", xlsx_bytes(rows))
    assert xlsx.status_code == 413 and xlsx.json()["code"] == "too_many_rows"


async def test_exactly_ten_thousand_rows_are_imported(client: httpx.AsyncClient) -> None:
    headers = await _staff(client)
    rows = [household(n) for n in range(10_000)]
    response = await _import(client, headers, "导入.xlsx", xlsx_bytes(rows))
    assert response.status_code == 201, response.text[:500]
    assert response.json()["created"] == 10_000
    assert await _counts() == (10_000, 10_000, 10_000)


async def test_regions_outside_scope_are_row_errors(client: httpx.AsyncClient) -> None:
    headers = await _staff(client)
    rows = [
        household(1),
        household(2, 所属社区代码=JIANGBEI_COMMUNITY),
        household(3, 所属社区代码="120116001999"),
        household(4, 所属社区代码="120116001"),
    ]
    report = (await _import(client, headers, "导入.csv", csv_bytes(rows))).json()
    codes = {(i["row"], i["column"]): i["code"] for i in report["issues"]}
    assert codes == {
        (3, "所属社区代码"): "region_out_of_scope",
        (4, "所属社区代码"): "not_a_community",
        (5, "所属社区代码"): "invalid_string_pattern_mismatch",
    }
    assert report["created"] == 1 and await Case.count() == 1


async def test_person_registered_in_another_region_is_an_error(
    client: httpx.AsyncClient,
) -> None:
    elsewhere = await _staff(client, region_code=JIANGBEI)
    row = household(1, 所属社区代码=JIANGBEI_COMMUNITY)
    assert (await _import(client, elsewhere, "a.csv", csv_bytes([row]))).json()["created"] == 1
    headers = await _staff(client)
    report = await _import(client, headers, "a.csv", csv_bytes([{**row, "所属社区代码": ZIYUN}]))
    issue = report.json()["issues"][0]
    assert issue["code"] == "person_registered_elsewhere" and "江北区" in issue["message"]
    assert report.json()["existing"] == 0 and await Case.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("导入.csv", b"", 400, "empty_file"),
        ("导入.csv", "\ufeff".encode() + ",".join(HEADERS).encode(), 400, "no_rows"),
        ("导入.xlsx", b"PK\x03\x04 not really a zip", 400, "not_a_spreadsheet"),
        ("导入.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, 400, "xls_unsupported"),
        ("照片.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, 400, "not_a_spreadsheet"),
        ("导入.csv", b"a,b\x00c\n", 400, "not_a_spreadsheet"),
        ("导入.csv", b"x" * (10 * 1024 * 1024 + 1), 413, "file_too_large"),
    ],
)
async def test_bad_files_are_refused_whole(
    client: httpx.AsyncClient, name: str, content: bytes, status: int, code: str
) -> None:
    headers = await _staff(client)
    response = await _import(client, headers, name, content)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert await ImportBatch.count() == 0


async def test_only_region_scoped_staff_may_import(client: httpx.AsyncClient) -> None:
    content = csv_bytes([household(1)])
    for role in (Role.reviewer, Role.org_member, Role.admin, Role.auditor):
        user = await make_user(role)
        headers = await api_token(client, user.username)
        response = await _import(client, headers, "a.csv", content)
        assert response.status_code == 403, role
    assert (await client.post(URL, files=upload("a.csv", content))).status_code == 401
    assert await Case.count() == 0


async def test_templates_download_and_round_trip(client: httpx.AsyncClient) -> None:
    from tests.factories import csrf_token, web_login

    staff = await make_user(Role.staff)
    assert (await web_login(client, staff.username)).status_code == 303
    csv_template = await client.get("/cases/import/template.csv")
    assert csv_template.status_code == 200
    assert csv_template.content.startswith(b"\xef\xbb\xbf")
    assert csv_template.content.decode("utf-8-sig").strip().split(",") == list(HEADERS)
    assert "attachment" in csv_template.headers["content-disposition"]

    xlsx = await client.get("/cases/import/template.xlsx")
    assert xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == ["救助对象", "填写说明", "社区代码"]
    sheet = workbook["救助对象"]
    assert [c.value for c in sheet[1]] == list(HEADERS)
    codes = [r[0].value for r in workbook["社区代码"].iter_rows(min_row=2)]
    assert ZIYUN in codes and all(c.startswith("120116001") for c in codes)
    # Filled in and uploaded through the page, the template imports.
    for values in [[household(n).get(h, "") for h in HEADERS] for n in (1, 2)]:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    token = await csrf_token(client, "/cases/import")
    page = await client.post(
        "/cases/import",
        data={"_csrf_token": token},
        files=upload("模板.xlsx", buffer.getvalue()),
    )
    assert page.status_code == 200, page.text
    assert "新增 2，已存在跳过 0，有错误 0" in page.text
    assert await Case.count() == 2


async def test_page_refusals_and_wrong_file_on_the_page(client: httpx.AsyncClient) -> None:
    from tests.factories import csrf_token, web_login

    reviewer = await make_user(Role.reviewer)
    assert (await web_login(client, reviewer.username)).status_code == 303
    assert (await client.get("/cases/import")).status_code == 403
    assert (await client.get("/cases/import/template.xlsx")).status_code == 403
    client.cookies.clear()
    staff = await make_user(Role.staff)
    assert (await web_login(client, staff.username)).status_code == 303
    search = await client.get("/cases")
    assert 'href="/cases/import/"' in search.text
    token = await csrf_token(client, "/cases/import")
    page = await client.post(
        "/cases/import", data={"_csrf_token": token}, files=upload("a.csv", b"\xff\xfe\xfd")
    )
    assert page.status_code == 400
    assert "文件未导入" in page.text


async def test_logs_carry_counts_not_personal_data(client: httpx.AsyncClient) -> None:
    headers = await _staff(client)
    rows = [household(1), household(2, 救助类别="错")]
    with structlog.testing.capture_logs() as logs:
        await _import(client, headers, "a.csv", csv_bytes(rows))
    dumped = repr(logs)
    assert "cases_imported" in dumped
    for row in rows:
        assert row["户主姓名"] not in dumped and row["户主身份证号"] not in dumped


async def test_a_row_registered_meanwhile_is_undone_whole_and_the_rest_written() -> None:
    """Between the registry check and the write, someone records one of the file's people: the
    chunk is undone and written row by row; that row leaves no case, member or grant behind."""
    from backend.cases.schemas import CaseCreate, MemberIn
    from backend.cases.service import create_case
    from backend.db import unit_of_work
    from backend.imports import service
    from backend.imports.reader import read_upload

    staff = await make_user(Role.staff)
    rows = [household(n) for n in range(1, 6)]
    sheet = read_upload("a.csv", csv_bytes(rows))
    positions = service._positions(sheet)
    prepared = [service._prepare(raw, positions) for raw in sheet.rows]
    async with unit_of_work():
        await service._check_against_registry(staff, prepared)
        await create_case(
            staff,
            CaseCreate(
                region_code=ZIYUN,
                programme="dibao",
                members=[
                    MemberIn(
                        is_head=True,
                        relation="户主",
                        name="他人",
                        id_number=rows[2]["户主身份证号"],
                    )
                ],
            ),
        )
        await service._write(staff, prepared, ip="", how="")
    assert [r.number for r in prepared if not r.ok] == [4]
    assert prepared[2].issues[0].code == "person_already_registered"
    assert prepared[2].case_ref is None
    assert await _counts() == (5, 5, 4)  # four imported with their grant, plus the other one
