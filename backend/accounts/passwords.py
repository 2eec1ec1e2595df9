"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106), and the one
password policy every way of setting a password applies: public registration, invitations,
``POST /api/v1/users``, the admin's create-user form and ``aidbridge create-user``."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic_core import PydanticCustomError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
_COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "0123456789",
        "12345678910",
        "qwertyuiop",
        "1q2w3e4r5t",
        "password123",
        "password1234",
        "passw0rd123",
        "abc1234567",
        "abcd123456",
        "a123456789",
        "woaini1314",
        "iloveyou123",
        "admin12345",
        "aidbridge123",
    }
)


def check_password_policy(password: str, username: str | None = None) -> str:
    """Refuse passwords that are short, blank, guessable or built on the username.

    Raises a ``PydanticCustomError`` (stable code, Chinese message), so schemas call it from a
    field validator and the error lands beside the password field.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PydanticCustomError("password_too_short", f"密码至少需要{MIN_PASSWORD_LENGTH}个字符")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PydanticCustomError("password_too_long", f"密码最多{MAX_PASSWORD_LENGTH}个字符")
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        raise PydanticCustomError("password_blank", "密码不能以空格凑足长度")
    lowered = password.lower()
    if username and len(username) >= 3 and username.lower() in lowered:
        raise PydanticCustomError("password_contains_username", "密码不能包含用户名")
    if password.isdigit() or len(set(lowered)) < 4 or lowered in _COMMON_PASSWORDS:
        raise PydanticCustomError(
            "password_weak", "密码太简单：请不要使用纯数字、重复字符或常见密码"
        )
    return password


_hasher = PasswordHasher()

# Verified against when the username is unknown, so both paths cost one argon2 verification
# and the response time does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("aidbridge-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
