from backend.accounts.passwords import hash_password, needs_rehash, verify_password


def test_argon2id_round_trip() -> None:
    digest = hash_password("correct horse")
    assert digest.startswith("$argon2id$")
    assert verify_password(digest, "correct horse")
    assert not verify_password(digest, "wrong horse")
    assert not needs_rehash(digest)


def test_unknown_user_never_verifies() -> None:
    assert not verify_password(None, "aidbridge-timing-equaliser")
    assert not verify_password("not-a-hash", "anything")
