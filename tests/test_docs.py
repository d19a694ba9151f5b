"""/docs and /redoc load every script, style and icon from this service, none from a CDN."""

from __future__ import annotations

import re

import httpx
import pytest

REFERENCE = re.compile(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_load_every_asset_from_this_service(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    html = response.text
    assert "cdn" not in html.lower()
    assert "googleapis" not in html
    assert "validator.swagger.io" not in html
    references = set(REFERENCE.findall(html))
    assert "/openapi.json" in references
    assets = {r for r in references if r != "/openapi.json"}
    assert len(assets) >= 2  # the script, and the stylesheet or icon
    for asset in sorted(references):
        assert asset.startswith("/"), f"{page} loads {asset} from elsewhere"
        fetched = await client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 0, asset
