"""ASGI entry point: ``uvicorn api.main:app`` (what ``innostudy serve`` runs)."""

from api.app import create_app

app = create_app(run_worker=True)
