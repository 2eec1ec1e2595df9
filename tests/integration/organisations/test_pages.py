"""The organisation pages without a browser: registration round trips (errors beside fields,
typed values kept, money in yuan), the queue, members and invitations, the navigation, and no
personal data in anything an organisation reads."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import httpx
import pytest

from backend.accounts.tables import Membership, MembershipRole, Role, User
from backend.organisations.tables import Invitation, Organisation
from tests.cases_factory import create_case
from tests.factories import (
    JIANGBEI,
    PASSWORD,
    TANGGU,
    api_token,
    csrf_token,
    make_user,
    valid_uscc,
    web_login,
)
from tests.integration.organisations.helpers import make_registered
from tests.people import member

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient


def _form(**overrides: str) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "name": "塘沽暖心社工服务中心",
        "kind": "social_work",
        "uscc": valid_uscc(),
        "fundraising_certificate": "",
        "service_regions": [TANGGU, JIANGBEI],
        "focus_categories": ["care", "psychological"],
        "monthly_capacity_fen": "1,234.56",
        "monthly_capacity_hours": "80",
        "owner_username": "nuanxin",
        "owner_display_name": "暖心中心负责人",
        "owner_password": PASSWORD,
    }
    form.update(overrides)
    return form


async def _post_register(client: Client, form: dict[str, str | list[str]]) -> httpx.Response:
    token = await csrf_token(client, "/organisations/register")
    return await client.post(
        "/organisations/register",
        data={**form, "_csrf_token": token},
        follow_redirects=False,
    )


def _checked(html: str, name: str) -> set[str]:
    found = re.findall(rf'name="{name}" value="([^"]+)" checked', html)
    return set(found)


async def test_registration_page_round_trip(client: Client) -> None:
    page = await client.get("/organisations/register")
    assert page.status_code == 200
    assert "组织注册" in page.text and 'name="owner_password"' in page.text

    good = valid_uscc()
    bad_uscc = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = await _post_register(
        client, _form(uscc=bad_uscc, public_fundraising="on", owner_password="1234567890")
    )
    assert response.status_code == 400
    html = unescape(response.text)
    assert 'role="alert"' in html
    # each error sits beside its field, which is marked invalid and described by it
    for field, message in (
        ("uscc", "统一社会信用代码校验位错误"),
        ("public_fundraising", "只有慈善组织可以具有公开募捐资格"),
        ("owner_password", "密码太简单"),
    ):
        assert re.search(
            rf'id="{field}-error"><span class="sr-only">错误：</span>{message}', html
        ), field
        assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error"', html), field
    # what was typed is shown again, except the password
    assert 'value="塘沽暖心社工服务中心"' in html
    assert 'value="1,234.56"' in html
    assert 'value="nuanxin"' in html
    assert _checked(html, "service_regions") == {TANGGU, JIANGBEI}
    assert _checked(html, "focus_categories") == {"care", "psychological"}
    assert "1234567890" not in html
    assert await Organisation.count() == 0 and await User.count() == 0

    response = await _post_register(client, _form())
    assert response.status_code == 303, response.text
    org = await Organisation.select().first()
    assert org is not None
    assert response.headers["location"] == f"/organisations/{org['public_id']}"
    assert org["monthly_capacity_fen"] == 123_456  # yuan typed, fen stored, exactly
    assert org["monthly_capacity_hours"] == 80
    assert org["verified"] is False
    # the owner is logged in and finds their organisation in the navigation
    profile = await client.get(response.headers["location"])
    assert "暖心中心负责人" in profile.text
    assert "尚未通过民政部门认证" in profile.text
    assert "¥1,234.56" in profile.text
    assert 'href="/organisations/mine"' in profile.text
    mine = await client.get("/organisations/mine", follow_redirects=False)
    assert mine.headers["location"] == f"/organisations/{org['public_id']}"


async def test_registration_page_field_errors(client: Client) -> None:
    response = await _post_register(
        client,
        _form(
            kind="charity",
            public_fundraising="on",
            service_regions=[],
            monthly_capacity_fen="12.345",
            owner_username="nuanxin",
            owner_password="nuanxin-2026-pw",
        ),
    )
    assert response.status_code == 400
    html = unescape(response.text)
    assert re.search(r'id="fundraising_certificate-error">.*请填写公开募捐资格证书编号', html)
    assert re.search(r'id="service_regions-error">.*服务地区至少须填写一项', html)
    assert re.search(r'id="monthly_capacity_fen-error">.*金额最多保留两位小数', html)
    assert re.search(r'id="owner_password-error">.*密码不能包含用户名', html)
    assert 'href="#service_regions"' in html  # the summary links to the group

    unknown = await _post_register(client, _form(service_regions=["120116999000"]))
    assert unknown.status_code == 400
    assert "服务地区不存在：120116999000" in unescape(unknown.text)


async def test_duplicate_credit_code_on_the_page(client: Client) -> None:
    org_id, _ = await make_registered()
    uscc = (await Organisation.select(Organisation.uscc).first() or {})["uscc"]
    response = await _post_register(client, _form(uscc=uscc))
    assert response.status_code == 409
    assert re.search(r'id="uscc-error">.*该统一社会信用代码已登记', unescape(response.text))
    assert await Organisation.count() == 1 and await User.count() == 1
    assert await Organisation.exists().where(Organisation.public_id == org_id)


async def test_navigation_links_by_role(client: Client) -> None:
    anonymous = await client.get("/")
    assert 'href="/organisations/register"' in anonymous.text
    assert 'href="/organisations/review"' not in anonymous.text
    staff = await make_user(Role.staff)
    await web_login(client, staff.username)
    home = await client.get("/")
    assert 'href="/organisations/review"' in home.text
    assert 'href="/organisations/register"' not in home.text
    assert 'href="/organisations/mine"' not in home.text


async def test_staff_verify_and_suspend_on_the_queue_page(client: Client) -> None:
    near, _ = await make_registered(name="近处慈善会", service_regions=[TANGGU])
    await make_registered(name="远处慈善会", service_regions=[JIANGBEI])
    staff = await make_user(Role.staff)
    await web_login(client, staff.username)
    queue = await client.get("/organisations/review")
    assert queue.status_code == 200
    assert "近处慈善会" in queue.text and "远处慈善会" not in queue.text
    token = await csrf_token(client, "/organisations/review")

    verified = await client.post(
        f"/organisations/{near}/verify",
        data={"_csrf_token": token, "status": "pending"},
        follow_redirects=False,
    )
    assert verified.status_code == 303
    assert verified.headers["location"] == "/organisations/review?status=pending"
    after = await client.get("/organisations/review?status=verified")
    assert "已认证：近处慈善会" in after.text and "近处慈善会" in after.text

    blank = await client.post(
        f"/organisations/{near}/suspend",
        data={"_csrf_token": token, "status": "verified", "reason": " "},
    )
    assert blank.status_code == 400
    assert "请填写暂停原因" in blank.text
    assert 'aria-invalid="true"' in blank.text
    assert await Organisation.exists().where(Organisation.suspended.eq(False))

    suspended = await client.post(
        f"/organisations/{near}/suspend",
        data={"_csrf_token": token, "status": "verified", "reason": "年报逾期未公开"},
        follow_redirects=False,
    )
    assert suspended.status_code == 303
    listed = await client.get("/organisations/review?status=suspended")
    assert "年报逾期未公开" in listed.text and "恢复" in listed.text


async def test_the_queue_is_for_staff_and_admins(client: Client) -> None:
    org_id, owner = await make_registered()
    await web_login(client, owner.username)
    assert (await client.get("/organisations/review")).status_code == 403
    anonymous = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with anonymous:
        redirected = await anonymous.get("/organisations/review", follow_redirects=False)
        assert redirected.status_code in (302, 303, 307)
        assert "/login" in redirected.headers["location"]
        # the public profile needs no login
        assert (await anonymous.get(f"/organisations/{org_id}")).status_code == 200


async def test_members_page_invites_and_removes(client: Client) -> None:
    org_id, owner = await make_registered()
    colleague = await make_user(Role.org_member, organisation_id=org_id)
    await web_login(client, owner.username)
    page = await client.get(f"/organisations/{org_id}/members")
    assert page.status_code == 200
    assert colleague.display_name in page.text and "生成邀请链接" in page.text
    token = await csrf_token(client, f"/organisations/{org_id}/members")

    invited = await client.post(
        f"/organisations/{org_id}/members/invite", data={"_csrf_token": token}
    )
    assert invited.status_code == 200
    link = re.search(r'id="invitation-url" type="text" readonly value="([^"]+)"', invited.text)
    assert link and "/invitations/" in link.group(1)
    assert await Invitation.count() == 1

    removed = await client.post(
        f"/organisations/{org_id}/members/{colleague.username}/remove",
        data={"_csrf_token": token},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert (
        f"已移除成员：{colleague.username}" in (await client.get(removed.headers["location"])).text
    )
    assert not await Membership.exists().where(Membership.user == colleague.id)


async def test_a_member_sees_the_list_but_cannot_invite(client: Client) -> None:
    org_id, owner = await make_registered()
    colleague = await make_user(Role.org_member, organisation_id=org_id)
    await web_login(client, colleague.username)
    page = await client.get(f"/organisations/{org_id}/members")
    assert page.status_code == 200
    assert owner.display_name in page.text and "生成邀请链接" not in page.text
    token = await csrf_token(client, f"/organisations/{org_id}/members")
    refused = await client.post(
        f"/organisations/{org_id}/members/invite", data={"_csrf_token": token}
    )
    assert refused.status_code == 404
    assert (await client.get(f"/organisations/{org_id}/edit")).status_code == 404


async def test_invitation_page_joins_once_and_says_why_not(client: Client) -> None:
    org_id, owner = await make_registered(name="塘沽邻里慈善会")
    headers = await api_token(client, owner.username)
    made = await client.post(f"/api/v1/organisations/{org_id}/invitations", headers=headers)
    path = "/invitations/" + made.json()["url"].rsplit("/", 1)[1]

    page = await client.get(path)
    assert page.status_code == 200 and "加入塘沽邻里慈善会" in page.text
    token = await csrf_token(client, path)
    weak = await client.post(
        path,
        data={
            "_csrf_token": token,
            "username": "lin",
            "display_name": "小林",
            "password": "aaaaaaaaaa",
        },
    )
    assert weak.status_code == 400
    assert "密码太简单" in weak.text and 'value="小林"' in weak.text

    joined = await client.post(
        path,
        data={
            "_csrf_token": token,
            "username": "lin",
            "display_name": "小林",
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert joined.status_code == 303
    assert joined.headers["location"] == f"/organisations/{org_id}"
    welcome = await client.get(joined.headers["location"])
    assert "欢迎加入塘沽邻里慈善会" in welcome.text and "小林" in welcome.text
    assert await Membership.exists().where(
        (Membership.user.username == "lin") & (Membership.role == MembershipRole.member)
    )

    used = await client.get(path)
    assert used.status_code == 410
    assert "该邀请链接已被使用" in used.text

    org = await Organisation.select(Organisation.id).where(Organisation.public_id == org_id).first()
    assert org is not None
    now = datetime.now(UTC)
    await Invitation.insert(
        Invitation(
            organisation=org["id"],
            token_hash=hashlib.sha256(b"old-link").hexdigest(),
            created_by=owner.id,
            created_at=now - timedelta(days=10),
            expires_at=now - timedelta(days=3),
        )
    )
    expired = await client.get("/invitations/old-link")
    assert expired.status_code == 410 and "该邀请链接已过期" in expired.text
    unknown = await client.get("/invitations/not-a-link")
    assert unknown.status_code == 404 and "邀请链接无效" in unknown.text


async def test_owner_edits_on_the_page(client: Client) -> None:
    org_id, owner = await make_registered(verified=True, service_regions=[TANGGU])
    await web_login(client, owner.username)
    form = await client.get(f"/organisations/{org_id}/edit")
    assert form.status_code == 200
    assert _checked(form.text, "service_regions") == {TANGGU}
    assert 'value="50000.00"' in form.text
    token = await csrf_token(client, f"/organisations/{org_id}/edit")
    data: dict[str, str | list[str]] = {
        "_csrf_token": token,
        "name": "改名后的慈善会",
        "public_fundraising": "on",
        "fundraising_certificate": "",
        "service_regions": [JIANGBEI],
        "focus_categories": ["living"],
        "monthly_capacity_fen": "",
        "monthly_capacity_hours": "10",
    }
    missing = await client.post(f"/organisations/{org_id}/edit", data=data)
    assert missing.status_code == 400
    assert re.search(r'id="fundraising_certificate-error">.*证书编号', missing.text)
    assert 'value="改名后的慈善会"' in missing.text

    saved = await client.post(
        f"/organisations/{org_id}/edit",
        data={**data, "fundraising_certificate": "津民证字第9号"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    profile = await client.get(saved.headers["location"])
    assert "已保存组织资料" in profile.text and "需重新认证" in profile.text
    row = await Organisation.select().first()
    assert row is not None
    assert (row["name"], row["verified"], row["monthly_capacity_fen"]) == (
        "改名后的慈善会",
        False,
        0,
    )


async def test_organisations_never_see_personal_data(client: Client) -> None:
    """Everything an organisation reads about itself, its members and its invitations, with a
    household on the platform, holds none of that household's facts."""
    staff = await make_user(Role.staff)
    household = [
        member(head=True, full_name="赵桂兰", phone="13912345678", address="塘沽街道福州道88号"),
        member(relation="子女", full_name="赵小宝", school="塘沽第三小学四年级二班"),
    ]
    await create_case(client, await api_token(client, staff.username), members=household)
    secrets = [
        str(value)
        for person in household
        for key, value in person.items()
        if key in {"name", "id_number", "phone", "address", "school"}
    ]

    org_id, owner = await make_registered()
    headers = await api_token(client, owner.username)
    api = "/api/v1/organisations"
    invitation = await client.post(f"{api}/{org_id}/invitations", headers=headers)
    token = invitation.json()["url"].rsplit("/", 1)[1]
    responses = [
        invitation,
        await client.get(f"{api}/{org_id}"),
        await client.get(f"{api}/{org_id}/members", headers=headers),
        await client.patch(f"{api}/{org_id}", json={"monthly_capacity_hours": 3}, headers=headers),
        await client.get(f"/api/v1/invitations/{token}"),
        await client.post(
            f"{api}/register",
            json={
                "name": "另一家慈善会",
                "kind": "charity",
                "uscc": valid_uscc(),
                "service_regions": [TANGGU],
                "owner_username": "another",
                "owner_display_name": "另一位负责人",
                "owner_password": PASSWORD,
            },
        ),
    ]
    await web_login(client, owner.username)
    for path in (
        "/",
        f"/organisations/{org_id}",
        f"/organisations/{org_id}/edit",
        f"/organisations/{org_id}/members",
        "/needs",
    ):
        responses.append(await client.get(path))
    responses.append(await client.get(f"/invitations/{token}"))
    for response in responses:
        assert response.status_code < 400, (response.request.url, response.status_code)
        text = unescape(response.text)
        for secret in secrets:
            assert secret not in text, (response.request.url, secret)
        assert "argon2" not in text and "password_hash" not in text
        assert "token_hash" not in text


async def test_the_form_names_regions_and_asks_for_a_blank_password(client: Client) -> None:
    page = await client.get("/organisations/register")
    for group in ("天津市滨海新区", "重庆市江北区", "泰安市泰山区"):
        assert f"<summary>{group}</summary>" in page.text
    response = await _post_register(client, _form(owner_password=""))
    assert response.status_code == 400
    assert re.search(r'id="owner_password-error">.*请填写负责人密码', unescape(response.text))


async def test_the_edit_form_asks_only_charities_about_fundraising(client: Client) -> None:
    org_id, owner = await make_registered(kind="volunteer_team", public_fundraising=False)
    await web_login(client, owner.username)
    form = await client.get(f"/organisations/{org_id}/edit")
    assert form.status_code == 200
    assert 'name="public_fundraising"' not in form.text
    assert 'name="service_regions"' in form.text
