"""The interactive API docs (/docs and /redoc) with their scripts served from an installed package,
so they work on a network without a CDN."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
PREFIX = "/docs-assets"
FAVICON = f"{PREFIX}/favicon.png"


def _page(html: bytes) -> Callable[[], HTMLResponse]:
    """A route that answers the same page each time."""

    def page() -> HTMLResponse:
        return HTMLResponse(html)

    return page


def install_docs(app: FastAPI) -> None:
    """Mount the bundled Swagger UI and ReDoc files and the two pages that use only them."""
    app.mount(PREFIX, StaticFiles(directory=ASSETS), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    swagger_ui = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{app.title} - Swagger UI",
        swagger_js_url=f"{PREFIX}/swagger-ui-bundle.js",
        swagger_css_url=f"{PREFIX}/swagger-ui.css",
        swagger_favicon_url=FAVICON,
        # No badge fetched from validator.swagger.io: nothing leaves for the internet.
        swagger_ui_parameters={"validatorUrl": None},
    )
    redoc = get_redoc_html(
        openapi_url=openapi_url,
        title=f"{app.title} - ReDoc",
        redoc_js_url=f"{PREFIX}/redoc.standalone.js",
        redoc_favicon_url=FAVICON,
        with_google_fonts=False,
    )
    for path, html in (("/docs", swagger_ui.body), ("/redoc", redoc.body)):
        app.add_api_route(path, _page(bytes(html)), include_in_schema=False)
