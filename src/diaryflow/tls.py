"""The process's one TLS context, shared by every HTTPS client it opens."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS context httpx would build by default (certifi's CAs, or ``SSL_CERT_FILE`` /
    ``SSL_CERT_DIR``), built once: loading the CA bundle costs more CPU than a whole report's
    requests, and a cluster worker opens new clients for every attempt."""
    return httpx.create_ssl_context()
