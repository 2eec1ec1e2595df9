"""The staff web pages of journey 1, without a browser: form round trips, money in yuan, the
anonymisation preview, region scope and refusals."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role
from backend.audit.tables import AuditEntry
from backend.cases.schemas import CaseCreate, GrantCreate, MemberIn
from backend.cases.service import add_grant, create_case
from backend.cases.tables import AssistanceGrant, Case, GrantStage
from backend.db import unit_of_work
from backend.needs.tables import Need
from backend.referrals.tables import NeedItem, Referral, ReferralStatus
from backend.web.forms import MoneyInvalid, parse_yuan
from tests.factories import BINHAI, JIANGBEI, csrf_token, make_user, web_login
from tests.people import id_number

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient
ZIYUN = "120116001016"  # 塘沽街道 紫云园社区
JIANGBEI_COMMUNITY = "500105001001"
HEAD = "王秀英"
CHILD = "王小明"
PHONE = "13812345678"


def _bad_check_character(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def _case_form(head_id: str, child_id: str, **extra: str) -> dict[str, str]:
    return {
        "region_code": ZIYUN,
        "programme": "dibao",
        "members.0.relation": "户主",
        "members.0.name": HEAD,
        "members.0.id_number": head_id,
        "members.0.phone": "13812345678",
        "members.0.monthly_income_fen": "1,234.56",
        "members.0.address": "塘沽街道海洋小区3号楼2单元501室",
        "members.1.relation": "子女",
        "members.1.name": CHILD,
        "members.1.id_number": child_id,
        "members.1.phone": "",
        **extra,
    }


async def _login(client: Client, role: Role, **kw: Any) -> CurrentUser:
    user = await make_user(role, **kw)
    assert (await web_login(client, user.username)).status_code == 303
    return user


async def _post(client: Client, path: str, data: dict[str, str], *, form: str) -> httpx.Response:
    token = await csrf_token(client, form)
    return await client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)


async def _service_case(user: CurrentUser, region_code: str = ZIYUN, grant: bool = True) -> str:
    async with unit_of_work():
        case = await create_case(
            user,
            CaseCreate(
                region_code=region_code,
                programme="dibao",
                members=[
                    MemberIn(
                        is_head=True,
                        relation="户主",
                        name=HEAD,
                        id_number=id_number(female=True),
                        phone="13812345678",
                    ),
                    MemberIn(
                        relation="子女", name=CHILD, id_number=id_number(born=date(2010, 5, 1))
                    ),
                ],
            ),
        )
        if grant:
            await add_grant(
                user,
                case.ref,
                GrantCreate(
                    kind="temporary_emergency",
                    amount_fen=300_000,
                    granted_on=date.today() - timedelta(days=10),
                    office="滨海新区塘沽街道办事处",
                ),
            )
    return case.ref


# ---- money ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("1234.56", 123456),
        ("1,000", 100000),
        ("1,234,567.8", 123456780),
        ("0.01", 1),
        ("¥12", 1200),
        ("３００元", 30000),
        ("19.99", 1999),  # a float would give 1998.9999…
    ],
)
def test_yuan_is_parsed_to_fen_exactly(typed: str, fen: int) -> None:
    assert parse_yuan(typed) == fen


@pytest.mark.parametrize("typed", ["12.345", "abc", "-5", "1e3", "1,00", "1.2.3", ""])
def test_amounts_that_are_not_amounts_are_refused(typed: str) -> None:
    with pytest.raises(MoneyInvalid):
        parse_yuan(typed)


# ---- the case form --------------------------------------------------------------------------


async def test_staff_records_a_case_with_two_members_through_the_form(client: Client) -> None:
    await _login(client, Role.staff)
    form = await client.get("/cases/new")
    assert form.status_code == 200
    assert 'value="120116001016"' in form.text  # communities of the staff member's street
    assert "500105" not in form.text  # and no other region's

    response = await _post(
        client,
        "/cases/new",
        _case_form(id_number(female=True), id_number(born=date(2010, 5, 1))),
        form="/cases/new",
    )

    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/cases/[\w-]+", location)
    case = await client.get(location)
    assert case.status_code == 200
    assert HEAD in case.text and CHILD in case.text
    assert "¥1,234.56" in case.text  # the head's income, typed in yuan
    assert "已登记救助对象" in case.text  # the flash after the redirect
    row = await Case.select(Case.monthly_income_fen).first()
    assert row is not None and row["monthly_income_fen"] == 123456
    actions = [e["action"] for e in await AuditEntry.select(AuditEntry.action)]
    assert actions == ["case.create", "case.view"]


async def test_a_bad_check_character_is_shown_beside_the_field_and_nothing_is_lost(
    client: Client,
) -> None:
    await _login(client, Role.staff)
    child = _bad_check_character(id_number(born=date(2010, 5, 1)))
    head = id_number(female=True)

    response = await _post(client, "/cases/new", _case_form(head, child), form="/cases/new")

    assert response.status_code == 400
    html = response.text
    assert 'role="alert"' in html
    assert '<a href="#members-1-id_number">第2位成员：身份证号校验位错误</a>' in html
    field = re.search(r'<input id="members-1-id_number"[^>]*>', html)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    assert 'aria-describedby="members-1-id_number-hint members-1-id_number-error"' in field.group(0)
    assert f'value="{child}"' in field.group(0)
    assert 'id="members-1-id_number-error"' in html
    for typed in (HEAD, CHILD, head, "13812345678", "1,234.56", "塘沽街道海洋小区3号楼2单元501室"):
        assert f'value="{typed}"' in html
    assert '<option value="120116001016" selected>' in html
    assert '<option value="子女" selected>' in html
    assert await Case.count() == 0


async def test_missing_fields_and_bad_money_are_named_in_chinese(client: Client) -> None:
    await _login(client, Role.staff)
    data = _case_form(id_number(), id_number(born=date(2010, 5, 1)))
    data.update({"region_code": "", "members.0.name": "", "members.1.monthly_income_fen": "12.345"})

    response = await _post(client, "/cases/new", data, form="/cases/new")

    assert response.status_code == 400
    assert "请选择所属社区（村）" in response.text
    assert "第1位成员：请填写姓名" in response.text
    assert "金额最多保留两位小数（精确到分）" in response.text
    assert 'value="12.345"' in response.text


async def test_a_person_registered_elsewhere_is_a_field_error_not_an_error_page(
    client: Client,
) -> None:
    staff = await _login(client, Role.staff)
    await _service_case(staff, grant=False)
    members = await client.get("/cases?q=" + HEAD)
    ref = re.search(r'href="/cases/(?!new"|import)([\w-]+)"', members.text)
    assert ref is not None
    page = await client.get(f"/cases/{ref.group(1)}")
    taken = re.search(r'<td class="nowrap">(\d{17}[\dX])</td>', page.text)
    assert taken is not None

    response = await _post(
        client,
        "/cases/new",
        _case_form(id_number(), taken.group(1)),
        form="/cases/new",
    )

    assert response.status_code == 409
    assert "该身份证号已在" in response.text
    assert 'id="members-1-id_number-error"' in response.text
    assert "<h1>登记新救助对象</h1>" in response.text


async def test_the_member_row_fragment_brings_the_next_button(client: Client) -> None:
    await _login(client, Role.staff)
    response = await client.get("/cases/new/member-row?index=2")
    assert response.status_code == 200
    assert 'id="members-2"' in response.text
    assert 'name="members.2.id_number"' in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert "/cases/new/member-row?index=3" in response.text
    assert "<html" not in response.text


async def test_search_finds_by_name_and_id_number(client: Client) -> None:
    staff = await _login(client, Role.staff)
    ref = await _service_case(staff)

    by_name = await client.get("/cases", params={"q": "秀英"})
    assert f'href="/cases/{ref}"' in by_name.text
    assert "低保" in by_name.text and "2 人" in by_name.text
    nothing = await client.get("/cases", params={"q": "李"})
    assert "没有找到匹配的救助对象" in nothing.text
    assert "登记新救助对象" in nothing.text


# ---- grants ---------------------------------------------------------------------------------


async def test_a_grant_with_stages_is_recorded_in_fen(client: Client) -> None:
    staff = await _login(client, Role.staff)
    ref = await _service_case(staff, grant=False)
    assert "须先登记临时救助" in (await client.get(f"/cases/{ref}")).text

    response = await _post(
        client,
        f"/cases/{ref}/grants",
        {
            "kind": "temporary_expenditure",
            "amount_fen": "1,000",
            "granted_on": (date.today() - timedelta(days=3)).isoformat(),
            "office": "滨海新区民政局",
            "stages.0.amount_fen": "600",
            "stages.0.due_on": date.today().isoformat(),
            "stages.2.amount_fen": "400.00",
            "stages.2.due_on": (date.today() + timedelta(days=30)).isoformat(),
            "stages.5.amount_fen": "",  # an added row left blank
            "stages.5.due_on": "",
        },
        form=f"/cases/{ref}",
    )

    assert response.status_code == 303, response.text
    grant = await AssistanceGrant.select().where(AssistanceGrant.kind == "temporary_expenditure")
    assert [g["amount_fen"] for g in grant] == [100000]
    stages = await GrantStage.select(GrantStage.seq, GrantStage.amount_fen).order_by(GrantStage.seq)
    assert stages == [{"seq": 1, "amount_fen": 60000}, {"seq": 2, "amount_fen": 40000}]
    page = await client.get(f"/cases/{ref}")
    assert "¥1,000.00" in page.text and "¥600.00" in page.text
    assert f'href="/cases/{ref}/referrals/new"' in page.text


async def test_a_bad_grant_amount_keeps_the_form_and_the_view_is_audited(client: Client) -> None:
    staff = await _login(client, Role.staff)
    ref = await _service_case(staff, grant=False)
    before = await AuditEntry.count()

    response = await _post(
        client,
        f"/cases/{ref}/grants",
        {
            "kind": "temporary_emergency",
            "amount_fen": "3千",
            "granted_on": date.today().isoformat(),
            "office": "塘沽街道办事处",
        },
        form=f"/cases/{ref}",
    )

    assert response.status_code == 400
    assert 'id="amount_fen-error"' in response.text
    assert "金额格式不正确" in response.text
    assert 'value="3千"' in response.text and 'value="塘沽街道办事处"' in response.text
    assert '<details class="card form-panel" open>' in response.text
    assert await AssistanceGrant.count() == 0
    # the form page (GET) and the re-rendered case page each recorded their view
    assert await AuditEntry.count() == before + 2


# ---- the referral form and its preview ------------------------------------------------------


async def test_the_preview_marks_every_removal_and_writes_nothing(client: Client) -> None:
    staff = await _login(client, Role.staff)
    ref = await _service_case(staff)
    form = await client.get(f"/cases/{ref}/referrals/new")
    assert form.status_code == 200
    assert f'hx-post="/cases/{ref}/referrals/preview"' in form.text
    entries = await AuditEntry.count()

    response = await _post(
        client,
        f"/cases/{ref}/referrals/preview",
        {"narrative": f"{HEAD}，电话 138-1234-5678，患尿毒症 <b>三年</b>。"},
        form=f"/cases/{ref}/referrals/new",
    )

    assert response.status_code == 200
    html = response.text
    assert "<html" not in html
    assert re.search(rf'<mark class="removed" title="[^"]+">{HEAD}<', html)
    assert re.search(r'<mark class="removed" title="[^"]+">138-1234-5678<', html)
    assert re.search(r'<mark class="replacement" title="[^"]+">某某<', html)
    assert re.search(r'<mark class="replacement" title="[^"]+">\[电话\]<', html)
    assert "&lt;b&gt;三年&lt;/b&gt;" in html  # what staff type is escaped, never markup
    assert 'id="preview-status"' in html and 'hx-swap-oob="innerHTML"' in html
    assert await AuditEntry.count() == entries
    assert await Referral.count() == 0


async def test_the_preview_refuses_another_regions_case(client: Client) -> None:
    other = await make_user(Role.staff, region_code=JIANGBEI)
    ref = await _service_case(other, JIANGBEI_COMMUNITY)
    await _login(client, Role.staff)
    token = await csrf_token(client, "/cases")

    response = await client.post(
        f"/cases/{ref}/referrals/preview", data={"narrative": "x" * 30, "_csrf_token": token}
    )

    assert response.status_code == 404


def _referral_form(**extra: str) -> dict[str, str]:
    deadline = (date.today() + timedelta(days=60)).isoformat()
    return {
        "narrative": f"{HEAD}患尿毒症三年，每周透析三次，每月自付医疗费用约4200元，电话{PHONE}。",
        "items.0.category": "medical",
        "items.0.kind": "money",
        "items.0.amount_fen": "20,000",
        "items.0.urgency": "urgent",
        "items.0.deadline": deadline,
        "items.0.title": "透析费用资助",
        "items.0.goods.0.item": "不该被发送",  # shown for another kind, ignored for money
        "items.1.category": "education",
        "items.1.kind": "goods",
        "items.1.urgency": "normal",
        "items.1.deadline": deadline,
        "items.1.goods.0.item": "书包",
        "items.1.goods.0.quantity": "1",
        "items.1.goods.0.unit": "个",
        "items.1.goods.0.unit_value_fen": "120",
        "items.1.goods.1.item": "",
        "items.3.urgency": "normal",  # an added item left untouched
        **extra,
    }


async def test_a_referral_is_saved_from_the_form_with_exact_amounts(client: Client) -> None:
    staff = await _login(client, Role.staff)
    ref = await _service_case(staff)

    response = await _post(
        client, f"/cases/{ref}/referrals", _referral_form(), form=f"/cases/{ref}/referrals/new"
    )

    assert response.status_code == 303, response.text
    items = await NeedItem.select(
        NeedItem.kind, NeedItem.amount_fen, NeedItem.goods, NeedItem.title
    ).order_by(NeedItem.seq)
    assert [i["amount_fen"] for i in items] == [2_000_000, None]
    assert "不该被发送" not in str(items)
    assert "12000" in str(items[1]["goods"])
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert "¥20,000.00" in page.text
    assert '<mark class="removed"' in page.text and '<mark class="replacement"' in page.text
    assert "草稿" in page.text and "提交审核" in page.text


async def test_referral_form_errors_keep_the_rows_and_the_preview(client: Client) -> None:
    staff = await _login(client, Role.staff)
    ref = await _service_case(staff)

    response = await _post(
        client,
        f"/cases/{ref}/referrals",
        _referral_form(**{"items.0.amount_fen": "两万", "items.1.goods.0.quantity": "1.5"}),
        form=f"/cases/{ref}/referrals/new",
    )

    assert response.status_code == 400
    html = response.text
    assert 'id="items-0-amount_fen-error"' in html and 'value="两万"' in html
    assert "第2项需求，物资第1行：数量应为整数" in html
    assert 'value="书包"' in html
    assert '<mark class="removed"' in html  # the preview is shown again
    assert 'id="items-2"' not in html  # the untouched added item is gone, not an error
    assert await Referral.count() == 0


async def test_referral_needs_temporary_assistance_said_on_the_form(client: Client) -> None:
    staff = await _login(client, Role.staff)
    ref = await _service_case(staff, grant=False)
    response = await _post(
        client, f"/cases/{ref}/referrals", _referral_form(), form=f"/cases/{ref}/referrals/new"
    )
    assert response.status_code == 409
    assert "转介前须先登记临时救助" in response.text
    assert 'value="透析费用资助"' in response.text


# ---- consent, submission, review --------------------------------------------------------------


async def test_submit_consent_and_review_through_the_pages(client: Client) -> None:
    staff = await _login(client, Role.staff)
    ref = await _service_case(staff)
    created = await _post(
        client, f"/cases/{ref}/referrals", _referral_form(), form=f"/cases/{ref}/referrals/new"
    )
    page = created.headers["location"]
    views = await AuditEntry.count().where(AuditEntry.action == "referral.view")

    refused = await _post(client, f"{page}/submit", {}, form=page)
    assert refused.status_code == 409
    assert "提交前须登记家庭对公开发布的同意" in refused.text
    assert 'role="alert"' in refused.text
    # the page shown with the refusal is a view of the narrative, and is audited
    assert await AuditEntry.count().where(AuditEntry.action == "referral.view") == views + 2

    oral = await _post(
        client,
        page,
        {
            "public_text": "某某患尿毒症三年，每周透析三次，每月自付医疗费用约4200元。",
            "consent.consent_on": date.today().isoformat(),
            "consent.method": "oral",
            "consent.witness": "",
        },
        form=page,
    )
    assert oral.status_code == 400
    assert 'id="consent-witness-error"' in oral.text and "口头同意须登记见证人" in oral.text

    saved = await _post(
        client,
        page,
        {
            "public_text": "某某患尿毒症三年，每周透析三次，每月自付医疗费用约4200元。",
            "consent.consent_on": date.today().isoformat(),
            "consent.method": "written",
        },
        form=page,
    )
    assert saved.status_code == 303
    submitted = await _post(client, f"{page}/submit", {}, form=page)
    assert submitted.status_code == 303
    row = await Referral.select(Referral.status).first()
    assert row is not None and row["status"] == ReferralStatus.submitted

    # a reviewer of the district decides from the queue
    await _login(client, Role.reviewer, region_code=BINHAI)
    queue = await client.get("/review")
    assert queue.status_code == 200
    assert "医疗" in queue.text and "测试staff" in queue.text
    assert f'href="{page}">审核</a>' in queue.text
    no_reason = await _post(client, f"{page}/decision", {"decision": "reject"}, form=page)
    assert no_reason.status_code == 400
    assert "退回转介须填写理由" in no_reason.text
    approved = await _post(client, f"{page}/decision", {"decision": "approve"}, form=page)
    assert approved.status_code == 303, approved.text
    after = await client.get(page)
    needs = [n["public_id"] for n in await Need.select(Need.public_id)]
    assert len(needs) == 2
    for public_id in needs:
        assert public_id in after.text
    assert "已通过" in after.text


async def test_identifiers_left_in_the_public_text_are_listed_and_block_submission(
    client: Client,
) -> None:
    staff = await _login(client, Role.staff)
    ref = await _service_case(staff)
    created = await _post(
        client,
        f"/cases/{ref}/referrals",
        _referral_form(
            **{"consent.consent_on": date.today().isoformat(), "consent.method": "written"}
        ),
        form=f"/cases/{ref}/referrals/new",
    )
    page = created.headers["location"]
    edited = await _post(
        client,
        page,
        {"public_text": f"{HEAD}患尿毒症三年，每月自付医疗费用约4200元。"},
        form=page,
    )
    assert edited.status_code == 303

    shown = await client.get(page)
    assert 'id="remaining"' in shown.text and '<mark class="remaining"' in shown.text
    refused = await _post(client, f"{page}/submit", {}, form=page)
    assert refused.status_code == 409
    assert "公开文本中仍有可识别信息" in refused.text
    assert 'id="public_text-error"' in refused.text


async def test_a_reviewer_with_a_declared_relative_is_told_why_not(client: Client) -> None:
    staff = await make_user(Role.staff)
    ref = await _service_case(staff)
    await _login(client, Role.reviewer, region_code=BINHAI)
    # declare the household's child, as the reviewer's relative, on the relatives page
    page = await client.get(f"/cases/{ref}")
    child = re.findall(r'<td class="nowrap">(\d{17}[\dX])</td>', page.text)[1]
    declared = await _post(
        client, "/me/relatives", {"id_number": child, "relation": "子女"}, form="/me/relatives"
    )
    assert declared.status_code == 303
    mine = await client.get("/me/relatives")
    assert "子女" in mine.text and child not in mine.text
    again = await _post(
        client, "/me/relatives", {"id_number": child, "relation": "子女"}, form="/me/relatives"
    )
    assert again.status_code == 409 and "该近亲属已备案" in again.text
    bad = await _post(
        client,
        "/me/relatives",
        {"id_number": _bad_check_character(child), "relation": "子女"},
        form="/me/relatives",
    )
    assert bad.status_code == 400 and "身份证号校验位错误" in bad.text

    async with unit_of_work():
        from backend.referrals.schemas import ConsentIn, NeedItemIn, ReferralCreate
        from backend.referrals.service import create_referral, submit_referral

        referral = await create_referral(
            staff,
            ref,
            ReferralCreate(
                narrative="某某患尿毒症三年，每周透析三次，每月自付医疗费用约4200元。",
                items=[
                    NeedItemIn(
                        category="medical",
                        kind="money",
                        amount_fen=100_000,
                        urgency="urgent",
                        deadline=date.today() + timedelta(days=30),
                    )
                ],
                consent=ConsentIn(consent_on=date.today(), method="written"),
            ),
        )
        await submit_referral(staff, referral.ref)
    shown = await client.get(f"/referrals/{referral.ref}")
    assert "按回避规定不能由您审核" in shown.text
    assert "通过并发布" not in shown.text


# ---- scope and refusals ---------------------------------------------------------------------


async def test_another_regions_case_page_does_not_exist(client: Client) -> None:
    other = await make_user(Role.staff, region_code=JIANGBEI)
    ref = await _service_case(other, JIANGBEI_COMMUNITY)
    await _login(client, Role.staff)
    response = await client.get(f"/cases/{ref}")
    assert response.status_code == 404
    assert HEAD not in response.text
    assert (await client.get(f"/cases/{ref}/referrals/new")).status_code == 404


@pytest.mark.parametrize("path", ["/cases", "/cases/new", "/review", "/me/relatives", "/audit"])
async def test_organisation_members_are_refused(client: Client, path: str) -> None:
    await _login(client, Role.org_member)
    response = await client.get(path)
    assert response.status_code == 403
    assert "无权访问" in response.text


async def test_reviewers_cannot_record_cases(client: Client) -> None:
    await _login(client, Role.reviewer, region_code=BINHAI)
    assert (await client.get("/cases")).status_code == 200
    assert "登记新救助对象" not in (await client.get("/cases")).text
    assert (await client.get("/cases/new")).status_code == 403


async def test_pages_ask_anonymous_visitors_to_log_in(client: Client) -> None:
    response = await client.get("/cases", follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"].startswith("/login")


async def test_the_audit_log_filters_and_pages(client: Client) -> None:
    staff = await make_user(Role.staff)
    ref = await _service_case(staff)
    await _login(client, Role.auditor)

    everything = await client.get("/audit")
    assert everything.status_code == 200
    assert "登记救助对象" in everything.text and staff.username in everything.text
    only = await client.get("/audit", params={"case": ref, "username": staff.username})
    assert only.text.count("<tr>") == 1 + 2  # header, case.create, case.grant
    none = await client.get("/audit", params={"username": "nobody"})
    assert "没有符合条件的记录" in none.text
    assert 'rel="next"' not in everything.text
    later = await client.get("/audit", params={"page": 2})
    assert later.status_code == 200 and "没有符合条件的记录" in later.text
    assert 'rel="prev"' in later.text


async def test_staff_cannot_read_the_audit_log(client: Client) -> None:
    await _login(client, Role.staff)
    assert (await client.get("/audit")).status_code == 403


async def test_the_nav_follows_the_role(client: Client) -> None:
    await _login(client, Role.reviewer, region_code=BINHAI)
    home = await client.get("/")
    for link in ('href="/cases"', 'href="/review"', 'href="/me/relatives"'):
        assert link in home.text
    assert 'href="/audit"' not in home.text
