"""A program the process tests (tests/test_imports_processes.py) run as separate processes, as production runs
gunicorn workers and `zhili worker` beside each other: each call is one process on a database of its own (a
SQLite file in ZHILI_DATA_DIR, or the PostgreSQL database ZHILI_DATABASE_URL names), never the test database.

    python -m tests.import_harness setup                   migrate, and a small subdistrict with its people
    python -m tests.import_harness ledger CODE             a household ledger keyed by identity number
    python -m tests.import_harness file PATH N OFFSET      a CSV of N valid households for that ledger
    python -m tests.import_harness start CODE PATH         uploaded as the leader, checked, confirmed: waits
    python -m tests.import_harness queue CODE PATH         uploaded as the leader, its check queued
    python -m tests.import_harness work [BEAT_SLEEP]       one worker round; prints "beat N" as it renews its lease
    python -m tests.import_harness writer JOB              row adds and sign-ins until the job is done: waits, errors
    python -m tests.import_harness reader JOB CODE         the row counts others see until the job is done
                                                           (both print "ready" once they are under way)
    python -m tests.import_harness state JOB CODE          the job and its rows, seen and written
    python -m tests.import_harness race N                  N threads adding the same key through the page at once
    python -m tests.import_harness old-jobs                at ledgers 0001: jobs, rows and column memory as they were

Every command prints one JSON line last (or "beat …" lines first).
"""

from __future__ import annotations

import datetime
import json
import sys
import threading
import time
from pathlib import Path

LEADER, CADRE = "h-leader", "h-cadre"
SUB = "990101001"


def out(value) -> None:
    print(json.dumps(value, ensure_ascii=False, default=str), flush=True)


def leader():
    from zhili.people.models import Person

    return Person.objects.get(username=LEADER)


def setup() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _world()
    out({"ok": True})


def _world() -> None:
    from zhili.people.models import Person, Role, RoleAssignment
    from zhili.regions.models import Level, Region

    city = Region.objects.create(code="990100", name="测试市", level=Level.CITY, path="990100/")
    district = Region.objects.create(
        code="990101", name="测试区", level=Level.DISTRICT, parent=city, path="990100/990101/"
    )
    sub = Region.objects.create(
        code=SUB, name="测试街道", level=Level.SUBDISTRICT, parent=district, path=f"{district.path}{SUB}/"
    )
    for i, name in enumerate(("甲村", "乙村"), start=1):
        code = f"{SUB}{i:03d}"
        village = Region.objects.create(
            code=code, name=name, level=Level.VILLAGE, parent=sub, path=f"{sub.path}{code}/"
        )
        Region.objects.create(
            code=f"{code}001", name=f"{name}第1网格", level=Level.GRID, parent=village, path=f"{village.path}{code}001/"
        )
    boss = Person.objects.create(username=LEADER, full_name="测试书记")
    boss.set_password("harness-pass")
    boss.save()
    RoleAssignment.objects.create(person=boss, role=Role.LEADER, region=sub)
    cadre = Person.objects.create(username=CADRE, full_name="测试村干部")
    RoleAssignment.objects.create(person=cadre, role=Role.VILLAGE_CADRE, region=Region.objects.get(name="甲村"))


def ledger(code: str) -> None:
    from tests.ledger_factory import FIELDS
    from zhili.ledgers.actions import do_define_ledger
    from zhili.people.scope import scope_for
    from zhili.regions.models import Region

    person = leader()
    do_define_ledger(
        region=Region.objects.get(code=SUB),
        data={"code": code, "name": code, "level": "household", "key": ["id_number"], "fields": FIELDS},
        actor=person,
        scope=scope_for(person),
    )
    out({"ledger": code})


def identity(i: int) -> str:
    from stdnum.cn import ric

    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=i // 900)
    body = f"370112{born:%Y%m%d}{i % 900 + 100:03d}"
    return body + ric.calc_check_digit(body + "0")


def write_file(path: str, n: int, offset: int) -> None:
    lines = ["村,户主姓名,身份证号,联系电话,改造方式,完工日期,验收状态,补贴金额（元）"]
    for i in range(offset, offset + n):
        village = "甲村" if i % 2 else "乙村"
        lines.append(f"{village},户主{i},{identity(i)},139{i % 100000000:08d},电采暖,2020-10-01,已验收,{1000 + i % 7}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    out({"rows": n})


def _upload(code: str, path: str):
    from django.core.files import File

    from zhili.imports import actions
    from zhili.ledgers.models import Ledger
    from zhili.people.scope import scope_for

    person = leader()
    with open(path, "rb") as fh:
        return actions.do_start_import(
            "ledger",
            Ledger.objects.get(code=code),
            File(fh, name=Path(path).name),
            actor=person,
            scope=scope_for(person),
        )


def start(code: str, path: str) -> None:
    """Uploaded (a large file: the worker's), checked by a worker round, confirmed: waiting for the write."""
    from zhili.core import jobs
    from zhili.imports import actions
    from zhili.people.scope import scope_for

    job = _upload(code, path)
    assert job.background, "ZHILI_IMPORT_BACKGROUND_KB=0 makes every file the worker's"
    jobs.run_once()
    job.refresh_from_db()
    assert job.status == "previewed" and not job.summary["errors"], (job.status, job.message, job.problems[:3])
    person = leader()
    actions.do_confirm(job, only_valid=False, actor=person, scope=scope_for(person))
    out({"job": job.pk, "rows": job.summary["rows"]})


def queue(code: str, path: str) -> None:
    job = _upload(code, path)
    out({"job": job.pk, "status": job.status})


def work(beat_sleep: float = 0.0) -> None:
    from zhili.core import jobs
    from zhili.imports import pipeline

    real = pipeline.Lease.beat

    def beat(self, progress=None):
        real(self, progress)
        print(f"beat {progress}", flush=True)
        if beat_sleep:
            time.sleep(beat_sleep)

    pipeline.Lease.beat = beat
    out({"done": jobs.run_once()})


def _until_done(job_id: int, limit: float = 300.0):
    """True while the job is not done yet (and a moment after), for at most `limit` seconds."""
    from zhili.imports.models import ImportJob

    end, after = time.monotonic() + limit, None
    while time.monotonic() < end:
        if after is None and ImportJob.objects.filter(pk=job_id, status="done").exists():
            after = time.monotonic() + 0.5
        if after is not None and time.monotonic() > after:
            return
        yield


def writer(job_id: int) -> None:
    """What the rest of the township does meanwhile: rows added through the action, people signing in (a
    session and last_login written). Every operation's time is kept, and any error."""
    from django.test import Client

    from zhili.ledgers.actions import do_add_row
    from zhili.ledgers.models import Ledger
    from zhili.people.scope import scope_for

    person = leader()
    scope = scope_for(person)
    other = Ledger.objects.get(code="other")
    waits, errors = [], []
    Client().get("/login/")  # warm up: the first request loads every view module, which is no wait for a lock
    print("ready", flush=True)
    i = 0
    for _ in _until_done(job_id):
        i += 1
        t0 = time.monotonic()
        try:
            if i % 2:
                values = {"village": "甲村", "head": f"并发{i}", "id_number": identity(900_000 + i), "status": "施工中"}
                do_add_row(other, values, actor=person, scope=scope)
            else:  # a sign-in through the login page: axes, the session, last_login
                response = Client().post("/login/", {"username": LEADER, "password": "harness-pass"})
                if response.status_code != 302:
                    raise RuntimeError(f"sign-in answered {response.status_code}")
        except Exception as exc:  # the point: count them
            errors.append(f"{type(exc).__name__}: {exc}")
        waits.append(time.monotonic() - t0)
        time.sleep(0.05)
    waits.sort()
    out(
        {
            "ops": len(waits),
            "max_wait": waits[-1] if waits else 0,
            "p95_wait": waits[int(len(waits) * 0.95)] if waits else 0,
            "median_wait": waits[len(waits) // 2] if waits else 0,
            "errors": errors,
        }
    )


def reader(job_id: int, code: str) -> None:
    from zhili.ledgers.models import LedgerRow

    seen = set()
    LedgerRow.objects.filter(ledger__code=code).count()
    print("ready", flush=True)
    for _ in _until_done(job_id):
        seen.add(LedgerRow.objects.filter(ledger__code=code).count())
        time.sleep(0.1)
    out({"counts": sorted(seen)})


def state(job_id: int, code: str) -> None:
    from zhili.imports.models import ImportJob, StagedChange
    from zhili.ledgers.models import LedgerRow

    job = ImportJob.objects.get(pk=job_id)
    out(
        {
            "status": job.status,
            "staging": job.staging,
            "attempts": job.attempts,
            "message": job.message,
            "summary": job.summary,
            "visible": LedgerRow.objects.filter(ledger__code=code).count(),
            "written": LedgerRow.all_rows.filter(ledger__code=code).count(),
            "keys": LedgerRow.all_rows.filter(ledger__code=code).values("key_value").distinct().count(),
            "staged_changes": StagedChange.objects.filter(job=job).count(),
        }
    )


def race(n: int) -> None:
    """N people press "添加" for the same household at the same moment."""
    from django.db import connection
    from django.test import Client

    person = leader()
    form = {"village": "乙村", "head": "同时添加", "id_number": identity(800_001), "status": "施工中"}
    clients = []
    for _ in range(n):
        client = Client(raise_request_exception=False)
        client.force_login(person)
        clients.append(client)
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    bodies: list[str] = []

    def add(client) -> None:
        try:
            barrier.wait()
            response = client.post("/ledgers/other/rows/new/", form)
            statuses.append(response.status_code)
            bodies.append(response.content.decode(errors="replace"))
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    from zhili.ledgers.models import LedgerRow

    out(
        {
            "statuses": sorted(statuses),
            "sentences": sum("的行已存在，不能重复" in b for b in bodies),
            "rows": LedgerRow.objects.filter(ledger__code="other", key_value=form["id_number"]).count(),
        }
    )


def old_jobs() -> None:
    """The database as it was before zhili.imports: ledgers at 0001 with two import jobs (one done, with rows
    that point at it; one a worker was checking), and a remembered column mapping; then every migration."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    call_command("migrate", verbosity=0)
    call_command("migrate", "ledgers", "0001", verbosity=0)
    call_command("migrate", "imports", "zero", verbosity=0)
    apps = MigrationExecutor(connection).loader.project_state([("ledgers", "0001_initial")]).apps
    Region = apps.get_model("regions", "Region")
    Person = apps.get_model("people", "Person")
    Ledger = apps.get_model("ledgers", "Ledger")
    Version = apps.get_model("ledgers", "LedgerVersion")
    Row = apps.get_model("ledgers", "LedgerRow")
    Job = apps.get_model("ledgers", "ImportJob")
    Memory = apps.get_model("ledgers", "ColumnMemory")
    sub = Region.objects.get(code=SUB)
    village = Region.objects.get(name="甲村")
    person = Person.objects.get(username=LEADER)
    old = Ledger.objects.create(region=sub, code="old", name="旧台账", level="household")
    version = Version.objects.create(ledger=old, number=1, fields=[], key=["id_number"])
    Job.objects.create(id=40, ledger=old, file="imports/old/a.xlsx", filename="a.xlsx", uploaded_by=person)
    done = Job.objects.create(
        id=41, ledger=old, file="imports/old/b.xlsx", filename="b.xlsx", uploaded_by=person, status="done"
    )
    Job.objects.create(
        id=42, ledger=old, file="imports/old/c.xlsx", filename="c.xlsx", uploaded_by=person, status="parsing"
    )
    for i in range(3):
        Row.objects.create(
            ledger=old, version=version, region=village, data={"n": i}, key_value=f"k{i}", import_job=done
        )
    Memory.objects.create(person=person, ledger=old, header="户主", field_key="head")
    call_command("migrate", verbosity=0)

    from zhili.imports.models import ColumnMemory, ImportJob
    from zhili.ledgers.models import LedgerRow

    new = ImportJob.objects.create(
        importer="ledger", target_id=old.pk, region_id=sub.pk, file="x", filename="x", uploaded_by_id=person.pk
    )
    out(
        {
            "jobs": sorted(
                ImportJob.objects.filter(pk__lt=new.pk).values_list("pk", "importer", "target_id", "status")
            ),
            "ledger": old.pk,
            "rows": sorted(LedgerRow.objects.filter(ledger_id=old.pk).values_list("key_value", "import_job_id")),
            "memory": list(ColumnMemory.objects.values_list("importer", "target_id", "header", "field_key")),
            "next_id": new.pk,
        }
    )


def main(argv: list[str]) -> None:
    import django

    django.setup()
    command, *args = argv
    commands = {
        "setup": lambda: setup(),
        "ledger": lambda: ledger(args[0]),
        "file": lambda: write_file(args[0], int(args[1]), int(args[2])),
        "start": lambda: start(args[0], args[1]),
        "queue": lambda: queue(args[0], args[1]),
        "work": lambda: work(float(args[0]) if args else 0.0),
        "writer": lambda: writer(int(args[0])),
        "reader": lambda: reader(int(args[0]), args[1]),
        "state": lambda: state(int(args[0]), args[1]),
        "race": lambda: race(int(args[0])),
        "old-jobs": lambda: old_jobs(),
    }
    commands[command]()


if __name__ == "__main__":
    main(sys.argv[1:])
