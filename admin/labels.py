"""Chinese names for the tables and columns the back office shows.

Piccolo columns carry no display name, and piccolo-admin titles each field from its JSON schema
(pydantic's "Display Name" made from the column name). Rather than add labels to other
domains' tables, the gate (``admin.gate``) rewrites the schema piccolo-admin serves with these
names, so all the wording of the back office lives here.
"""

from __future__ import annotations

from typing import Any

#: Table name → its Chinese name (shown as the table's help text beside its heading).
TABLE_LABELS: dict[str, str] = {
    "app_user": "用户账号",
    "membership": "组织成员关系",
    "organisation": "组织",
    "region": "行政区划",
    "policy_parameter": "政策参数（只读，请在「政策参数」页修改）",
    "audit_entry": "审计日志（只读）",
    "dead_job": "失败任务（只读）",
    "login_attempt": "登录记录（只读）",
}

#: Table name → column name → Chinese label.
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "app_user": {
        "id": "编号",
        "username": "用户名",
        "display_name": "显示名称",
        "password_hash": "密码摘要（不可在此修改）",
        "role": "角色",
        "region_code": "管辖地区代码",
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
        "service_regions": "服务地区（代码列表）",
        "focus_categories": "关注类别",
        "monthly_capacity_fen": "每月可投入资金（分）",
        "monthly_capacity_hours": "每月可投入服务时长（小时）",
        "suspended": "已暂停",
        "suspended_reason": "暂停原因",
        "verified_at": "认证时间",
    },
    "region": {
        "code": "区划代码",
        "name": "名称",
        "level": "层级（1省 2市 3区县 4街道 5社区）",
        "parent_code": "上级区划代码",
    },
    "policy_parameter": {
        "id": "编号",
        "name": "参数名",
        "region_code": "适用地区代码（空为全平台）",
        "value": "取值",
        "effective_from": "生效日期",
        "note": "说明",
        "created_at": "登记时间",
    },
    "audit_entry": {
        "id": "编号",
        "at": "时间",
        "user": "操作人",
        "action": "操作",
        "case": "救助对象编号",
        "detail": "说明",
        "ip": "IP 地址",
    },
    "dead_job": {
        "id": "编号",
        "name": "任务",
        "args": "参数（编号）",
        "error_type": "错误类型",
        "error_message": "错误信息",
        "tries": "尝试次数",
        "failed_at": "失败时间",
    },
    "login_attempt": {
        "id": "编号",
        "username": "用户名",
        "ip": "IP 地址",
        "succeeded": "成功",
        "at": "时间",
    },
}


def label_schema(tablename: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Put the Chinese names into a table's JSON schema as piccolo-admin serves it."""
    labels = COLUMN_LABELS.get(tablename, {})
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict) and name in labels:
            prop["title"] = labels[name]
    extra = schema.get("extra")
    if isinstance(extra, dict) and tablename in TABLE_LABELS and not extra.get("help_text"):
        extra["help_text"] = TABLE_LABELS[tablename]
    return schema
