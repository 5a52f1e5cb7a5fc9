from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet

from diaryflow.cluster.secrets import TokenCipher, cipher_from_env, new_key
from diaryflow.errors import EXIT_CONFIG, ConfigError

TOKEN = "secret_flowus_0123456789abcdefghijklmnopqrstuvwxyz"


def env(*keys: str) -> dict[str, str]:
    return {"DIARYFLOW_SECRET_KEY": ",".join(keys)}


def test_round_trip() -> None:
    cipher = cipher_from_env(env(new_key()))
    sealed = cipher.encrypt(TOKEN)
    assert cipher.decrypt(sealed) == TOKEN
    assert cipher.decrypt(cipher.encrypt("令牌 ünïcode")) == "令牌 ünïcode"
    assert cipher.encrypt(TOKEN) != sealed  # a fresh IV each time


def test_the_ciphertext_never_contains_the_plaintext() -> None:
    cipher = cipher_from_env(env(new_key()))
    for plaintext in (TOKEN, "sk-12345678", "x" * 300):
        sealed = cipher.encrypt(plaintext)
        raw = base64.urlsafe_b64decode(sealed)
        assert plaintext not in sealed and plaintext.encode() not in raw
        assert base64.urlsafe_b64encode(plaintext.encode()).decode().rstrip("=")[:8] not in sealed


def test_rotation_encrypts_with_the_first_and_decrypts_with_any() -> None:
    old, new = new_key(), new_key()
    sealed_old = cipher_from_env(env(old)).encrypt(TOKEN)
    both = cipher_from_env(env(new, old))
    assert both.decrypt(sealed_old) == TOKEN
    rotated = both.rotate(sealed_old)
    assert cipher_from_env(env(new)).decrypt(rotated) == TOKEN  # the new key alone reads it
    with pytest.raises(ConfigError):
        cipher_from_env(env(old)).decrypt(rotated)
    assert Fernet(new.encode()).decrypt(both.encrypt(TOKEN).encode()).decode() == TOKEN
    assert cipher_from_env({"DIARYFLOW_SECRET_KEY": f" {new} , {old} ,"}).decrypt(rotated) == TOKEN


def test_a_wrong_key_is_one_line_naming_the_setting() -> None:
    key = new_key()
    sealed = cipher_from_env(env(new_key())).encrypt(TOKEN)
    with pytest.raises(ConfigError) as caught:
        cipher_from_env(env(key)).decrypt(sealed)
    message = str(caught.value)
    assert message.startswith("DIARYFLOW_SECRET_KEY: cannot decrypt") and "\n" not in message
    assert key not in message and TOKEN not in message and caught.value.exit_code == EXIT_CONFIG
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    with pytest.raises(ConfigError, match=r"^DIARYFLOW_SECRET_KEY: cannot decrypt"):
        cipher_from_env(env(key)).decrypt("not a fernet token ü")
    with pytest.raises(ConfigError, match=r"^DIARYFLOW_SECRET_KEY: cannot decrypt"):
        cipher_from_env(env(key)).rotate(sealed)


@pytest.mark.parametrize("value", ["", " , ", "not-a-key", new_key()[:-4], f"{new_key()},short"])
def test_a_missing_or_invalid_key_is_one_line_never_echoing_it(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        cipher_from_env({"DIARYFLOW_SECRET_KEY": value})
    message = str(caught.value)
    assert message.startswith("DIARYFLOW_SECRET_KEY: ") and "\n" not in message
    for part in value.split(","):
        if part.strip():
            assert part.strip() not in message
    assert "key 2 of 2" in message if value.endswith(",short") else True


def test_the_cipher_does_not_show_its_keys() -> None:
    key = new_key()
    assert key not in repr(TokenCipher([key])) and key not in str(TokenCipher([key]))
