"""Log scrubbing: the last line of defence for personal data."""

from backend.logging import REDACTED, scrub_personal_data, scrub_text


def test_id_numbers_in_any_written_form_are_redacted() -> None:
    for written in ("110101199003074514", "110101 19900307 4514", "110101-19900307-451X"):
        assert written not in scrub_text(f"身份证 {written} 查询失败")


def test_mobile_numbers_are_redacted() -> None:
    for written in ("13812345678", "+86 138 1234 5678", "138-1234-5678"):
        assert scrub_text(f"电话 {written}") == f"电话 {REDACTED}"


def test_ordinary_numbers_survive() -> None:
    assert scrub_text("user_id=42 duration_ms=13.5 region=120116001001") == (
        "user_id=42 duration_ms=13.5 region=120116001001"
    )


def test_personal_keys_are_redacted_at_any_depth() -> None:
    event = {
        "event": "x",
        "password": "hunter2-hunter2",
        "context": {"name": "张三", "id": 7, "members": [{"phone": "13812345678"}]},
        "note": "联系 13812345678",
    }
    out = scrub_personal_data(None, "info", event)
    assert out["password"] == REDACTED
    assert out["context"]["name"] == REDACTED
    assert out["context"]["members"] == REDACTED
    assert out["context"]["id"] == 7
    assert out["note"] == f"联系 {REDACTED}"
