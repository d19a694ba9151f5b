"""Serves the built single-page web app at `/`: hashed assets cached for good, every client route
answered with `index.html` (never a path under `/v1`, which stays the API's problem+json 404)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import http_exception_handler

# Scripts only from our origin (no inline script can run); Mantine writes its CSS variables
# into a <style> element, hence inline styles.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
# Prefixes the app never answers with index.html: the API and the service's own documents.
NOT_CLIENT_ROUTES = ("v1/", "v1", "assets/", "docs", "redoc", "openapi.json", "healthz", "readyz")

NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>AI Assessment</title></head><body><main><h1>The web app is not built</h1>
<p>Run <code>make run</code> (it builds the web app) or <code>cd web &amp;&amp; npm ci &amp;&amp;
npx vite build</code>. The API is at <a href="/docs">/docs</a>.</p></main></body></html>"""


def _file_in(root: Path, relative: str) -> Path | None:
    """The file under `root` that `relative` names, or None (also for any path leaving root)."""
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def install_web_app(app: FastAPI, web_dir: Path) -> None:
    """Serve the web app: its assets, and `index.html` for any GET that no route answers.

    Call after `install_error_handlers`: pages are the fallback of its 404.
    """
    root = web_dir.resolve()
    index = root / "index.html"

    @app.api_route("/assets/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def web_asset(path: str) -> Response:
        found = _file_in(root / "assets", path)
        if found is None:
            raise StarletteHTTPException(status_code=404, detail=f"No asset {path}.")
        # Vite names every asset by its content hash: a changed file is a new URL.
        return FileResponse(found, headers={"Cache-Control": IMMUTABLE, **SECURITY_HEADERS})

    async def web_page(request: Request, exc: Exception) -> Response:
        # The fallback runs only where routing found nothing, so every API route keeps its own
        # answers (405, domain 404s) and nothing under /v1 ever becomes a page.
        path = request.url.path.lstrip("/")
        if (
            not isinstance(exc, StarletteHTTPException)
            or exc.status_code != 404
            or exc.detail != "Not Found"
            or request.method not in ("GET", "HEAD")
            or path.startswith(NOT_CLIENT_ROUTES)
        ):
            return await http_exception_handler(request, exc)
        headers = {"Cache-Control": NO_CACHE, **SECURITY_HEADERS}
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers=headers)
        found = _file_in(root, path) if path else None
        if found is not None and found.name != "index.html":
            return FileResponse(found, headers=headers)
        return FileResponse(index, media_type="text/html; charset=utf-8", headers=headers)

    app.add_exception_handler(StarletteHTTPException, web_page)
