"""Server-rendered pages: Jinja2 templates and static files."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates

from certificates.durations import format_duration

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
_MONTHS = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)
_OSLO = ZoneInfo("Europe/Oslo")

templates = Jinja2Templates(directory=HERE / "templates")


def norwegian_date(value: datetime | date) -> str:
    """A moment as its day in Norway; a calendar day (a deadline) as it is."""
    local = value.astimezone(_OSLO) if isinstance(value, datetime) else value
    return f"{local.day}. {_MONTHS[local.month - 1]} {local.year}"


def norwegian_date_time(value: datetime) -> str:
    local = value.astimezone(_OSLO)
    return f"{norwegian_date(value)} kl. {local:%H.%M}"


templates.env.filters["norsk_dato"] = norwegian_date
templates.env.filters["norsk_tid"] = norwegian_date_time
templates.env.filters["varighet"] = format_duration  # as on the certificate
