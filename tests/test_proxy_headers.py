"""Through a real uvicorn process: forwarded addresses are believed only from trusted proxies,
and an upload the client aborts is logged as a disconnect, not as a server error."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import httpx

from tests.servers import free_port, read_key, serve, wait_ready


def _abort_upload(port: int, token: str) -> None:
    """Send the head of an upload and a part of its body, then hang up."""
    head = (
        "POST /v1/supplier-portal/evidence?filename=report.txt HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        f"Authorization: Invitation {token}\r\n"
        "Content-Type: text/plain\r\n"
        "Content-Length: 100000\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode() + b"x" * 1000)


def test_forwarded_for_from_localhost_does_not_reset_the_portal_limit(
    scratch_database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    process = serve(
        scratch_database_url,
        port,
        log,
        APP_PORTAL_IP_RATE_LIMIT="4/minute",
        APP_EVIDENCE_DIR=str(tmp_path / "evidence"),
    )
    try:
        key = read_key(process, timeout=60)
        wait_ready(base, timeout=30)
        admin = {"Authorization": f"Bearer {key}"}
        supplier = httpx.post(
            f"{base}/v1/suppliers",
            headers=admin,
            json={"name": "Acme AI", "contacts": [{"name": "Dana", "email": "d@acme.example"}]},
        ).json()
        request = httpx.post(
            f"{base}/v1/suppliers/{supplier['id']}/requests",
            headers=admin,
            json={"contact_id": supplier["contacts"][0]["id"], "due_date": "2099-01-01"},
        )
        assert request.status_code == 201, request.text
        found = re.search(r"token=(inv_[A-Za-z0-9_-]+)", request.text)
        assert found is not None, request.text
        _abort_upload(port, found.group(1))
        deadline = time.monotonic() + 10
        while '"path": "/v1/supplier-portal/evidence"' not in log.read_text():
            assert time.monotonic() < deadline, "the aborted upload was never logged"
            time.sleep(0.1)

        statuses = [
            httpx.get(
                f"{base}/v1/supplier-portal",
                headers={
                    "Authorization": "Invitation inv_unknown",
                    "X-Forwarded-For": f"203.0.113.{i}",
                },
            ).status_code
            for i in range(5)
        ]
        # Before: uvicorn believed X-Forwarded-For from 127.0.0.1, so each request was a new
        # client and the limit never bit.
        assert statuses == [404, 404, 404, 429, 429]  # the aborted upload counted too

    finally:
        process.terminate()
        process.wait(timeout=20)
        assert process.stdout is not None
        process.stdout.close()
    logs = log.read_text()
    assert "client disconnected" in logs
    assert "unhandled exception" not in logs
    assert '"status": 500' not in logs
