"""The platform admin back office: piccolo-admin mounted at /admin for platform admins.

How piccolo-admin's own users relate to AidBridge's: they don't exist. piccolo-admin normally
keeps a ``BaseUser`` table, a sessions table and a login form of its own; here the AidBridge
login is the only door. ``admin.gate.AdminGate`` stands in front of the whole piccolo-admin app
and reads the AidBridge web session; only an active user with the ``admin`` role passes, and
piccolo-admin's private API is given a session backend (``AidBridgeBackend``) that trusts only
the identity the gate placed in the ASGI scope. piccolo-admin's login, password-change and MFA
endpoints are refused and its logout ends the AidBridge session.

Why not mirror each admin into a ``BaseUser`` with a random password and issue a piccolo
session cookie on the way through (the usual way to marry the two)? That would keep a second
credential store and a second session cookie that, stolen, opens the API on its own, and it
would need the piccolo ``user`` and ``session_auth`` apps' tables and migrations only to hold
copies. Trusting the gate has none of that: deactivating a user or changing their role in
AidBridge takes effect on their very next request, and nothing about admins is stored twice.
The one cost is that the swap reaches into piccolo-admin's router (its ``/api`` mount); the
gate fails at start-up if that structure ever changes, and the tests pin it.

Modules: ``site`` (tables, forms, sidebar links), ``rules`` (what may be written, table by
table), ``labels`` (Chinese names), ``gate`` (the door, and the Litestar route).
"""

from admin.gate import admin_mount

__all__ = ["admin_mount"]
