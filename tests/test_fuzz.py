"""The API fuzzed from its own OpenAPI document (schemathesis) against a real server: no 500s.

Bounded for CI by FUZZ_EXAMPLES (examples per operation, default 10); raise it for a soak run:
`FUZZ_EXAMPLES=200 .venv/bin/pytest -m slow tests/test_fuzz.py`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import project_root
from tests.servers import free_port, read_key, serve, wait_ready

pytestmark = pytest.mark.slow


def test_no_generated_request_makes_a_server_error(
    scratch_database_url: str, tmp_path: Path
) -> None:
    st = Path(sys.executable).with_name("st")
    assert st.exists() or shutil.which("st"), "schemathesis is part of the dev extra"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    server = serve(scratch_database_url, port, log)
    try:
        key = read_key(server, timeout=60)
        wait_ready(base, timeout=30)
        run = subprocess.run(
            [
                str(st),
                "run",
                f"{base}/openapi.json",
                "--header",
                f"Authorization: Bearer {key}",
                "--checks",
                "not_a_server_error",
                "--phases",
                "examples,fuzzing",
                "--max-examples",
                os.environ.get("FUZZ_EXAMPLES", "10"),
                "--seed",
                "42",
                "--request-timeout",
                "30",
            ],
            cwd=project_root(),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        assert server.stdout is not None
        server.stdout.close()
    output = run.stdout + run.stderr
    assert "test cases:" in output.lower(), output[-3000:]
    assert "Server error" not in output, output[-5000:]
    assert '"unhandled exception"' not in log.read_text(), log.read_text()[-5000:]
