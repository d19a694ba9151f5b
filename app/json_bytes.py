"""JSON answers encoded straight to bytes, without a pass through a response model.

FastAPI validates what a route returns against its response model and then serialises the model;
for a large result that costs far more than computing it (an evaluation of the largest
questionnaire with its trace: 16 ms to validate and 2 ms to dump, against 1 ms to build the data
and 0.4 ms to encode it with orjson). Routes whose data is built by our own code, in the shape
of their declared model (a test holds each to it), answer with `JSONBytes` instead; the model
still documents the response.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JSONBytes(Response):
    """`application/json` encoded by orjson (UTF-8, no NaN: non-finite floats become null; a UTC
    time ends in `Z`, as pydantic writes it)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_UTC_Z)
