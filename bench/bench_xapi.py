"""What xAPI statements add to a quiz attempt: CPU time per attempt, without and with them.

Runs ``progress_writes.submit_attempt`` (the hot path's transaction, commit
included) on the DBAPI connection of a fresh database, for a learner answering the
first module's quiz, alternately without a statement log and with one (one
*answered* per question and *failed*, kept as one row in ``xapi_outbox``). A fresh
SQLite file by default; ``--database-url`` names an empty PostgreSQL database
(its tables are created there).

Usage: python bench/bench_xapi.py [--attempts 2000] [--rounds 3] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from api.core.config import SHIPPED_CONTENT, Settings  # noqa: E402
from api.core.db import make_engine  # noqa: E402
from api.data import migrate  # noqa: E402
from api.data.models import User, utcnow  # noqa: E402
from api.data.sql import Statements  # noqa: E402
from api.services import content, progress_writes  # noqa: E402
from api.services.xapi_statements import StatementLog, statement_log  # noqa: E402
from course.loader import load_course  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="bench-xapi-"))
    engine = make_engine(args.database_url or f"sqlite:///{directory / 'bench.db'}")
    migrate.upgrade(engine)
    course = load_course(SHIPPED_CONTENT).course
    assert course is not None
    settings = Settings(
        data_dir=directory,
        secret_key="b" * 40,
        xapi_endpoint="http://127.0.0.1:9/xapi",
        xapi_key="bench",
        xapi_secret="bench",
    )
    with Session(engine) as session:
        content.sync_content(session=session, course=course)
        users = []
        for number in range(4):
            user = User(email=f"bench{number}@example.no", full_name="Bench", created_at=utcnow())
            session.add(user)
            users.append(user)
        session.commit()
        ids = [user.id or 0 for user in users]
        info = content.course_info(settings.content_dir)
        live = content.live_modules(session=session, info=info, cache=content.RenderCache())
    log = statement_log(settings, info)
    module, source = live[0], course.modules[0]
    assert source.quiz is not None
    wrong = {q.id: sorted(q.option_ids - q.correct_option_ids)[:1] for q in source.quiz.questions}
    sqlite = engine.dialect.name == "sqlite"

    def per_attempt(xapi: StatementLog | None) -> float:
        raw = engine.raw_connection()
        started = time.process_time()
        for number in range(args.attempts):
            db = Statements(raw.driver_connection, sqlite=sqlite)
            progress_writes.submit_attempt(
                db=db,
                user_id=ids[number % len(ids)],
                module=module,
                answers=wrong,
                revision=None,
                course_modules=lambda: live,
                xapi=xapi,
            )
            raw.commit()
        spent = time.process_time() - started
        raw.close()
        return spent / args.attempts * 1e6

    without, with_log = [], []
    for _ in range(args.rounds):
        without.append(per_attempt(None))
        with_log.append(per_attempt(log))
    plain, added = statistics.median(without), statistics.median(with_log)
    questions = len(source.quiz.questions)
    print(f"{engine.dialect.name}: {args.attempts} attempts x {args.rounds} rounds, "
          f"{questions} questions (median CPU per attempt, commit included)")  # fmt: skip
    print(f"  without statements  {plain:7.0f} µs")
    print(f"  with statements     {added:7.0f} µs  (+{added - plain:.0f} µs, {questions + 1} made)")
    engine.dispose()


if __name__ == "__main__":
    main()
