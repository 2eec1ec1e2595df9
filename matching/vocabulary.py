"""The words of the domain, each with the Chinese label people see.

Plain enums, shared by the core rules and the backend, so a category or a grant kind is spelt
one way everywhere.
"""

from __future__ import annotations

from enum import StrEnum


class Programme(StrEnum):
    """Basic-living programme the household is in (基本生活救助)."""

    dibao = "dibao"  # 最低生活保障
    tekun = "tekun"  # 特困人员救助供养
    low_income = "low_income"  # 低收入家庭
    expenditure = "expenditure"  # 支出型困难家庭
    none = "none"


PROGRAMME_LABELS = {
    Programme.dibao: "低保",
    Programme.tekun: "特困",
    Programme.low_income: "低收入",
    Programme.expenditure: "支出型困难",
    Programme.none: "无",
}


class GrantKind(StrEnum):
    """Government assistance already granted to a case."""

    temporary_emergency = "temporary_emergency"  # 临时救助（急难型）
    temporary_expenditure = "temporary_expenditure"  # 临时救助（支出型）
    medical = "medical"
    education = "education"
    housing = "housing"
    employment = "employment"
    other = "other"


GRANT_KIND_LABELS = {
    GrantKind.temporary_emergency: "临时救助（急难型）",
    GrantKind.temporary_expenditure: "临时救助（支出型）",
    GrantKind.medical: "医疗救助",
    GrantKind.education: "教育救助",
    GrantKind.housing: "住房救助",
    GrantKind.employment: "就业救助",
    GrantKind.other: "其他救助",
}

TEMPORARY_ASSISTANCE = frozenset({GrantKind.temporary_emergency, GrantKind.temporary_expenditure})


class NeedCategory(StrEnum):
    medical = "medical"
    education = "education"
    housing = "housing"
    living = "living"
    employment = "employment"
    care = "care"
    psychological = "psychological"
    other = "other"


NEED_CATEGORY_LABELS = {
    NeedCategory.medical: "医疗",
    NeedCategory.education: "教育",
    NeedCategory.housing: "住房",
    NeedCategory.living: "基本生活",
    NeedCategory.employment: "就业",
    NeedCategory.care: "照料",
    NeedCategory.psychological: "心理疏导",
    NeedCategory.other: "其他",
}


class NeedKind(StrEnum):
    money = "money"
    goods = "goods"
    service = "service"


NEED_KIND_LABELS = {NeedKind.money: "资金", NeedKind.goods: "物资", NeedKind.service: "服务"}


class Urgency(StrEnum):
    urgent = "urgent"  # 急难
    normal = "normal"  # 一般


URGENCY_LABELS = {Urgency.urgent: "急难", Urgency.normal: "一般"}


class Sex(StrEnum):
    male = "male"
    female = "female"


SEX_LABELS = {Sex.male: "男", Sex.female: "女"}


class ReviewCycle(StrEnum):
    yearly = "yearly"
    half_yearly = "half_yearly"


REVIEW_CYCLE_LABELS = {ReviewCycle.yearly: "每年复核", ReviewCycle.half_yearly: "每半年复核"}


def review_cycle_for(programme: Programme, income_stable: bool) -> ReviewCycle:
    """特困 and stable 低保/低收入 households are re-checked yearly; the rest every six months."""
    if programme == Programme.tekun or income_stable:
        return ReviewCycle.yearly
    return ReviewCycle.half_yearly


class AuditAction(StrEnum):
    """What an audit entry records: an access to personal data or to the audit log itself."""

    case_create = "case.create"
    case_view = "case.view"
    case_search = "case.search"
    case_grant = "case.grant"
    case_reverify = "case.reverify"
    referral_create = "referral.create"
    referral_view = "referral.view"
    referral_update = "referral.update"
    referral_review = "referral.review"
    relative_declare = "relative.declare"
    disbursement_evidence = "disbursement.evidence"
    audit_export = "audit.export"


AUDIT_ACTION_LABELS = {
    AuditAction.case_create: "登记救助对象",
    AuditAction.case_view: "查看救助对象",
    AuditAction.case_search: "检索救助对象",
    AuditAction.case_grant: "登记救助记录",
    AuditAction.case_reverify: "复核救助对象",
    AuditAction.referral_create: "创建转介",
    AuditAction.referral_view: "查看转介原文",
    AuditAction.referral_update: "修改转介",
    AuditAction.referral_review: "审核转介",
    AuditAction.relative_declare: "近亲属备案",
    AuditAction.disbursement_evidence: "下载拨付证明",
    AuditAction.audit_export: "导出审计日志",
}

#: Audit actions whose detail is a code of a vocabulary (a grant's kind), shown by its label.
AUDIT_DETAIL_LABELS: dict[AuditAction, dict[GrantKind, str]] = {
    AuditAction.case_grant: GRANT_KIND_LABELS,
}
