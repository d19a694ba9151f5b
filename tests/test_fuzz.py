"""The API fuzzed from its own OpenAPI document (schemathesis) against a real server: every check
(`--checks all`: no 500s, documented statuses, headers and content types, schema-conforming
responses, valid data accepted, invalid data rejected, 405 with Allow, required headers) in every
phase (examples, coverage, fuzzing, stateful), with 0 failures.

What the run narrows, and why, is in tests/schemathesis.toml; its hooks are tests/fuzz_hooks.py.
Bounded for CI by FUZZ_EXAMPLES (examples per operation, default 10); raise it for a soak run:
`FUZZ_EXAMPLES=200 .venv/bin/pytest -m slow tests/test_fuzz.py`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import project_root
from tests.servers import free_port, read_key, serve, wait_ready

pytestmark = pytest.mark.slow


def test_every_schemathesis_check_passes_on_every_operation(
    scratch_database_url: str, tmp_path: Path
) -> None:
    st = Path(sys.executable).with_name("st")
    assert st.exists() or shutil.which("st"), "schemathesis is part of the dev extra"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    # No outbox worker: the webhooks the run subscribes point at made-up hosts to leave alone.
    server = serve(scratch_database_url, port, log, APP_OUTBOX_WORKER_IN_PROCESS="false")
    try:
        key = read_key(server, timeout=60)
        wait_ready(base, timeout=30)
        run = subprocess.run(
            [
                str(st),
                "--config-file",
                str(project_root() / "tests" / "schemathesis.toml"),
                "run",
                f"{base}/openapi.json",
                "--header",
                f"Authorization: Bearer {key}",
                "--checks",
                "all",
                "--phases",
                "examples,coverage,fuzzing,stateful",
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
    summary = re.search(r"(\d+) generated, (\d+) (?:passed|found)", output)
    assert summary is not None, output[-3000:]
    assert int(summary.group(1)) > 1000, "too few cases to mean anything: " + summary.group(0)
    assert run.returncode == 0, output[-20000:]
    assert re.search(r"\d+ failures?\b", output) is None, output[-20000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", output)
    tested = re.search(r"Tested: (\d+)", output)
    assert selected is not None, output[-3000:]
    assert tested is not None, output[-3000:]
    assert selected.group(1) == selected.group(2) == tested.group(1), "every operation is tested"
    assert '"unhandled exception"' not in log.read_text(), log.read_text()[-5000:]
