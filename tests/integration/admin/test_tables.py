"""What the back office shows and what it may write, through piccolo-admin's own API."""

from __future__ import annotations

import httpx
import pytest

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role, User
from backend.organisations.tables import Organisation
from backend.piccolo_conf import APP_REGISTRY
from backend.regions.tables import Region
from tests.factories import BINHAI, TANGGU, make_organisation, make_user, valid_uscc, web_login
from tests.integration.admin.conftest import JSON, csrf_header

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient

EXPOSED = {"app_user", "membership", "organisation", "region", "login_attempt"}
#: Shown by pages of the site instead (linked from the sidebar).
ELSEWHERE = {
    "policy_parameter": "/manage/policy",
    "audit_entry": "/audit",
    "dead_job": "/manage/jobs",
}
#: Household data and secrets: never in the back office.
NEVER = {
    "assistance_case",
    "household_member",
    "assistance_grant",
    "assistance_grant_stage",
    "referral",
    "need_item",
    "relative_declaration",
    "api_token",
    "organisation_invitation",
}


async def test_the_table_list_has_no_household_data(
    client: Client, admin_user: CurrentUser
) -> None:
    response = await client.get("/admin/api/tables/", headers=JSON)
    assert response.status_code == 200
    tables = set(response.json())
    assert tables == EXPOSED
    assert not tables & NEVER
    for app in ("cases", "referrals"):
        config = APP_REGISTRY.get_app_config(app)
        assert not tables & {t._meta.tablename for t in config.table_classes}
    for name in NEVER | set(ELSEWHERE):
        probe = await client.get(f"/admin/api/tables/{name}/", headers=JSON)
        assert probe.status_code == 404
    links = (await client.get("/admin/api/links/", headers=JSON)).json()
    assert set(ELSEWHERE.values()) <= set(links.values())


async def test_password_hashes_are_not_served(client: Client, admin_user: CurrentUser) -> None:
    rows = (await client.get("/admin/api/tables/app_user/", headers=JSON)).json()["rows"]
    assert rows and all(row["password_hash"] is None for row in rows)
    one = (await client.get(f"/admin/api/tables/app_user/{admin_user.id}/", headers=JSON)).json()
    assert one["password_hash"] is None


async def test_columns_carry_chinese_labels(client: Client, admin_user: CurrentUser) -> None:
    schema = (await client.get("/admin/api/tables/organisation/schema/", headers=JSON)).json()
    assert schema["properties"]["uscc"]["title"] == "统一社会信用代码"
    assert schema["extra"]["help_text"].startswith("慈善组织、社工机构")
    links = (await client.get("/admin/api/links/", headers=JSON)).json()
    assert links["政策参数"] == "/manage/policy"
    assert links["定时任务与失败任务"] == "/manage/jobs"


async def test_login_records_refuse_every_write(client: Client, admin_user: CurrentUser) -> None:
    listing = await client.get("/admin/api/tables/login_attempt/", headers=JSON)
    assert listing.status_code == 200
    row = listing.json()["rows"][0]  # the admin's own login
    pk = row["id"]
    url = f"/admin/api/tables/login_attempt/{pk}/"
    before = (await client.get(url, headers=JSON)).json()
    attempts = [
        client.patch(url, json={"username": "x"}, headers=csrf_header(client)),
        client.put(url, json=row, headers=csrf_header(client)),
        client.delete(url, headers=csrf_header(client)),
        client.delete("/admin/api/tables/login_attempt/", headers=csrf_header(client)),
        client.post(
            "/admin/api/tables/login_attempt/",
            json={k: v for k, v in before.items() if k != "id"},
            headers=csrf_header(client),
        ),
    ]
    for attempt in attempts:
        response = await attempt
        assert response.status_code == 405, response.text
        assert response.json()["detail"] in ("登录记录只读", "不允许此操作")
    after = (await client.get(url, headers=JSON)).json()
    assert after == before


async def test_admin_edits_role_region_and_active_flag(
    client: Client, admin_user: CurrentUser
) -> None:
    volunteer = await make_user(Role.volunteer)
    url = f"/admin/api/tables/app_user/{volunteer.id}/"

    no_region = await client.patch(url, json={"role": "staff"}, headers=csrf_header(client))
    assert no_region.status_code == 400
    assert "管辖地区" in no_region.json()["detail"]
    unknown = await client.patch(
        url, json={"role": "staff", "region_code": "129999000000"}, headers=csrf_header(client)
    )
    assert unknown.status_code == 400

    staff = await client.patch(
        url, json={"role": "staff", "region_code": TANGGU}, headers=csrf_header(client)
    )
    assert staff.status_code == 200, staff.text
    row = await User.select(User.role, User.region_code).where(User.id == volunteer.id).first()
    assert row == {"role": "staff", "region_code": TANGGU}

    to_auditor = await client.patch(url, json={"role": "auditor"}, headers=csrf_header(client))
    assert to_auditor.status_code == 200
    row = await User.select(User.role, User.region_code).where(User.id == volunteer.id).first()
    assert row == {"role": "auditor", "region_code": None}  # only staff/reviewers have a scope

    off = await client.patch(url, json={"is_active": False}, headers=csrf_header(client))
    assert off.status_code == 200
    assert (await web_login(client, volunteer.username)).status_code == 401


async def test_a_password_hash_cannot_be_typed_in(client: Client, admin_user: CurrentUser) -> None:
    victim = await make_user(Role.volunteer)
    before = await User.select(User.password_hash).where(User.id == victim.id).first()
    response = await client.patch(
        f"/admin/api/tables/app_user/{victim.id}/",
        json={"password_hash": "plain-text"},
        headers=csrf_header(client),
    )
    assert response.status_code == 400
    assert "argon2" in response.json()["detail"]
    assert await User.select(User.password_hash).where(User.id == victim.id).first() == before

    # an edit form sends the (empty) secret field back: that is no change and saves fine
    blank = await client.patch(
        f"/admin/api/tables/app_user/{victim.id}/",
        json={"password_hash": "", "display_name": "新名字"},
        headers=csrf_header(client),
    )
    assert blank.status_code == 200, blank.text
    assert await User.select(User.password_hash).where(User.id == victim.id).first() == before


async def test_an_admin_cannot_lock_themselves_out(client: Client, admin_user: CurrentUser) -> None:
    url = f"/admin/api/tables/app_user/{admin_user.id}/"
    for change in ({"is_active": False}, {"role": "auditor"}):
        response = await client.patch(url, json=change, headers=csrf_header(client))
        assert response.status_code == 400
        assert "自己" in response.json()["detail"]


async def test_users_are_created_by_the_form_not_the_table(
    client: Client, admin_user: CurrentUser
) -> None:
    raw = await client.post(
        "/admin/api/tables/app_user/",
        json={"username": "sneaky", "display_name": "x", "password_hash": "x", "role": "admin"},
        headers=csrf_header(client),
    )
    assert raw.status_code == 405
    assert "新建用户" in raw.json()["detail"]

    form = await client.post(
        "/admin/api/forms/新建用户/",
        json={
            "username": "NewReviewer",
            "display_name": "新审核员",
            "password": "a-long-enough-secret",
            "role": "reviewer",
            "region_code": BINHAI,
        },
        headers=csrf_header(client),
    )
    assert form.status_code == 200, form.text
    assert "newreviewer" in form.json()["custom_form_success"]
    row = await User.select().where(User.username == "newreviewer").first()
    assert row["password_hash"].startswith("$argon2id$")
    assert row["region_code"] == BINHAI

    missing = await client.post(
        "/admin/api/forms/新建用户/",
        json={
            "username": "another",
            "display_name": "x",
            "password": "a-long-enough-secret",
            "role": "staff",
        },
        headers=csrf_header(client),
    )
    assert missing.status_code == 422
    assert "管辖地区" in missing.json()["custom_form_error"]

    async with httpx.AsyncClient(
        transport=client._transport, base_url="http://testserver.local"
    ) as fresh:
        login = await web_login(fresh, "newreviewer", "a-long-enough-secret")
        assert login.status_code == 303


async def test_admin_edits_an_organisation_within_its_rules(
    client: Client, admin_user: CurrentUser
) -> None:
    org = await make_organisation(verified=False)
    row = await Organisation.select().where(Organisation.public_id == org.id).first()
    url = f"/admin/api/tables/organisation/{row['id']}/"

    bad = await client.patch(
        url, json={"uscc": row["uscc"][:-1] + "0"}, headers=csrf_header(client)
    )
    if row["uscc"][-1] != "0":
        assert bad.status_code == 400
        assert "统一社会信用代码" in bad.json()["detail"]
    moved = await client.patch(url, json={"public_id": "guessable"}, headers=csrf_header(client))
    assert moved.status_code == 400
    silent = await client.patch(url, json={"suspended": True}, headers=csrf_header(client))
    assert silent.status_code == 400
    assert "暂停原因" in silent.json()["detail"]

    uscc = valid_uscc()
    good = await client.patch(
        url,
        json={"name": "新名称慈善会", "uscc": uscc, "verified": True},
        headers=csrf_header(client),
    )
    assert good.status_code == 200, good.text
    after = await Organisation.select().where(Organisation.id == row["id"]).first()
    assert (after["name"], after["uscc"], after["verified"]) == ("新名称慈善会", uscc, True)
    assert after["verified_at"] is not None
    assert after["public_id"] == org.id

    gone = await client.delete(url, headers=csrf_header(client))
    assert gone.status_code == 405
    made = await client.post(
        "/admin/api/tables/organisation/", json={"name": "x"}, headers=csrf_header(client)
    )
    assert made.status_code == 405


async def test_admin_adds_and_renames_a_region(client: Client, admin_user: CurrentUser) -> None:
    code = "120116001099"  # a new community under 塘沽街道
    table = await client.post(
        "/admin/api/tables/region/",
        json={"name": "新建社区", "level": 5},
        headers=csrf_header(client),
    )
    assert table.status_code == 405
    assert "新增地区" in table.json()["detail"]

    made = await client.post(
        "/admin/api/forms/新增地区/",
        json={"code": code, "name": "新建社区"},
        headers=csrf_header(client),
    )
    assert made.status_code == 200, made.text
    row = await Region.select().where(Region.code == code).first()
    assert row == {"code": code, "name": "新建社区", "level": 5, "parent_code": TANGGU}

    again = await client.post(
        "/admin/api/forms/新增地区/",
        json={"code": code, "name": "重复"},
        headers=csrf_header(client),
    )
    assert again.status_code == 422
    assert "已存在" in again.json()["custom_form_error"]
    orphan = await client.post(
        "/admin/api/forms/新增地区/",
        json={"code": "129901001001", "name": "无上级"},
        headers=csrf_header(client),
    )
    assert orphan.status_code == 422
    assert "上级区划" in orphan.json()["custom_form_error"]

    renamed = await client.patch(
        f"/admin/api/tables/region/{code}/",
        json={"name": "幸福社区", "level": 1, "parent_code": None},
        headers=csrf_header(client),
    )
    assert renamed.status_code == 200, renamed.text
    row = await Region.select().where(Region.code == code).first()
    assert row == {"code": code, "name": "幸福社区", "level": 5, "parent_code": TANGGU}
    refused = await client.delete(f"/admin/api/tables/region/{code}/", headers=csrf_header(client))
    assert refused.status_code == 405
    await Region.delete().where(Region.code == code)  # reference data is kept between tests
