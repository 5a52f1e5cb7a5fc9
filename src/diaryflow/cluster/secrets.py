"""Tenants' tokens encrypted at rest with Fernet; keys from ``DIARYFLOW_SECRET_KEY``
(comma-separated: the first encrypts, any decrypts, so keys can be rotated)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from diaryflow.errors import ConfigError

ENV_SECRET_KEY = "DIARYFLOW_SECRET_KEY"
MAKE_ONE = (
    "make one with: python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())'"
)


class TokenCipher:
    """Encrypts and decrypts tenants' secrets; never logs or shows a key or a plaintext."""

    def __init__(self, keys: Sequence[str]) -> None:
        fernets = []
        for number, key in enumerate(keys, 1):
            try:
                fernets.append(Fernet(key.strip().encode("ascii")))
            except (ValueError, UnicodeEncodeError):
                which = f"key {number} of {len(keys)}" if len(keys) > 1 else "the key"
                raise ConfigError(
                    ENV_SECRET_KEY, None,
                    f"{which} is not a Fernet key (32 url-safe base64-encoded bytes); {MAKE_ONE}",
                ) from None
        if not fernets:
            raise ConfigError(ENV_SECRET_KEY, None, f"not set: tokens are encrypted with it; "
                              f"{MAKE_ONE}")
        self._fernet = MultiFernet(fernets)

    def __repr__(self) -> str:
        return "TokenCipher(<keys hidden>)"

    def encrypt(self, plaintext: str) -> str:
        """The ciphertext of ``plaintext``, under the first key."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """The plaintext of ``ciphertext``, made under any of the keys."""
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise ConfigError(ENV_SECRET_KEY, None, _CANNOT_DECRYPT) from None

    def rotate(self, ciphertext: str) -> str:
        """``ciphertext`` encrypted again under the first key (made under any of them)."""
        try:
            return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise ConfigError(ENV_SECRET_KEY, None, _CANNOT_DECRYPT) from None


_CANNOT_DECRYPT = (
    "cannot decrypt a stored token: no key given matches the one it was encrypted with "
    "(when rotating, list the new key first and the old one after it, comma-separated)"
)


def cipher_from_env(env: Mapping[str, str]) -> TokenCipher:
    """The cipher for the keys in ``DIARYFLOW_SECRET_KEY`` (comma-separated, newest first)."""
    keys = [key for key in env.get(ENV_SECRET_KEY, "").split(",") if key.strip()]
    return TokenCipher(keys)


def new_key() -> str:
    """A fresh random key for ``DIARYFLOW_SECRET_KEY``."""
    return Fernet.generate_key().decode("ascii")
