"""The back office's words: Chinese names of its tables, columns and choices.

Piccolo columns carry no display name and piccolo-admin titles each field from its JSON schema
(made from the column name), shows a choice by its enum member's name ("Org Member") and a
table by its SQL name ("app user"). Rather than put labels into other domains' tables, the
gate rewrites the schemas piccolo-admin serves (``label_schema``) and its interface shows the
table names (``admin.l10n``), so all the wording of the back office lives here. The labels of
the domain's own vocabularies (roles, organisation kinds) are the domains' registries.
"""

from __future__ import annotations

from typing import Any

from backend.accounts.tables import MEMBERSHIP_ROLE_LABELS, ROLE_LABELS
from backend.organisations.tables import ORGANISATION_KIND_LABELS

#: Table name → its Chinese name (sidebar, headings).
TABLE_NAMES: dict[str, str] = {
    "app_user": "用户账号",
    "organisation": "组织",
    "membership": "组织成员",
    "region": "行政区划",
    "login_attempt": "登录记录",
}

#: Table name → what an admin should know about it (the "?" beside its heading).
TABLE_HELP: dict[str, str] = {
    "app_user": (
        "平台账号。新建用户请用左侧「新建用户」表单；账号不能删除，取消勾选「启用」即停用。"
    ),
    "organisation": (
        "慈善组织、社工机构、志愿服务队和爱心企业。服务地区和关注领域请在组织资料页修改。"
    ),
    "membership": "用户与组织的成员关系：负责人可邀请和移除成员。",
    "region": "统计用区划代码树；层级和上级由区划代码决定，新增地区请用左侧「新增地区」表单。",
    "login_attempt": "每一次登录尝试（只读），用于登录限速和审计。",
}

#: Table name → column name → Chinese label.
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "app_user": {
        "id": "编号",
        "username": "用户名",
        "display_name": "显示名称",
        "password_hash": "密码",
        "role": "角色",
        "region_code": "管辖地区",
        "is_active": "启用",
        "created_at": "创建时间",
        "last_login_at": "最近登录",
    },
    "membership": {
        "id": "编号",
        "user": "用户",
        "organisation": "组织",
        "role": "成员角色",
        "created_at": "加入时间",
    },
    "organisation": {
        "id": "编号",
        "public_id": "公开编号",
        "name": "组织名称",
        "kind": "组织类型",
        "uscc": "统一社会信用代码",
        "verified": "已认证",
        "created_at": "登记时间",
        "public_fundraising": "具有公开募捐资格",
        "fundraising_certificate": "公开募捐资格证书编号",
        "service_regions": "服务地区",
        "focus_categories": "关注领域",
        "monthly_capacity_fen": "每月可投入资金（分）",
        "monthly_capacity_hours": "每月可投入服务时长（小时）",
        "suspended": "已暂停",
        "suspended_reason": "暂停原因",
        "verified_at": "认证时间",
    },
    "region": {
        "code": "区划代码",
        "name": "名称",
        "level": "层级",
        "parent_code": "上级区划代码",
    },
    "login_attempt": {
        "id": "编号",
        "username": "用户名",
        "ip": "IP 地址",
        "succeeded": "成功",
        "at": "时间",
    },
}

#: Columns whose help text says more than their label.
COLUMN_HELP: dict[str, dict[str, str]] = {
    "app_user": {"region_code": "仅民政工作人员和审核人员需要：其工作限于该地区及下级地区"},
    "organisation": {"suspended_reason": "暂停组织时必须填写"},
    "region": {"level": "由区划代码决定，不能修改", "parent_code": "由区划代码决定，不能修改"},
}

REGION_LEVEL_LABELS = {1: "省级", 2: "地市级", 3: "区县级", 4: "街道（乡镇）", 5: "社区（村）"}

#: Table name → column name → value → label, for columns with a fixed vocabulary.
CHOICE_LABELS: dict[str, dict[str, dict[Any, str]]] = {
    "app_user": {"role": {str(k): v for k, v in ROLE_LABELS.items()}},
    "organisation": {"kind": {str(k): v for k, v in ORGANISATION_KIND_LABELS.items()}},
    "membership": {"role": {str(k): v for k, v in MEMBERSHIP_ROLE_LABELS.items()}},
    "region": {"level": dict(REGION_LEVEL_LABELS)},
}

#: Columns left out of a table's form: edited on a page that understands them.
HIDDEN_FIELDS: dict[str, frozenset[str]] = {
    # Only ever an argon2 hash, made by the accounts service; passwords are set elsewhere.
    "app_user": frozenset({"password_hash"}),
    # Lists of region codes and categories: the organisation's profile page offers them as
    # checkboxes by name (/organisations/{id}/edit).
    "organisation": frozenset({"service_regions", "focus_categories"}),
}


def choices(labels: dict[Any, str]) -> dict[str, dict[str, Any]]:
    """piccolo-admin's shape of a choice list (keyed by value: two regions may share a name)."""
    return {str(value): {"display_name": label, "value": value} for value, label in labels.items()}


def label_schema(
    tablename: str, schema: dict[str, Any], dynamic: dict[str, dict[Any, str]] | None = None
) -> dict[str, Any]:
    """A table's JSON schema as piccolo-admin serves it, in Chinese: column titles, help
    texts, choices by label (``dynamic``: choices read from the database, such as regions)."""
    properties: dict[str, Any] = schema.get("properties") or {}
    for name in HIDDEN_FIELDS.get(tablename, frozenset()):
        properties.pop(name, None)
    labels = COLUMN_LABELS.get(tablename, {})
    helps = COLUMN_HELP.get(tablename, {})
    vocabularies = {**CHOICE_LABELS.get(tablename, {}), **(dynamic or {})}
    for name, prop in properties.items():
        if not isinstance(prop, dict):
            continue
        prop["title"] = labels.get(name, prop.get("title", name))
        extra = prop.setdefault("extra", {})
        if name in helps:
            extra["help_text"] = helps[name]
        if name in vocabularies:
            extra["choices"] = choices(vocabularies[name])
    extra = schema.get("extra")
    if isinstance(extra, dict):
        if tablename in TABLE_HELP:
            extra["help_text"] = TABLE_HELP[tablename]
        key = extra.get("primary_key_name")
        if key in labels:
            extra["primary_key_title"] = labels[key]
    return schema


def label_form_schema(schema: dict[str, Any], dynamic: dict[str, dict[Any, str]]) -> dict[str, Any]:
    """A custom form's JSON schema with the choices read from the database."""
    for name, prop in (schema.get("properties") or {}).items():
        if name in dynamic and isinstance(prop, dict):
            prop.setdefault("extra", {})["choices"] = choices(dynamic[name])
    return schema


def label_references(answer: dict[str, Any]) -> dict[str, Any]:
    """The tables that refer to a row, as the edit page offers them: only the back office's
    own (the others, household data among them, are not here to open), named in Chinese."""
    kept = []
    for reference in answer.get("references") or []:
        table, column = reference.get("tableName"), reference.get("columnName")
        if table in TABLE_NAMES:
            label = COLUMN_LABELS.get(table, {}).get(column, column)
            kept.append({**reference, "tableLabel": TABLE_NAMES[table], "columnLabel": label})
    return {**answer, "references": kept}
