"""The baseline of the read benchmark: a plain FastAPI app with one `async def` route.

No middleware, no database, no authentication: what FastAPI, uvicorn, uvloop and httptools cost
for one small JSON answer on this machine. `bench.http_read_bench` serves it beside the service,
pinned to the same core, and reads every figure of the service against it.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def root() -> dict[str, str]:
    return {"status": "ok"}
