"""`python -m app serve` names the address it really listens on, and stops clearly on a taken
port."""

from __future__ import annotations

import queue
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.serving import MULTIPROC_ENV, banner, bind, share_metrics
from tests.conftest import project_root
from tests.servers import serve, stdout_lines, wait_ready

BANNER = re.compile(r"^Serving on (http://127\.0\.0\.1:(\d+)): API docs at \1/docs")


def test_port_0_serves_on_a_free_port_and_says_which(
    scratch_database_url: str, tmp_path: Path
) -> None:
    process = serve(scratch_database_url, 0, tmp_path / "serve.log")
    try:
        lines, seen = stdout_lines(process), []
        deadline = time.monotonic() + 90
        match = None
        while match is None and time.monotonic() < deadline:
            try:
                seen.append(lines.get(timeout=0.5))
            except queue.Empty:
                assert process.poll() is None, (tmp_path / "serve.log").read_text()
                continue
            match = BANNER.match(seen[-1])
        assert match is not None, seen
        base, port = match.group(1), int(match.group(2))
        assert port != 0
        # The first key's hint points at the same place.
        assert any(f"{base}/v1/me" in line for line in seen), seen
        wait_ready(base, timeout=30)
        assert httpx.get(f"{base}/docs").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=20)
        time.sleep(0.2)  # the reader thread sees the end of the pipe
        assert process.stdout is not None
        process.stdout.close()


def test_a_taken_port_stops_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "app", "serve", "--port", str(port), "--no-migrate"],
            cwd=project_root(),
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "", "APP_DATABASE_URL": f"sqlite:///{tmp_path}/unused.db"},
        )
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "--port 0" in done.stderr
    assert "Serving on" not in done.stdout


def test_the_banner_names_the_bound_port_and_the_wildcard() -> None:
    sock = bind("0.0.0.0", 0)
    try:
        port = sock.getsockname()[1]
        text = banner(sock, 3)
        assert text.startswith(f"Serving on http://127.0.0.1:{port} (all interfaces), 3 worker")
    finally:
        sock.close()


def test_several_workers_get_a_metrics_directory_unless_one_is_named(tmp_path: Path) -> None:
    env: dict[str, str] = {}
    assert share_metrics(1, env) is None
    assert env == {}
    made = share_metrics(2, env)
    assert made is not None
    assert made.is_dir()
    assert env[MULTIPROC_ENV] == str(made)
    made.rmdir()
    named = {MULTIPROC_ENV: str(tmp_path)}
    assert share_metrics(4, named) is None
    assert named == {MULTIPROC_ENV: str(tmp_path)}
