"""The committed OpenAPI document, rendered from the app the same way every time."""

import json

from app.main import create_app
from app.settings import Settings


def render_openapi() -> str:
    app = create_app(Settings(database_url="sqlite://"))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"
