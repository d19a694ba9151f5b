"""End to end through a real uvicorn process, as `make run` starts it: first key, ready, use."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.servers import free_port, read_key, serve, wait_ready


def test_first_start_prints_a_working_admin_key_once(
    scratch_database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = serve(scratch_database_url, port, tmp_path / "first.log")
    try:
        key = read_key(process, timeout=60)
        wait_ready(base, timeout=30)
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
    port = free_port()
    again = serve(scratch_database_url, port, tmp_path / "second.log")
    try:
        wait_ready(f"http://127.0.0.1:{port}", timeout=60)
    finally:
        again.terminate()
        out, _ = again.communicate(timeout=20)
    assert "aas_" not in out
