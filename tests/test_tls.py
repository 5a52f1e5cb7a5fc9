"""Every HTTPS client shares the process's one TLS context, which trusts what httpx's default
would: ``SSL_CERT_FILE`` when set, and nothing it does not know."""

from __future__ import annotations

import http.server
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
import trustme

from diaryflow.errors import FlowUsTransportError
from diaryflow.flowus.transport import FlowUsHTTP
from diaryflow.llm.stream import open_client
from diaryflow.tls import tls_context


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [], "code": 0}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on 127.0.0.1 with a certificate from a private CA; (URL, CA file)."""
    authority = trustme.CA()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", ca_file
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def fresh_context(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test builds the context from its own environment, and leaves none behind."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    tls_context.cache_clear()
    yield
    tls_context.cache_clear()


def test_the_context_is_built_once_and_verifies() -> None:
    context = tls_context()
    assert tls_context() is context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_clients_build_no_context_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    tls_context()
    built: list[object] = []
    real = ssl.create_default_context

    def counted(*args: object, **kwargs: object) -> ssl.SSLContext:
        built.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl, "create_default_context", counted)
    FlowUsHTTP("flowus-token", "https://flowus.invalid").close()
    open_client("model-key", "https://model.invalid/v1", 10.0).close()
    assert built == []


def test_both_clients_trust_the_authority_in_ssl_cert_file(
        https_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    url, ca_file = https_server
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    flowus = FlowUsHTTP("flowus-token", url, max_retries=0)
    try:
        assert flowus.request("GET", "/pages/x")["object"] == "list"
    finally:
        flowus.close()
    assert list(open_client("model-key", url + "/v1", 10.0).models.list()) == []


def test_both_clients_refuse_an_unknown_authority(https_server: tuple[str, Path]) -> None:
    url, _ = https_server
    flowus = FlowUsHTTP("flowus-token", url, max_retries=0)
    try:
        with pytest.raises(FlowUsTransportError, match="CERTIFICATE_VERIFY_FAILED"):
            flowus.request("GET", "/pages/x")
    finally:
        flowus.close()
    with pytest.raises(openai.APIConnectionError) as refused:
        open_client("model-key", url + "/v1", 10.0).models.list()
    assert isinstance(refused.value.__cause__, Exception)
    assert "CERTIFICATE_VERIFY_FAILED" in repr(refused.value.__cause__)
