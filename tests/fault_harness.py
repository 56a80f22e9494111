"""A program the fault tests (tests/test_faults_processes.py) run as separate processes and kill: each call is one
process on a database of its own (as tests/import_harness.py: a SQLite file in ZHILI_DATA_DIR, or the PostgreSQL
database ZHILI_DATABASE_URL names), never the test database.

    python -m tests.fault_harness setup                     migrate, a subdistrict, its leader and its administrator
    python -m tests.fault_harness receipts-file PATH N      a CSV of N tax receipts (税收入库明细)
    python -m tests.fault_harness receipts-start PATH       uploaded as the leader, checked, confirmed: waits
    python -m tests.fault_harness receipts-state JOB        the import job and the receipts seen and written
    python -m tests.fault_harness bulletin-queue URL SECRET WEEK   the setup (a DingTalk robot, 发布后推送到群) and
                                                            the week's `bulletins.build` run, queued
    python -m tests.fault_harness bulletin-state WEEK       the run, the week's snapshots and their deliveries
    python -m tests.fault_harness published WEEK URL SECRET a published week (the sample data) queued for DingTalk
    python -m tests.fault_harness resend WEEK               the leader presses 重新发送 on every part that may
                                                            not have arrived (after the worker's two minutes)
    python -m tests.fault_harness work [POINT]              one worker round; with POINT it prints "at POINT"
                                                            when it gets there and sleeps, to be killed
    python -m tests.fault_harness drop                      a row added through the page while the database
                                                            connection is cut mid-transaction; the next requests
    python -m tests.fault_harness race-row|race-case|race-household|race-task   two people saving the same record from
                                                            the same revision at the same moment (two threads,
                                                            two connections, released by a barrier)
    python -m tests.fault_harness sleep SECONDS

Commands chain in one process with " + " between them (a process costs a second or two to start).

The points, each reached deterministically: `receipts-add` (the receipts written, inside the commit's
transaction), `publish` (a bulletin's draft built and committed, its publishing transaction under way with the
chat messages queued), `robot-sending` (a part claimed, its message not yet sent), `robot-sent` (the robot
accepted the message, the part not yet marked sent). FAULT_LEASE_SECONDS shortens the runs' lease (jobs).

Every command prints one JSON line last (sleep none).
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from pathlib import Path

from tests.import_harness import SUB, _world, leader, out

ADMIN = "h-admin"
USCC = "91370112MA3C00000T"  # a taxpayer the subdistrict does not know: imported, listed as unmatched


def setup() -> None:
    from django.core.management import call_command

    from zhili.people.models import Person, Role, RoleAssignment
    from zhili.regions.models import Region

    call_command("migrate", verbosity=0)
    _world()
    admin = Person.objects.create(username=ADMIN, full_name="测试管理员")
    RoleAssignment.objects.create(person=admin, role=Role.ADMIN, region=Region.objects.get(code=SUB))
    out({"ok": True})


def _pause(point: str) -> None:
    print(f"at {point}", flush=True)
    time.sleep(120)  # the test kills the process here


# ---- a tax-receipt import ---------------------------------------------------------------------------------------


def receipts_file(path: str, n: int) -> None:
    lines = ["纳税人识别号,纳税人名称,税种,所属期,实缴金额(元),项目名称"]
    for i in range(n):
        lines.append(f"{USCC},测试建筑公司,增值税,2020-{i % 12 + 1:02d},{1000 + i}.00,测试项目{i}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    out({"rows": n})


def receipts_start(path: str) -> None:
    from django.core.files import File

    from zhili.core import jobs
    from zhili.imports import actions
    from zhili.people.scope import scope_for
    from zhili.projects.importer import RECEIPTS
    from zhili.regions.models import Region

    person = leader()
    with open(path, "rb") as fh:
        job = actions.do_start_import(
            RECEIPTS, Region.objects.get(code=SUB), File(fh, name="receipts.csv"), actor=person, scope=scope_for(person)
        )
    assert job.background, "ZHILI_IMPORT_BACKGROUND_KB=0 makes every file the worker's"
    jobs.run_once()
    job.refresh_from_db()
    assert job.status == "previewed" and not job.summary["errors"], (job.status, job.message, job.problems[:3])
    actions.do_confirm(job, only_valid=False, actor=person, scope=scope_for(person))
    out({"job": job.pk, "rows": job.summary["rows"]})


def receipts_state(job_id: int) -> None:
    from zhili.imports.models import ImportJob
    from zhili.projects.models import TaxReceipt

    job = ImportJob.objects.get(pk=job_id)
    out(
        {
            "status": job.status,
            "attempts": job.attempts,
            "message": job.message,
            "visible": TaxReceipt.objects.count(),
            "written": TaxReceipt._base_manager.count(),
            "keys": TaxReceipt._base_manager.values("key").distinct().count(),
        }
    )


# ---- a bulletin and its chat messages ----------------------------------------------------------------------------


def _robot_setup(url: str, secret: str, **more) -> None:
    from zhili.bulletins.models import BulletinSetup
    from zhili.regions.models import Region

    BulletinSetup.objects.update_or_create(
        region=Region.objects.get(code=SUB),
        defaults={"dingtalk_webhook_url": url, "dingtalk_secret": secret, "scheduled": False, **more},
    )


def bulletin_queue(url: str, secret: str, week: str) -> None:
    from zhili.bulletins.schedule import KIND
    from zhili.core import jobs
    from zhili.regions.models import Region

    _robot_setup(url, secret, send_on_publish=True)
    sub = Region.objects.get(code=SUB)
    run = jobs.enqueue(KIND, f"{SUB}:{week}", payload={"region_id": sub.pk, "week": week}, region_path=sub.path)
    out({"run": run.pk})


def bulletin_state(week: str) -> None:
    from django.utils import timezone

    from zhili.bulletins import delivery
    from zhili.bulletins.models import Delivery, Snapshot
    from zhili.core.models import JobRun

    run = JobRun.objects.filter(key=f"{SUB}:{week}").first()
    later = timezone.now() + datetime.timedelta(minutes=5)  # when a person looks, after the worker's two minutes
    out(
        {
            "run": {"status": run.status, "attempts": run.attempts, "error": run.error} if run else None,
            "snapshots": list(Snapshot.objects.filter(week=week).order_by("version").values_list("version", "status")),
            "deliveries": [
                {
                    "part": d.part,
                    "status": d.status,
                    "attempts": d.attempts,
                    "outcomes": [e["outcome"] for e in d.log],
                    "sentence": delivery.waiting_sentence(d, later),
                    "resendable": delivery.resendable(d) if d.status != "uncertain" else None,
                }
                for d in delivery.ordered(Delivery.objects.filter(snapshot__week=week))
            ],
        }
    )


def published(week: str, url: str, secret: str) -> None:
    """A published week of the sample data, queued for the DingTalk group (one markdown part)."""
    from tests.bulletins_sample import sample
    from zhili.bulletins import delivery
    from zhili.bulletins.models import Snapshot, SnapshotStatus
    from zhili.bulletins.snapshot import parse_week
    from zhili.people.scope import scope_for
    from zhili.regions.models import Region

    _robot_setup(url, secret)
    _y, _n, monday, sunday = parse_week(week)
    snap = Snapshot.objects.create(
        region=Region.objects.get(code=SUB),
        week=week,
        start=monday,
        end=sunday,
        version=1,
        number=1,
        status=SnapshotStatus.PUBLISHED,
        data={**sample(), "week": week},
    )
    person = leader()
    parts = delivery.do_send(snap, "dingtalk", actor=person, scope=scope_for(person))
    out({"snapshot": snap.pk, "parts": [d.part for d in parts]})


def resend(week: str) -> None:
    from zhili.bulletins import delivery
    from zhili.bulletins.models import Delivery, DeliveryStatus
    from zhili.people.scope import scope_for

    delivery.STALE = datetime.timedelta(0)  # the person comes after the worker's two minutes
    person = leader()
    done = []
    for d in Delivery.objects.filter(snapshot__week=week, status=DeliveryStatus.UNCERTAIN):
        done.append(delivery.do_resend(d, actor=person, scope=scope_for(person)).part)
    out({"resent": done})


# ---- the database connection cut in the middle of a request ------------------------------------------------------


def _cut(connection) -> None:
    """PostgreSQL: terminate this connection's backend from a second connection (as a restarted server or a
    dropped network does). SQLite has no server: the next statement fails as a failing disk does."""
    from django.db import OperationalError

    if connection.vendor != "postgresql":
        raise OperationalError("disk I/O error")
    import psycopg

    pid = connection.connection.info.backend_pid
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], dbname=s["NAME"], autocommit=True
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def drop() -> None:
    """A row added through the page while the connection is cut inside the action's transaction (after the row
    was inserted, before its audit entry): the page, then the rows, then the next requests."""
    from django.db import close_old_connections, connection
    from django.test import Client

    from tests.import_harness import identity, ledger
    from zhili.core import audit
    from zhili.ledgers.models import LedgerRow

    ledger("dropped")
    client = Client(raise_request_exception=False)
    client.force_login(leader())
    form = {"village": "甲村", "head": "断线", "id_number": identity(700_001), "status": "施工中"}
    real = audit.record

    def record(*args, **kwargs):
        _cut(connection)
        return real(*args, **kwargs)

    audit.record = record  # type: ignore[assignment]
    cut = client.post("/ledgers/dropped/rows/new/", form)
    audit.record = real  # type: ignore[assignment]
    close_old_connections()  # what the server does at the end of every request (request_finished)
    rows_after_cut = LedgerRow.all_rows.filter(ledger__code="dropped").count()
    close_old_connections()
    page = client.get("/ledgers/dropped/")
    close_old_connections()
    again = client.post("/ledgers/dropped/rows/new/", form)
    out(
        {
            "cut": [cut.status_code, cut.content.decode()],
            "rows_after_cut": rows_after_cut,
            "next": page.status_code,
            "again": again.status_code,
            "rows": LedgerRow.objects.filter(ledger__code="dropped").count(),
        }
    )


# ---- two people saving the same record at the same moment ----------------------------------------------------------


def _two_at_once(calls) -> list[tuple[int, str]]:
    """Each call in a thread of its own (so each on a database connection of its own), released together."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(calls))
    results: list[tuple[int, str]] = []

    def go(call) -> None:
        try:
            barrier.wait()
            results.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results)


def _page(path: str, form: dict):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(leader())
    client.get("/")  # warm up: the first request loads every view module

    def post() -> tuple[int, str]:
        response = client.post(path, form)
        return response.status_code, response.content.decode(errors="replace")

    return post


def race_row() -> None:
    """A ledger row edited by two people from the same revision."""
    from tests.import_harness import identity, ledger
    from zhili.ledgers.actions import do_add_row
    from zhili.ledgers.models import Ledger, LedgerRow
    from zhili.people.scope import scope_for

    ledger("raced")
    person = leader()
    values = {"village": "甲村", "head": "原名", "id_number": identity(600_001), "status": "施工中"}
    row = do_add_row(Ledger.objects.get(code="raced"), values, actor=person, scope=scope_for(person))
    path = f"/ledgers/raced/rows/{row.pk}/"
    results = _two_at_once(
        [_page(path, {**values, "head": name, "revision": row.revision}) for name in ("甲改的", "乙改的")]
    )
    row = LedgerRow.objects.get(pk=row.pk)
    out(
        {
            "statuses": [status for status, _body in results],
            "sentences": sum("为避免覆盖对方的修改" in body for _status, body in results),
            "head": row.data["head"],
            "revision": row.revision,
        }
    )


def race_case() -> None:
    """A case's step taken by two people from the same revision: one accepts it, the other rejects it."""
    from zhili.cases import defaults
    from zhili.cases.actions import do_report_case
    from zhili.cases.models import Case, Category, Source
    from zhili.people.models import Unit
    from zhili.people.scope import scope_for
    from zhili.regions.models import Region

    sub = Region.objects.get(code=SUB)
    defaults.install(sub, center_unit=Unit.objects.create(region=sub, code="urban", name="城管办"))
    category = Category.objects.filter(subdistrict=sub, parent__isnull=False, is_active=True).first()
    person = leader()
    case = do_report_case(
        subdistrict=sub,
        category=category,
        description="同时处理",
        actor=person,
        scope=scope_for(person),
        source=Source.STAFF,
        region=Region.objects.get(name="甲村"),
    )
    path = f"/cases/{case.pk}/act/"
    results = _two_at_once(
        [
            _page(f"{path}reject/", {"revision": case.revision, "note": "不属于受理范围"}),
            _page(f"{path}accept/", {"revision": case.revision}),
        ]
    )
    case = Case.objects.get(pk=case.pk)
    out(
        {
            "statuses": [status for status, _body in results],
            "sentences": sum("请刷新页面查看最新状态后再操作" in body for _status, body in results),
            "events": list(case.events.order_by("id").values_list("action", flat=True)),
            "state": case.state,
        }
    )


def race_household() -> None:
    """A household saved by two people from the same revision (the action, as both pages call it)."""
    from zhili.core.errors import Conflict
    from zhili.households import registry
    from zhili.households.models import Household
    from zhili.people.scope import scope_for
    from zhili.regions.models import Region

    person = leader()
    sub = Region.objects.get(code=SUB)
    village = Region.objects.get(name="甲村")
    h = registry.do_save_household(
        None,
        {"region": village, "number": "H-1", "address": "甲村 1 号"},
        sub=sub,
        actor=person,
        scope=scope_for(person),
    )

    def save(address: str):
        def call() -> tuple[int, str]:
            mine = Household.objects.get(pk=h.pk)
            try:
                registry.do_save_household(
                    mine, {"address": address, "revision": h.revision}, actor=person, scope=scope_for(person)
                )
            except Conflict as exc:
                return 409, " ".join(exc.messages)
            return 200, address

        return call

    results = _two_at_once([save("甲村 2 号"), save("甲村 3 号")])
    h.refresh_from_db()
    out({"statuses": [status for status, _m in results], "address": h.address, "revision": h.revision})


def race_task() -> None:
    """A target task edited by two planners from the same revision (the action, as the page calls it)."""
    from zhili.core.errors import Conflict
    from zhili.people.scope import scope_for
    from zhili.regions.models import Region
    from zhili.targets import actions
    from zhili.targets.models import Task

    person = leader()
    scope = scope_for(person)
    sub = Region.objects.get(code=SUB)
    goal = actions.do_create_goal(
        region=sub, year=2020, code="1", title="目标", level_name="一级目标", actor=person, scope=scope
    )
    start, deadline = datetime.date(2020, 1, 1), datetime.date(2020, 12, 31)
    task = actions.do_create_task(
        goal=goal, code="1.1", title="原任务", start=start, deadline=deadline, actor=person, scope=scope
    )

    def save(title: str):
        def call() -> tuple[int, str]:
            mine = Task.objects.select_related("goal__region").get(pk=task.pk)
            try:
                actions.do_update_task(
                    mine,
                    revision=task.revision,
                    code="1.1",
                    title=title,
                    start=start,
                    deadline=deadline,
                    actor=person,
                    scope=scope_for(person),
                )
            except Conflict as exc:
                return 409, " ".join(exc.messages)
            return 200, title

        return call

    results = _two_at_once([save("甲改的任务"), save("乙改的任务")])
    task.refresh_from_db()
    out(
        {
            "statuses": [status for status, _m in results],
            "sentences": sum("为避免覆盖对方的修改" in m for _s, m in results),
            "title": task.title,
            "revision": task.revision,
        }
    )


# ---- the worker -----------------------------------------------------------------------------------------------


def work(point: str = "") -> None:
    from zhili.core import jobs

    if os.environ.get("FAULT_LEASE_SECONDS"):
        jobs.LEASE_SECONDS = int(os.environ["FAULT_LEASE_SECONDS"])
    if point == "receipts-add":
        from zhili.projects.importer import ReceiptWriter

        real_add = ReceiptWriter.add

        def add(self, rows):
            real_add(self, rows)
            _pause(point)

        ReceiptWriter.add = add  # type: ignore[method-assign]
    elif point == "publish":
        from zhili.bulletins import delivery

        real_send = delivery.do_send

        def do_send(*args, **kwargs):
            parts = real_send(*args, **kwargs)
            _pause(point)
            return parts

        delivery.do_send = do_send  # type: ignore[assignment]
    elif point in ("robot-sending", "robot-sent"):
        from zhili.bulletins import robots

        real_markdown = robots.DingTalk.send_markdown

        def send_markdown(self, text, *, title=""):
            if point == "robot-sending":
                _pause(point)
            outcome = real_markdown(self, text, title=title)
            assert outcome.kind == robots.SENT, outcome
            _pause(point)
            return outcome

        robots.DingTalk.send_markdown = send_markdown  # type: ignore[method-assign]
    elif point:
        raise SystemExit(f"unknown point {point}")
    out({"done": jobs.run_once()})


def main(argv: list[str]) -> None:
    import django

    django.setup()
    for command in " ".join(argv).split(" + "):
        _one(*command.split())


def _one(command: str, *args: str) -> None:
    from django.db import connection

    connection.close()  # each command of a chain reads afresh
    commands = {
        "setup": lambda: setup(),
        "receipts-file": lambda: receipts_file(args[0], int(args[1])),
        "receipts-start": lambda: receipts_start(args[0]),
        "receipts-state": lambda: receipts_state(int(args[0])),
        "bulletin-queue": lambda: bulletin_queue(args[0], args[1], args[2]),
        "bulletin-state": lambda: bulletin_state(args[0]),
        "published": lambda: published(args[0], args[1], args[2]),
        "resend": lambda: resend(args[0]),
        "work": lambda: work(args[0] if args else ""),
        "drop": lambda: drop(),
        "race-row": lambda: race_row(),
        "race-case": lambda: race_case(),
        "race-household": lambda: race_household(),
        "race-task": lambda: race_task(),
        "sleep": lambda: time.sleep(float(args[0])),
    }
    commands[command]()


if __name__ == "__main__":
    main(sys.argv[1:])
