"""`python -m app serve`: bind the listening socket first, say which address it really got, then
hand it to uvicorn (one process, or a supervisor with several worker processes)."""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class BindError(RuntimeError):
    """The address cannot be listened on (taken, or not ours)."""


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket on host:port; port 0 takes any free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise BindError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}. Choose another port with "
            "--port or APP_PORT (--port 0 takes any free one)."
        ) from exc
    sock.set_inheritable(True)
    return sock


def base_url(sock: socket.socket) -> str:
    """The URL a client on this machine reaches the bound socket with."""
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):  # noqa: S104 (naming the wildcard, not binding it)
        host = "127.0.0.1" if host == "0.0.0.0" else "::1"  # noqa: S104
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def banner(sock: socket.socket, workers: int) -> str:
    url = base_url(sock)
    bound_host = sock.getsockname()[0]
    wildcard = " (all interfaces)" if bound_host in ("0.0.0.0", "::") else ""  # noqa: S104
    processes = f", {workers} worker processes" if workers > 1 else ""
    return f"Serving on {url}{wildcard}{processes}: API docs at {url}/docs, health at {url}/readyz"


def share_metrics(workers: int, environ: dict[str, str] | None = None) -> Path | None:
    """With several worker processes, give prometheus-client's multiprocess mode a fresh
    directory unless the operator named one (theirs is never wiped: other processes may be
    writing to it). Returns the directory made, if any."""
    env = os.environ if environ is None else environ
    if workers < 2 or env.get(MULTIPROC_ENV):
        return None
    made = Path(tempfile.mkdtemp(prefix="app-metrics-"))
    env[MULTIPROC_ENV] = str(made)
    return made


def run(sock: socket.socket, *, workers: int) -> None:
    """Serve the app on `sock` until stopped (uvicorn's own signal handling); the banner goes
    out once the app has started (with several workers, once the supervisor starts them)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            print(banner(sock, workers), flush=True)

    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=None,
        # uvicorn would believe X-Forwarded-For from 127.0.0.1; the app trusts only the
        # proxies in APP_TRUSTED_PROXIES (see app.main).
        proxy_headers=False,
    )
    if workers > 1:
        print(banner(sock, workers), flush=True)
        Multiprocess(config, sockets=[sock]).run()
        return
    server = AnnouncingServer(config)
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(3)  # uvicorn's own exit status for a failed start-up
