"""The base of absolute links: ``PUBLIC_BASE_URL``, else the request's address, else the
server's own."""

from __future__ import annotations

from typing import Any

import pytest

from backend.public_url import absolute_url, public_base_url, request_base, serving
from backend.settings import Settings, set_settings


def scope(host: str | None, scheme: str = "http", **extra: Any) -> dict[str, Any]:
    headers = [(b"host", host.encode())] if host is not None else []
    return {"type": "http", "scheme": scheme, "headers": headers, **extra}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (scope("aid.example.org"), "http://aid.example.org"),
        (scope("Aid.Example.ORG:8443", "https"), "https://aid.example.org:8443"),
        (scope("aid.example.org:443", "https"), "https://aid.example.org"),
        (scope("aid.example.org:80"), "http://aid.example.org"),
        (scope("10.0.0.7:8000"), "http://10.0.0.7:8000"),
        (scope("[::1]:8000"), "http://[::1]:8000"),
        (scope("aid.example.org", root_path="/platform/"), "http://aid.example.org/platform"),
        # A malformed Host header is never copied into a page: the server's address instead.
        (scope("evil.example/<script>", server=("127.0.0.1", 9000)), "http://127.0.0.1:9000"),
        (scope("a b", server=("::1", 80)), "http://[::1]"),
        (scope(None, server=("192.0.2.1", 8000)), "http://192.0.2.1:8000"),
        (scope(None), None),
        (scope("aid.example.org", scheme="ws"), None),
    ],
)
def test_request_base(given: dict[str, Any], expected: str | None) -> None:
    assert request_base(given) == expected


def test_setting_wins_then_request_then_server() -> None:
    before = Settings()
    try:
        set_settings(Settings(public_base_url=None, host="0.0.0.0", port=8123))
        assert public_base_url() == "http://127.0.0.1:8123"  # a job: no request to ask
        with serving("https://aid.example.org"):
            assert absolute_url("/disclosure") == "https://aid.example.org/disclosure"
        assert public_base_url() == "http://127.0.0.1:8123"

        set_settings(Settings(public_base_url="https://救助.example.cn/"))
        with serving("http://127.0.0.1:8000"):
            assert absolute_url("/disclosure") == "https://救助.example.cn/disclosure"
    finally:
        set_settings(before)


@pytest.mark.parametrize("bad", ["ftp://aid.example.org", "aid.example.org", "https://x/?a=1"])
def test_setting_must_be_an_http_address(bad: str) -> None:
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL"):
        Settings(public_base_url=bad)


def test_empty_setting_means_unset() -> None:
    assert Settings(public_base_url="  ").public_base_url is None


def test_notification_mail_links_outside_a_request() -> None:
    from backend.notifications.service import compose

    link = "/organisations/abc/recommendations"
    mailed = Settings(smtp_host="smtp.example.cn", public_base_url="https://救助.example.cn")
    text = compose(mailed, "a@example.cn", "新需求", "正文", link).get_content()
    assert f"https://救助.example.cn{link}" in text
    # Unset (development): the address the server listens on, the only one a job knows.
    local = Settings(smtp_host="smtp.example.cn", port=8123)
    assert f"http://127.0.0.1:8123{link}" in compose(local, "a@x.cn", "t", "b", link).get_content()


def test_production_mail_needs_the_public_address() -> None:
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL"):
        Settings(**_production_secrets(), smtp_host="smtp.example.cn")
    Settings(**_production_secrets(), smtp_host="smtp.example.cn", public_base_url="https://a.cn")


def _production_secrets() -> dict[str, Any]:
    import base64

    key = base64.b64encode(b"k" * 32).decode()
    return {
        "environment": "production",
        "session_secret": "s" * 40,
        "data_encryption_keys": f"k1:{key}",
        "blind_index_key": base64.b64encode(b"b" * 32).decode(),
        "ledger_signing_key": base64.b64encode(b"l" * 32).decode(),
    }
