"""The back office speaks Chinese: schemas, choices, forms, errors naming their field, the page
and its script. (The browser test walks the same screens in Chromium.)"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from admin.labels import TABLE_NAMES
from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role, User
from backend.organisations.tables import Organisation
from tests.factories import TANGGU, make_organisation, make_user
from tests.integration.admin.conftest import JSON, csrf_header

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient
CJK = re.compile(r"[\u4e00-\u9fff]")
NEW_USER = "/admin/api/forms/新建用户/"


async def schema_of(client: Client, table: str) -> dict[str, Any]:
    response = await client.get(f"/admin/api/tables/{table}/schema/", headers=JSON)
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    return schema


@pytest.mark.parametrize("table", sorted(TABLE_NAMES))
async def test_every_column_and_choice_has_a_chinese_name(
    client: Client, admin_user: CurrentUser, table: str
) -> None:
    schema = await schema_of(client, table)
    assert CJK.search(schema["extra"]["help_text"])
    for name, prop in schema["properties"].items():
        assert CJK.search(prop["title"]), f"{table}.{name}: {prop['title']}"
        for choice in (prop["extra"].get("choices") or {}).values():
            assert CJK.search(choice["display_name"]), f"{table}.{name}: {choice}"
    key = schema["extra"]["primary_key_name"]
    assert key in schema["extra"]["visible_column_names"] or "primary_key_title" in schema["extra"]
    # A listed column without a schema entry left piccolo-admin's table blank (a TypeError).
    listed = set(schema["extra"]["visible_column_names"]) - {schema["extra"]["link_column_name"]}
    assert listed <= set(schema["properties"]), listed - set(schema["properties"])


async def test_choices_are_the_vocabularies_by_label(
    client: Client, admin_user: CurrentUser
) -> None:
    users = await schema_of(client, "app_user")
    roles = users["properties"]["role"]["extra"]["choices"]
    assert roles["org_member"] == {"display_name": "组织成员", "value": "org_member"}
    regions = users["properties"]["region_code"]["extra"]["choices"]
    assert regions[TANGGU]["display_name"].endswith("滨海新区 / 塘沽街道")
    assert "password_hash" not in users["properties"]  # a hash is never a form field
    organisations = await schema_of(client, "organisation")
    kinds = organisations["properties"]["kind"]["extra"]["choices"]
    assert {c["display_name"] for c in kinds.values()} == {
        "慈善组织",
        "社工机构",
        "志愿服务队",
        "爱心企业",
    }
    assert not {"service_regions", "focus_categories"} & set(organisations["properties"])
    members = await schema_of(client, "membership")
    assert members["properties"]["role"]["extra"]["choices"]["owner"]["display_name"] == "负责人"
    levels = (await schema_of(client, "region"))["properties"]["level"]["extra"]["choices"]
    assert levels["4"] == {"display_name": "街道（乡镇）", "value": 4}


async def test_the_create_user_form_offers_choices_and_a_password_field(
    client: Client, admin_user: CurrentUser
) -> None:
    org = await make_organisation(name="塘沽互助会")
    form = await client.get("/admin/api/forms/新建用户/schema/", headers=JSON)
    assert form.status_code == 200
    fields = form.json()["properties"]
    assert fields["password"]["format"] == "password"
    roles = fields["role"]["extra"]["choices"]
    assert roles["reviewer"]["display_name"] == "审核人员"
    assert fields["region_code"]["extra"]["choices"][TANGGU]["display_name"].endswith("塘沽街道")
    assert fields["organisation_id"]["extra"]["choices"][org.id]["display_name"] == "塘沽互助会"


async def test_the_form_says_every_problem_by_its_field(
    client: Client, admin_user: CurrentUser
) -> None:
    bad = await client.post(
        NEW_USER,
        json={"username": "ab", "display_name": "", "password": "short"},
        headers=csrf_header(client),
    )
    assert bad.status_code == 422
    lines = bad.json()["custom_form_error"].split("\n")
    assert set(lines) == {"用户名过短", "显示名称过短", "密码至少需要10个字符", "请选择角色"}
    assert await User.count().where(User.username == "ab") == 0

    wrong = await client.post(
        NEW_USER,
        json={"username": "x1x", "display_name": "甲", "password": "p" * 12, "role": "king"},
        headers=csrf_header(client),
    )
    assert wrong.status_code == 422
    assert wrong.json()["detail"] == [
        {"loc": ["role"], "msg": "角色的取值不在允许范围内", "type": "enum"}
    ]

    made = await client.post(
        NEW_USER,
        json={
            "username": "Tanggu.Staff",
            "display_name": "塘沽街道新同事",
            "password": "a-long-enough-secret",
            "role": "staff",
            "region_code": TANGGU,
        },
        headers=csrf_header(client),
    )
    assert made.status_code == 200, made.text
    assert "tanggu.staff" in made.json()["custom_form_success"]
    row = await User.select(User.role, User.region_code).where(User.username == "tanggu.staff")
    assert row == [{"role": "staff", "region_code": TANGGU}]


async def test_an_edit_with_a_wrong_value_names_the_field(
    client: Client, admin_user: CurrentUser
) -> None:
    org = await make_organisation()
    row = await Organisation.select(Organisation.id).where(Organisation.public_id == org.id).first()
    url = f"/admin/api/tables/organisation/{row['id']}/"
    bad = await client.patch(
        url,
        json={"monthly_capacity_fen": "很多", "verified": "也许"},
        headers=csrf_header(client),
    )
    assert bad.status_code == 422
    assert {e["msg"] for e in bad.json()["detail"]} == {
        "每月可投入资金应为整数",
        "已认证应为是或否",
    }
    # piccolo-admin's own English refusals reach the admin in Chinese.
    odd = await client.patch(url, json={"no_such_column": 1}, headers=csrf_header(client))
    assert odd.status_code == 400 and odd.json()["detail"] == "请求有误，请检查填写的内容"
    missing = await client.get("/admin/api/tables/organisation/999999/", headers=JSON)
    assert missing.status_code == 404 and CJK.search(missing.json()["detail"])


async def test_the_page_and_its_script_are_in_chinese(
    client: Client, admin_user: CurrentUser
) -> None:
    page = (await client.get("/admin/", headers={"accept": "text/html"})).text
    script = re.search(r'src="\./assets/(index-[\w-]+\.js)"', page)
    assert script
    bundle = await client.get(f"/admin/assets/{script.group(1)}")
    assert bundle.status_code == 200
    assert bundle.headers["content-type"].startswith("text/javascript")
    body = bundle.text
    assert '"app_user":"用户账号"' in body and "表单有误" in body and "北京时间" in body
    for english in ("The form has errors.", "Successfully saved row", " field - ", '" True "'):
        assert english not in body
    again = await client.get(
        f"/admin/assets/{script.group(1)}", headers={"if-none-match": bundle.headers["etag"]}
    )
    assert again.status_code == 304
    refs = await client.get("/admin/api/tables/app_user/references/", headers=JSON)
    assert refs.json()["references"] == [
        {
            "tableName": "membership",
            "columnName": "user",
            "tableLabel": "组织成员",
            "columnLabel": "用户",
        }
    ]  # and none of the household tables that refer to users


async def test_memberships_name_their_user_and_organisation(
    client: Client, admin_user: CurrentUser
) -> None:
    member = await make_user(Role.org_member)
    rows = (await client.get("/admin/api/tables/membership/?__readable=true", headers=JSON)).json()[
        "rows"
    ]
    (row,) = [r for r in rows if r["user"] == member.id]
    assert row["user_readable"] == f"{member.display_name}（{member.username}）"
    assert CJK.search(row["organisation_readable"])
