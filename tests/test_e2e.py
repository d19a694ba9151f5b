"""End to end through a real uvicorn process, as `make run` starts it: first key, ready, use."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.servers import free_port, read_first_start, serve, wait_ready


def test_first_start_prints_a_working_admin_key_once(
    scratch_database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = serve(scratch_database_url, port, tmp_path / "first.log")
    try:
        key, sign_in_link = read_first_start(process, timeout=60)
        wait_ready(base, timeout=90)  # two loaded cores: importing the app can take half a minute
        # The first admin sets a password through the printed link and is signed in.
        assert sign_in_link.startswith("http://127.0.0.1:8000/reset-password#token=")
        token = sign_in_link.partition("#token=")[2]
        signed_in = httpx.post(
            f"{base}/v1/auth/password-reset/complete",
            json={"token": token, "new_password": "a long first password"},
        )
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["role"] == "admin"
        session_cookie = signed_in.cookies["__Host-aas_session"]
        me = httpx.get(f"{base}/v1/me", headers={"Cookie": f"__Host-aas_session={session_cookie}"})
        assert me.json()["kind"] == "person"
        reused = httpx.post(  # the link works once
            f"{base}/v1/auth/password-reset/complete",
            json={"token": token, "new_password": "another long password"},
        )
        assert reused.status_code == 404
        password = httpx.post(
            f"{base}/v1/auth/sign-in",
            json={"email": "admin@localhost", "password": "a long first password"},
        )
        assert password.status_code == 200
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
    assert token not in logs

    # The second start finds the organisation and prints no key.
    port = free_port()
    again = serve(scratch_database_url, port, tmp_path / "second.log")
    try:
        wait_ready(f"http://127.0.0.1:{port}", timeout=60)
    finally:
        again.terminate()
        out, _ = again.communicate(timeout=20)
    assert "aas_" not in out
