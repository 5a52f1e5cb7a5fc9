"""Where the state database lives: a SQLite path or URL, or a PostgreSQL URL; never shown with
its password."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from diaryflow.errors import DatabaseUrlError

# The setting a database URL comes from, as the error messages name it.
DATABASE_URL = "DIARYFLOW_DATABASE_URL"
EXPECTED = "expected postgresql://user@host:port/database, sqlite:///path or a file path"
_SECRET_PARAMS = frozenset({"password", "sslpassword"})


@dataclass(frozen=True)
class PostgresUrl:
    """A PostgreSQL URL: ``url`` holds any password, ``shown`` masks it."""

    url: str
    shown: str

    def __repr__(self) -> str:
        return f"PostgresUrl({self.shown!r})"


def locate(target: str | Path, setting: str = DATABASE_URL) -> Path | PostgresUrl:
    """The SQLite file or PostgreSQL URL ``target`` names; DatabaseUrlError when malformed."""
    if isinstance(target, Path):
        return target
    text = target.strip()
    if not text:
        raise DatabaseUrlError(setting, None, f"is empty: {EXPECTED}")
    scheme, sep, rest = text.partition("://")
    if not sep:
        return Path(text)
    scheme = scheme.lower()
    if scheme == "sqlite":
        # As SQLAlchemy spells it: sqlite:///relative.db, sqlite:////absolute.db.
        if not rest.startswith("/") or rest == "/":
            raise DatabaseUrlError(setting, text, f"a SQLite URL names a file: {EXPECTED}")
        return Path(rest[1:])
    if scheme in ("postgresql", "postgres"):
        _check_postgres(text, setting)
        return PostgresUrl(text, masked(text))
    raise DatabaseUrlError(setting, masked(text), EXPECTED)


def _check_postgres(text: str, setting: str) -> None:
    try:
        parts = urlsplit(text)
        _ = parts.port  # a port that is no number raises here
    except ValueError as exc:
        raise DatabaseUrlError(setting, masked(text), f"{exc}: {EXPECTED}") from None
    if not parts.hostname and "host=" not in parts.query:
        raise DatabaseUrlError(setting, masked(text), f"no host: {EXPECTED}")


def masked(url: str) -> str:
    """``url`` with its password (in the user part or the query) replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        scheme = url.partition("://")[0]
        return f"{scheme}://(unreadable URL)"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{host}"
    query = parts.query
    if query:
        pairs = [(k, "***" if k.lower() in _SECRET_PARAMS else v)
                 for k, v in parse_qsl(query, keep_blank_values=True)]
        query = urlencode(pairs, safe="*")
    # Assembled by hand: urlunsplit drops the "//" of a URL without a host
    # (postgresql:///db?host=/socket/dir), which would no longer read as the same URL.
    text = f"{parts.scheme}://{netloc}{parts.path}"
    return text + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def scrubbed(message: str, url: str) -> str:
    """A driver's error ``message`` on one line, without ``url``'s password anywhere in it."""
    text = " ".join(message.split()).replace(url, masked(url))
    for secret in _secrets(url):
        text = text.replace(secret, "***")
    return text


def _secrets(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found = [parts.password, unquote(parts.password)] if parts.password else []
    found += [v for k, v in parse_qsl(parts.query) if k.lower() in _SECRET_PARAMS and v]
    return found
