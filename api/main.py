"""ASGI entry point: ``uvicorn api.main:app`` (what ``innostudy serve`` runs, in each process)."""

from api.app import create_app
from api.core import logs
from api.core.config import Settings

settings = Settings()
logs.configure(settings.log_format)  # request and job lines on standard error
app = create_app(settings, run_worker=True)
