"""Deadline reminders: set within the scope, sent by the daily job once per learner and
deadline, not to those who completed or unsubscribed (by the link, without logging in),
and again after re-subscribing on the profile."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.core.config import Settings
from api.data.models import Role, User
from api.services.email_delivery import REMINDERS
from api.services.worker import OSLO, Worker
from tests.email.conftest import drain
from tests.email.smtp_server import Inbox
from tests.factories import complete_course, grant_role, login, make_unit, make_user
from tests.web.test_web_security import csrf_from


def _learner(engine: Engine, name: str, *, unit_id: int | None) -> User:
    email = f"{name.split()[0].lower()}@asker.kommune.no"
    return make_user(engine, full_name=name, email=email, unit_id=unit_id)


def _run_daily_job(engine: Engine, settings: Settings) -> None:
    """The worker's schedule enqueues the day's reminder job once (by its slot's key)."""
    worker = Worker(engine, settings)
    worker.enqueue_scheduled()
    worker.enqueue_scheduled()
    drain(engine, settings)


def test_reminders_once_per_learner_and_deadline_within_scope_until_unsubscribed(
    client: TestClient, engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    health = make_unit(engine, "Helse og omsorg")
    home = make_unit(engine, "Hjemmetjenesten", parent=health)
    school = make_unit(engine, "Oppvekst")
    due = datetime.now(OSLO).date() + timedelta(days=3)
    ina = _learner(engine, "Ina Berg", unit_id=home.id)  # below the unit: reminded
    ola = _learner(engine, "Ola Dahl", unit_id=health.id)  # completed: not reminded
    complete_course(engine, ola)
    siri = _learner(engine, "Siri Lie", unit_id=school.id)  # another unit: not this time
    oslo = make_user(engine, full_name="Per Oslo", email="per@oslo.kommune.no", municipality="Oslo")

    municipal = make_user(engine, email="ka@asker.kommune.no", full_name="Kari Admin")
    grant_role(engine, municipal, Role.MUNICIPAL_ADMIN, municipality="3203")
    headers = login(client, municipal.email)
    body = {"unit_id": health.id, "due_on": due.isoformat()}
    assert client.put("/api/v1/deadlines", json=body, headers=headers).status_code == 200
    outside = {"municipality_number": "0301", "due_on": due.isoformat()}
    refused = client.put("/api/v1/deadlines", json=outside, headers=headers)
    assert refused.status_code == 403, refused.text
    both = client.put("/api/v1/deadlines", json={**outside, "unit_id": 1}, headers=headers)
    assert both.status_code == 422  # a municipality or a unit, not both
    learner = login(client, ina.email)
    assert client.put("/api/v1/deadlines", json=body, headers=learner).status_code == 403

    _run_daily_job(engine, settings)
    _run_daily_job(engine, settings)  # the same slot: nothing more
    (reminder,) = inbox.received
    assert reminder.recipients == [ina.email]
    assert reminder.subject.startswith("Påminnelse: fullfør innovasjonsstudiet innen ")
    assert str(due.day) in reminder.subject
    assert "Helse og omsorg ønsker at du fullfører" in reminder.text
    assert "Helse og omsorg ønsker at du fullfører" in reminder.html
    assert reminder.message["List-Unsubscribe"].startswith("<http://kurs.example.no/varsler/")

    # The unsubscribe link works without logging in (a client with no session).
    link = reminder.link("/varsler/avmeld?token=")
    anonymous = TestClient(client.app)
    page = anonymous.get(link)
    assert page.status_code == 200 and "Meld meg av" in page.text
    token = csrf_from(anonymous, link)
    done = anonymous.post(
        "/varsler/avmeld", data={"csrf_token": token, "token": link.split("token=")[1]}
    )
    assert done.status_code == 200 and "Du er meldt av" in done.text
    forged = anonymous.get(link[:-3] + "abc")
    assert forged.status_code == 400 and "ikke gyldig" in forged.text

    # A municipality-wide deadline: Siri (and the municipal administrator, a learner in
    # Asker too) are reminded; not the people of Helse og omsorg, which has a deadline of
    # its own (the nearest applies), nor the person in Oslo.
    whole = {"municipality_number": "3203", "due_on": (due + timedelta(days=2)).isoformat()}
    assert client.put("/api/v1/deadlines", json=whole, headers=headers).status_code == 200
    _next_day(engine, settings)
    assert sorted(r.recipients[0] for r in inbox.received[1:]) == [municipal.email, siri.email]
    assert "Asker kommune ønsker" in inbox.received[1].text

    # Re-subscribing on the profile: the next reminder (a moved deadline) reaches Ina again.
    web = TestClient(client.app)
    token = csrf_from(web, "/logg-inn")
    web.post(
        "/logg-inn",
        data={"epost": ina.email, "passord": "riktig-hest-batteri", "csrf_token": token},
    )
    profile = web.get("/profil")
    assert 'id="paminnelser" name="paminnelser" value="ja">' in profile.text  # off now
    saved = web.post(
        "/profil/varsler",
        data={"csrf_token": csrf_from(web, "/profil"), "paminnelser": "ja"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    moved = {**body, "due_on": (due + timedelta(days=1)).isoformat()}
    assert client.put("/api/v1/deadlines", json=moved, headers=headers).status_code == 200
    _next_day(engine, settings)
    assert [r.recipients for r in inbox.received[3:]] == [[ina.email]]
    assert oslo.email not in {a for r in inbox.received for a in r.recipients}


def _next_day(engine: Engine, settings: Settings) -> None:
    """The reminder job of another day (the schedule's key is per day)."""
    from api.core.db import transaction
    from api.services import jobs

    with transaction(engine, write=True) as session:
        jobs.enqueue(session=session, kind=REMINDERS, payload={"today": date.today().isoformat()})
    drain(engine, settings)


def test_one_click_unsubscribe_turns_reminders_off_without_a_login_or_csrf(
    client: TestClient, engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    """RFC 8058: the mail provider POSTs ``List-Unsubscribe=One-Click`` to the header's
    address, with no cookies; a mangled token is refused in Norwegian."""
    ina = _learner(engine, "Ina Berg", unit_id=None)
    admin = make_user(engine, email="ka@asker.kommune.no", full_name="Kari Admin")
    grant_role(engine, admin, Role.MUNICIPAL_ADMIN, municipality="3203")
    due = datetime.now(OSLO).date() + timedelta(days=3)
    body = {"municipality_number": "3203", "due_on": due.isoformat()}
    headers = login(client, admin.email)
    assert client.put("/api/v1/deadlines", json=body, headers=headers).status_code == 200
    _run_daily_job(engine, settings)
    (reminder,) = [r for r in inbox.received if r.recipients == [ina.email]]
    assert reminder.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    advertised = str(reminder.message["List-Unsubscribe"])
    assert advertised.startswith("<http://kurs.example.no/varsler/avmeld/ett-klikk?token=")
    url = advertised.strip("<>").removeprefix("http://kurs.example.no")
    provider = TestClient(client.app)  # a mail provider: no session, no CSRF cookie
    one_click = {"List-Unsubscribe": "One-Click"}
    mangled = provider.post(url[:-3] + "abc", data=one_click)
    assert mangled.status_code == 400 and "ikke gyldig" in mangled.text
    assert provider.post(url, data={"annet": "x"}).status_code == 400
    opened = provider.get(url, follow_redirects=False)  # a mail program opening it: the page
    assert opened.status_code == 303 and opened.headers["location"].startswith("/varsler/avmeld?")
    done = provider.post(url, data=one_click)
    assert done.status_code == 200 and "ikke flere påminnelser" in done.text
    assert provider.post(url, data=one_click).status_code == 200  # again: still off
    web = TestClient(client.app)
    token = csrf_from(web, "/logg-inn")
    web.post("/logg-inn", data={"epost": ina.email, "passord": "riktig-hest-batteri",
                                "csrf_token": token})  # fmt: skip
    assert 'id="paminnelser" name="paminnelser" value="ja">' in web.get("/profil").text  # off
