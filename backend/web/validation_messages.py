"""Pydantic's error types said in Chinese, shared by the API error shape and the web forms.

``{label}`` is the field's title. A message that already holds Chinese (our own validators'
``PydanticCustomError``) is used as it is.
"""

import re

CJK = re.compile(r"[\u4e00-\u9fff]")

PYDANTIC_MESSAGES = {
    "missing": "缺少必填字段：{label}",
    "string_too_short": "{label}过短",
    "string_too_long": "{label}过长",
    "string_pattern_mismatch": "{label}格式不正确",
    "string_type": "{label}应为文本",
    "int_parsing": "{label}应为整数",
    "int_from_float": "{label}应为整数",
    "int_type": "{label}应为整数",
    "bool_parsing": "{label}应为是或否",
    "enum": "{label}的取值不在允许范围内",
    "literal_error": "{label}的取值不在允许范围内",
    "greater_than_equal": "{label}过小",
    "greater_than": "{label}须大于零",
    "less_than_equal": "{label}过大",
    "less_than": "{label}过大",
    "date_from_datetime_parsing": "{label}应为日期，如 2025-03-01",
    "date_parsing": "{label}应为日期，如 2025-03-01",
    "too_short": "{label}至少须填写一项",
    "too_long": "{label}项数过多",
    "extra_forbidden": "不允许的字段：{label}",
    "model_type": "请求体应为 JSON 对象",
    "dict_type": "请求体应为 JSON 对象",
}
