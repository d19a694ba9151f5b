"""A real service process for end-to-end tests: started as `make run` starts it."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.conftest import project_root

KEY_LINE = re.compile(r"^\s+(aas_[A-Za-z0-9_-]{40,})\s*$")
LINK_LINE = re.compile(r"^\s+(\S+/reset-password#token=[A-Za-z0-9_-]{40,})\s*$")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_key(process: subprocess.Popen[str], timeout: float) -> str:
    """The key line of the server's stdout, read by a thread so a silent server cannot hang us."""
    return read_first_start(process, timeout)[0]


def stdout_lines(process: subprocess.Popen[str]) -> queue.Queue[str]:
    """The server's stdout line by line, read by a thread so a silent server cannot hang us."""
    stdout = process.stdout
    assert stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def read_first_start(process: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """The admin key and the first admin's sign-in link printed on a first start."""
    lines = stdout_lines(process)
    deadline = time.monotonic() + timeout
    key = None
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        if key is None and (match := KEY_LINE.match(line)):
            key = match.group(1)
        elif key is not None and (match := LINK_LINE.match(line)):
            return key, match.group(1)
    raise AssertionError("the server printed no first admin key and sign-in link")


def wait_ready(base: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server never became ready")


def serve(database: str, port: int, log: Path, **settings: str) -> subprocess.Popen[str]:
    """`python -m app serve`; `settings` are more environment variables (APP_...)."""
    env = {**os.environ, "APP_DATABASE_URL": database, "APP_PORT": str(port), **settings}
    with log.open("w") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "app", "serve"],
            cwd=project_root(),
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )


def outbox_worker(database_url: str, **settings: str) -> subprocess.Popen[bytes]:
    """`python -m app worker` with the tests' outbox key and a quick poll; `settings` are more
    APP_... variables. Outbox, SMTP and webhook variables of this environment are left out."""
    inherited = ("APP_SMTP_", "APP_OUTBOX", "APP_WEBHOOK")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(inherited)},
        "APP_DATABASE_URL": database_url,
        "APP_OUTBOX_KEY": "test-outbox-key",  # the tests' settings seal with this key
        "APP_OUTBOX_POLL_SECONDS": "0.2",
        **settings,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app", "worker"],
        cwd=project_root(),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
