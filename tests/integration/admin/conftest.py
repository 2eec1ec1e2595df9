"""An httpx client logged in as a platform admin, and the CSRF header piccolo-admin sends."""

from __future__ import annotations

import httpx
import pytest

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role
from tests.factories import make_user, web_login

JSON = {"accept": "application/json"}
HTML = {"accept": "text/html,application/xhtml+xml"}


def csrf_header(client: httpx.AsyncClient) -> dict[str, str]:
    """What piccolo-admin's front end sends: the ``csrftoken`` cookie echoed in a header."""
    token = client.cookies.get("csrftoken")
    assert token, "no CSRF cookie yet"
    return {**JSON, "x-csrftoken": token}


@pytest.fixture
async def admin_user(client: httpx.AsyncClient) -> CurrentUser:
    """An admin logged in on ``client`` through the AidBridge login form."""
    user = await make_user(Role.admin)
    assert (await web_login(client, user.username)).status_code == 303
    return user
