"""Baseline for bench_api.py: a bare FastAPI app with one async endpoint."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/bare")
async def bare() -> dict[str, object]:
    return {"status": "ok", "items": [1, 2, 3]}
