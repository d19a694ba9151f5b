"""End to end through a real uvicorn process, as `make run` starts it: first key, ready, use."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import project_root
from tests.databases import fresh_database

KEY_LINE = re.compile(r"^\s+(aas_[A-Za-z0-9_-]{40,})\s*$")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _read_key(process: subprocess.Popen[str], timeout: float) -> str:
    """The key line of the server's stdout, read by a thread so a silent server cannot hang us."""
    stdout = process.stdout
    assert stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        match = KEY_LINE.match(line)
        if match:
            return match.group(1)
    raise AssertionError("the server printed no first admin key")


def _wait_ready(base: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server never became ready")


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp_path, "e2e") as url:
        yield url


def _serve(database: str, port: int, log: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "APP_DATABASE_URL": database, "APP_PORT": str(port)}
    with log.open("w") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "app", "serve"],
            cwd=project_root(),
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )


def test_first_start_prints_a_working_admin_key_once(database: str, tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _serve(database, port, tmp_path / "first.log")
    try:
        key = _read_key(process, timeout=60)
        _wait_ready(base, timeout=30)
        headers = {"Authorization": f"Bearer {key}"}
        created = httpx.post(
            f"{base}/v1/ai-systems",
            headers=headers,
            json={
                "name": "Chatbot",
                "purpose": "Answers customers",
                "owner": "CX",
                "sourcing": "bought",
            },
        )
        assert created.status_code == 201, created.text
        listed = httpx.get(f"{base}/v1/ai-systems", headers=headers)
        assert [s["name"] for s in listed.json()["items"]] == ["Chatbot"]
        assert httpx.get(f"{base}/docs").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=20)
        assert process.stdout is not None
        process.stdout.close()
    logs = (tmp_path / "first.log").read_text()
    assert '"path": "/v1/ai-systems"' in logs  # JSON access log with the request path
    assert key not in logs

    # The second start finds the organisation and prints no key.
    port = _free_port()
    again = _serve(database, port, tmp_path / "second.log")
    try:
        _wait_ready(f"http://127.0.0.1:{port}", timeout=60)
    finally:
        again.terminate()
        out, _ = again.communicate(timeout=20)
    assert "aas_" not in out
