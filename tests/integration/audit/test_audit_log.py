"""The audit log for auditors: filters by Beijing dates, actor, action and case; pages; labels
instead of codes; CSV and .xlsx downloads that neutralise formulas and are audited themselves;
the JSON API beside the page."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role, User
from backend.audit.service import record
from backend.audit.tables import AuditEntry
from backend.cases.tables import Case
from tests.cases_factory import create_case
from tests.factories import api_token, make_user, web_login

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient
#: The raw codes that must never reach a page in place of their labels.
RAW_CODE = re.compile(r"\b(?:case|referral|relative|disbursement|audit)\.[a-z_]+\b|temporary_\w+")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def entry(user: CurrentUser, action: str, when: str, **kw: Any) -> None:
    await AuditEntry.insert(AuditEntry(user=user.id, action=action, at=at(when), **kw))


async def story(client: Client) -> dict[str, Any]:
    """Two staff members' actions over three Beijing days, one on a real case."""
    wang = await make_user(Role.staff, username="wangfang")
    await User.update({User.display_name: "王芳（塘沽街道）"}).where(User.id == wang.id)
    li = await make_user(Role.staff, username="lilei")
    case = await create_case(client, await api_token(client, wang.username))
    case_id = (await Case.select(Case.id).where(Case.ref_code == case["ref"]).first())["id"]
    # 2025-03-01 23:30 and 2025-03-02 00:30 in Beijing are one hour, but two days, apart.
    await entry(wang, "case.grant", "2025-03-01T23:30:00+08:00", case=case_id,
                detail="temporary_expenditure")  # fmt: skip
    await entry(wang, "case.view", "2025-03-02T00:30:00+08:00", case=case_id, detail="成员全部字段")
    await entry(li, "case.search", "2025-03-02T09:00:00+08:00", detail="按姓名检索，结果0户")
    await entry(li, "disbursement.evidence", "2025-03-03T10:00:00+08:00", detail="下载拨付证明 X1")
    return {"wang": wang, "li": li, "case": case["ref"]}


async def auditor(client: Client) -> CurrentUser:
    user = await make_user(Role.auditor)
    assert (await web_login(client, user.username)).status_code == 303
    return user


def table_rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


async def test_filters_by_beijing_dates_actor_action_and_case(client: Client) -> None:
    s = await story(client)
    await auditor(client)

    def shown(response: httpx.Response) -> int:
        assert response.status_code == 200, response.text
        return len(table_rows(response.text))

    march_2 = {"date_from": "2025-03-02", "date_to": "2025-03-02"}
    assert shown(await client.get("/audit", params=march_2)) == 2  # not the 23:30 of 1 March
    assert shown(await client.get("/audit", params={"date_to": "2025-03-01"})) == 1
    later = {"date_from": "2025-03-03", "date_to": "2025-12-31"}  # not today's case.create
    assert shown(await client.get("/audit", params=later)) == 1
    assert shown(await client.get("/audit", params={**march_2, "actor": "LiLei"})) == 1
    assert shown(await client.get("/audit", params={"actor": "塘沽"})) == 3  # display name part
    assert shown(await client.get("/audit", params={"action": "case.view"})) == 1
    by_case = await client.get("/audit", params={"case": s["case"]})
    assert shown(by_case) == 2 + 1  # the two above and the case's own creation
    assert shown(await client.get("/audit", params={"case": s["case"], "actor": "lilei"})) == 0
    # The filter survives into the page links and the downloads.
    assert f"case={s['case']}" in by_case.text and "/audit/export.csv?case=" in by_case.text


async def test_every_code_is_shown_by_its_label(client: Client) -> None:
    await story(client)
    await auditor(client)
    html = (await client.get("/audit")).text
    for label in (
        "登记救助记录",
        "临时救助（支出型）",
        "查看救助对象",
        "下载拨付证明",
        "检索救助对象",
    ):
        assert label in html
    text = re.sub(r"<[^>]*>", " ", html)  # what a reader sees: no tags, no attribute values
    assert not RAW_CODE.search(text), RAW_CODE.search(text)
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', html)
    assert ("disbursement.evidence", "下载拨付证明") in options
    assert all(re.search(r"[\u4e00-\u9fff]", text) for _value, text in options)


async def test_mistakes_are_named_by_their_field(client: Client) -> None:
    await auditor(client)
    bad = await client.get("/audit", params={"date_from": "2025-13-01", "action": "case.eat"})
    assert bad.status_code == 400
    assert "开始日期应为日期" in bad.text and "操作不在可选范围内" in bad.text
    assert 'id="date_from-error"' in bad.text and 'id="action-error"' in bad.text
    backwards = await client.get(
        "/audit", params={"date_from": "2025-03-02", "date_to": "2025-03-01"}
    )
    assert backwards.status_code == 400 and "结束日期不能早于开始日期" in backwards.text


async def test_pages_of_fifty(client: Client) -> None:
    staff = await make_user(Role.staff)
    when = at("2025-03-02T10:00:00+08:00")
    await AuditEntry.insert(
        *[
            AuditEntry(user=staff.id, action="case.search", detail=f"第{n}次", at=when)
            for n in range(120)
        ]
    )  # fmt: skip
    await auditor(client)
    first = await client.get("/audit", params={"action": "case.search"})
    assert "共 120 条，第 1/3 页" in first.text and len(table_rows(first.text)) == 50
    assert 'href="/audit?action=case.search&amp;page=2" rel="next"' in first.text
    last = await client.get("/audit", params={"action": "case.search", "page": 3})
    assert (
        len(table_rows(last.text)) == 20
        and 'rel="prev"' in last.text
        and 'rel="next"' not in last.text
    )


async def test_downloads_are_neutralised_and_audited(client: Client) -> None:
    s = await story(client)
    prankster = await make_user(Role.staff, username="prank")
    await User.update({User.display_name: '=HYPERLINK("http://evil/","点")'}).where(
        User.id == prankster.id
    )
    await entry(prankster, "case.search", "2025-03-02T11:00:00+08:00", detail="@SUM(1+1)")
    me = await auditor(client)
    params = {"date_from": "2025-03-02", "date_to": "2025-03-02"}

    response = await client.get("/audit/export.csv", params=params)
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="aidbridge-audit.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["时间（北京时间）", "用户名", "显示名称", "操作"]
    assert len(rows) == 1 + 3
    by_user = {r[1]: r for r in rows[1:]}
    assert by_user["prank"][2] == '\'=HYPERLINK("http://evil/","点")'
    assert by_user["prank"][6] == "'@SUM(1+1)"
    assert by_user["wangfang"][3] == "查看救助对象" and by_user["wangfang"][0] == "2025-03-02 00:30"

    xlsx = await client.get("/audit/export.xlsx", params={"case": s["case"]})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][3] == "操作" and len(values) == 1 + 3
    assert "临时救助（支出型）" in [v[6] for v in values]
    assert all(not str(v).startswith(("=", "+", "@")) for row in values for v in row if v)

    exports = await AuditEntry.select(AuditEntry.user, AuditEntry.detail).where(
        AuditEntry.action == "audit.export"
    ).order_by(AuditEntry.id)  # fmt: skip
    assert [e["user"] for e in exports] == [me.id, me.id]
    assert exports[0]["detail"].startswith("导出 CSV 3 条；自 2025-03-02T00:00+08:00")
    assert exports[1]["detail"] == f"导出 XLSX 3 条；救助对象 {s['case']}"
    html = (await client.get("/audit", params={"action": "audit.export"})).text
    assert "导出审计日志" in html and len(table_rows(html)) == 2


async def test_the_json_api_filters_pages_and_exports(client: Client) -> None:
    s = await story(client)
    headers = await api_token(client, (await make_user(Role.auditor)).username)
    page = await client.get(
        "/api/v1/audit",
        params={"date_from": "2025-03-02", "date_to": "2025-03-31", "page_size": 1},
        headers=headers,
    )
    assert page.status_code == 200
    body = page.json()
    assert body["total"] == 3 and body["page_size"] == 1 and len(body["items"]) == 1
    item = body["items"][0]
    assert item["action"] == "disbursement.evidence" and item["action_label"] == "下载拨付证明"
    grant = (
        await client.get(
            "/api/v1/audit", params={"case": s["case"], "action": "case.grant"}, headers=headers
        )
    ).json()["items"][0]
    assert (grant["detail"], grant["detail_label"]) == (
        "temporary_expenditure",
        "临时救助（支出型）",
    )
    bad = await client.get("/api/v1/audit", params={"date_to": "昨天"}, headers=headers)
    assert bad.status_code == 400 and bad.json()["field"] == "date_to"
    assert "结束日期" in bad.json()["message"]
    download = await client.get(
        "/api/v1/audit/export.csv", params={"actor": "lilei"}, headers=headers
    )
    assert download.status_code == 200 and download.content.decode("utf-8-sig").count("\r\n") == 3
    assert await AuditEntry.count().where(AuditEntry.action == "audit.export") == 1

    staff = await api_token(client, s["li"].username)
    assert (await client.get("/api/v1/audit", headers=staff)).status_code == 403
    assert (await client.get("/api/v1/audit/export.csv", headers=staff)).status_code == 403


async def test_no_action_is_written_without_a_label() -> None:
    staff = await make_user(Role.staff)
    with pytest.raises(ValueError, match=r"case\.eat"):
        await record(staff, "case.eat")
