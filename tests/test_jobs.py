"""The background runner (core/jobs.py): idempotent enqueue, one winner per claim, Retry and backoff, leases
taken over, the weekly bulletin's schedule and run, the 后台任务 page, `zhili worker`."""

from __future__ import annotations

import datetime
import importlib
import io
import sys
import types
from unittest import mock

import pytest
from django.core.management import call_command
from django.db.models import QuerySet
from django.utils import timezone

import zhili.bulletins
from zhili.bulletins import schedule
from zhili.bulletins.models import BulletinSetup, Snapshot, SnapshotStatus
from zhili.core import jobs
from zhili.core.errors import Invalid
from zhili.core.models import AuditEntry, JobRun, RunStatus

CALLS: list[str] = []


@jobs.handler("test.ok", label="测试任务")
def _ok(run):
    CALLS.append(run.key)
    return {"echo": run.payload.get("n")}


@jobs.handler("test.refuse", label="测试任务")
def _refuse(run):
    raise Invalid("台账数据不全，无法生成。")


@jobs.handler("test.busy", label="测试任务")
def _busy(run):
    raise jobs.Retry("机器人限流，稍后再发。", after=120)


def _due_now(run):
    JobRun.objects.filter(pk=run.pk).update(run_after=timezone.now() - datetime.timedelta(seconds=1))


@pytest.fixture
def world_runs(world):
    """The demo's world without its published weeks (the schedule would find 2020-W46 published)."""
    from zhili.bulletins.models import Delivery

    CALLS.clear()
    Delivery.objects.filter(snapshot__region=world.sub).delete()
    Snapshot.objects.filter(region=world.sub).delete()
    return world


def test_enqueue_is_idempotent(world_runs):
    a = jobs.enqueue("test.ok", "k1", payload={"n": 1}, region_path=world_runs.sub.path)
    b = jobs.enqueue("test.ok", "k1", payload={"n": 2})
    assert a.pk == b.pk and b.payload == {"n": 1}
    assert JobRun.objects.filter(kind="test.ok", key="k1").count() == 1
    assert jobs.enqueue("test.ok", "k2").pk != a.pk


def test_enqueue_race_reads_the_winner(world_runs):
    """Two workers enqueuing the same week: the second's read missed the first's row; its insert loses on the
    unique key and it returns the winner's run, its own transaction still usable."""
    winner = jobs.enqueue("test.ok", "week", payload={"n": 1})
    with mock.patch.object(QuerySet, "first", return_value=None):
        loser = jobs.enqueue("test.ok", "week", payload={"n": 2})
    assert loser.pk == winner.pk and loser.payload == {"n": 1}
    assert JobRun.objects.filter(kind="test.ok", key="week").count() == 1


def test_two_workers_claim_once(world_runs):
    run = jobs.enqueue("test.ok", "once", payload={"n": 3})
    found = [r for r in jobs.due_runs() if r[0] == run.pk]
    assert found
    first = jobs.claim(*found[0])
    second = jobs.claim(*found[0])  # the other worker read the same row
    assert first is not None and second is None
    assert first.status == RunStatus.RUNNING and first.attempts == 1 and first.lease_until > timezone.now()
    jobs.execute(first)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.result == {"echo": 3} and CALLS == ["once"]
    assert jobs.claim(*found[0]) is None  # done: nobody takes it again


def test_run_once_processes_due_runs_only(world_runs):
    jobs.enqueue("test.ok", "now")
    jobs.enqueue("test.ok", "later", run_after=timezone.now() + datetime.timedelta(hours=1))
    seen = []
    assert jobs.run_once(report=seen.append) >= 1
    assert "now" in CALLS and "later" not in CALLS
    assert [r.key for r in seen if r.kind == "test.ok"] == ["now"]
    assert JobRun.objects.get(kind="test.ok", key="later").status == RunStatus.QUEUED


def test_retry_requeues_after_its_wait(world_runs):
    run = jobs.enqueue("test.busy", "r", max_attempts=2)
    jobs.run_due()
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.attempts == 1
    assert run.error == "机器人限流，稍后再发。"
    assert run.run_after > timezone.now() + datetime.timedelta(seconds=100)
    assert run.lease_token == "" and run.lease_until is None
    _due_now(run)
    jobs.run_due()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.attempts == 2 and run.error == "机器人限流，稍后再发。"


def test_failures_back_off_then_fail_with_the_reason(world_runs):
    run = jobs.enqueue("test.refuse", "f", max_attempts=3, region_path=world_runs.sub.path)
    waits = []
    for _attempt in range(3):
        before = timezone.now()
        assert jobs.run_due() == 1
        run.refresh_from_db()
        if run.status == RunStatus.QUEUED:
            waits.append((run.run_after - before).total_seconds())
            _due_now(run)
    assert [round(w) for w in waits] == [30, 60]
    assert run.status == RunStatus.FAILED and run.attempts == 3
    assert run.error == "台账数据不全，无法生成。"  # the sentence as it is, no traceback
    assert run.finished_at is not None
    assert jobs.run_due() == 0  # a failed run stays failed until someone retries it
    assert [jobs.backoff(n) for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_an_expired_lease_is_taken_over(world_runs):
    run = jobs.enqueue("test.ok", "lease", payload={"n": 5})
    dead = jobs.claim(*next(r for r in jobs.due_runs() if r[0] == run.pk))
    assert dead is not None
    assert run.pk not in [r[0] for r in jobs.due_runs()]  # held under a lease: not due
    JobRun.objects.filter(pk=run.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    found = [r for r in jobs.due_runs() if r[0] == run.pk]
    assert found and found[0][1] == RunStatus.RUNNING
    taken = jobs.claim(*found[0])
    assert taken is not None and taken.attempts == 2 and taken.lease_token != dead.lease_token
    with pytest.raises(jobs.LeaseLost):
        jobs.heartbeat(dead)  # the dead worker, were it to wake up, learns it lost the run
    jobs.heartbeat(taken)
    jobs.execute(dead)  # and what it would write is dropped
    assert JobRun.objects.get(pk=run.pk).status == RunStatus.RUNNING
    jobs.execute(taken)
    assert JobRun.objects.get(pk=run.pk).status == RunStatus.DONE


def test_a_run_interrupted_at_its_last_attempt_fails(world_runs):
    run = jobs.enqueue("test.ok", "crashy", max_attempts=1)
    assert jobs.claim(*next(r for r in jobs.due_runs() if r[0] == run.pk))
    JobRun.objects.filter(pk=run.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    jobs.run_due()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "中断" in run.error and CALLS == []


# ---- the weekly bulletin ----------------------------------------------------------------------------------


def _setup(world, **values) -> BulletinSetup:
    defaults = {"weekday": 1, "at": datetime.time(8, 0), "scheduled": True}
    setup, _created = BulletinSetup.objects.update_or_create(region=world.sub, defaults={**defaults, **values})
    return setup


def _at(day: str, hhmm: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day} {hhmm}"))


def test_the_schedule_enqueues_the_previous_week_once(world_runs):
    setup = _setup(world_runs)
    friday = _at("2020-11-20", "10:00")  # the demo's day: week 47; week 46 ended last Sunday
    assert schedule.weekly(friday) == 1
    assert schedule.weekly(friday) == 0
    assert jobs.run_schedules(friday) == 0
    runs = JobRun.objects.filter(kind=schedule.KIND)
    assert [(r.key, r.payload, r.region_path) for r in runs] == [
        (f"{world_runs.sub.code}:2020-W46", {"region_id": world_runs.sub.pk, "week": "2020-W46"}, world_runs.sub.path)
    ]
    assert schedule.weekly(_at("2020-11-23", "07:59")) == 0  # Monday before 08:00: week 47 not due yet
    assert schedule.weekly(_at("2020-11-23", "08:00")) == 1
    setup.scheduled = False
    setup.save()
    assert schedule.weekly(_at("2020-11-30", "09:00")) == 0


def test_the_schedule_waits_for_the_weeks_moment(world_runs):
    _setup(world_runs, weekday=5, at=datetime.time(17, 30))
    assert schedule.weekly(_at("2020-11-20", "17:29")) == 0
    assert schedule.weekly(_at("2020-11-20", "17:30")) == 1
    assert JobRun.objects.get(kind=schedule.KIND).payload["week"] == "2020-W46"


def test_a_week_published_by_hand_gets_no_run(world_runs, django_assert_max_num_queries):
    _setup(world_runs)
    monday = datetime.date(2020, 11, 9)
    Snapshot.objects.create(
        region=world_runs.sub,
        week="2020-W46",
        start=monday,
        end=monday + datetime.timedelta(6),
        status=SnapshotStatus.PUBLISHED,
    )
    with django_assert_max_num_queries(3):
        assert schedule.weekly(_at("2020-11-20", "10:00")) == 0
    assert not JobRun.objects.filter(kind=schedule.KIND).exists()


def test_the_schedule_reads_zhilis_day(world_runs):
    """Called by the runner, the schedule is given core.clock's now: the demo's 2020, not the machine's year."""
    _setup(world_runs)
    jobs.run_schedules()
    keys = list(JobRun.objects.filter(kind=schedule.KIND).values_list("key", flat=True))
    assert keys == [f"{world_runs.sub.code}:2020-W46"]


def _fake(monkeypatch, name: str) -> types.ModuleType:
    """The bulletins' module `name` (written by other helpers): the real one when it exists, else a stand-in."""
    full = f"zhili.bulletins.{name}"
    try:
        return importlib.import_module(full)
    except ImportError:
        module = types.ModuleType(full)
        monkeypatch.setitem(sys.modules, full, module)
        monkeypatch.setattr(zhili.bulletins, name, module, raising=False)
        return module


@pytest.fixture
def bulletin_calls(monkeypatch, world):
    """The week's build is a stand-in (the sample's data, no demo figures needed) and sending records its calls;
    publishing is the real action, which queues the messages when the setup says so."""
    from tests.bulletins_sample import sample
    from zhili.bulletins import actions, delivery

    calls: list[tuple] = []

    def build(setup, week, *, actor, scope):
        calls.append(("build", week, actor.username, scope.can_admin(setup.region.path)))
        start = datetime.date.fromisocalendar(int(week[:4]), int(week[-2:]), 1)
        draft, _made = Snapshot.objects.get_or_create(
            region=setup.region,
            week=week,
            version=1,
            defaults={"start": start, "end": start + datetime.timedelta(6), "data": {**sample(), "week": week}},
        )
        return draft

    def send(snapshot, channel, *, actor, scope):
        calls.append(("send", snapshot.week, channel))

    monkeypatch.setattr(actions, "do_build_snapshot", build)
    monkeypatch.setattr(delivery, "do_send", send)
    return calls


def test_the_weeks_run_builds_publishes_and_sends(world_runs, bulletin_calls):
    _setup(world_runs, send_on_publish=True, wecom_webhook_url="http://robot.local/wecom?key=x")
    schedule.weekly(_at("2020-11-20", "10:00"))
    assert jobs.run_due() == 1
    run = JobRun.objects.get(kind=schedule.KIND)
    assert run.status == RunStatus.DONE, run.error
    assert bulletin_calls == [("build", "2020-W46", "demo-leader", True), ("send", "2020-W46", "wecom")]
    snap = Snapshot.objects.get(region=world_runs.sub, week="2020-W46")
    assert snap.status == SnapshotStatus.PUBLISHED and run.result["built"] is True


def test_a_failed_send_publishes_nothing_and_the_retry_does_it_once(world_runs, bulletin_calls, monkeypatch):
    """Queuing the messages failed while publishing: the publication is undone with it (nothing half-done); the
    next attempt publishes the week once, and queues its messages."""
    from zhili.bulletins import delivery

    _setup(world_runs, send_on_publish=True, dingtalk_webhook_url="http://robot.local/ding")
    real_send = delivery.do_send
    monkeypatch.setattr(delivery, "do_send", mock.Mock(side_effect=Invalid("钉钉群机器人无法连接。")))
    schedule.weekly(_at("2020-11-20", "10:00"))
    jobs.run_due()
    run = JobRun.objects.get(kind=schedule.KIND)
    assert run.status == RunStatus.QUEUED and run.error == "钉钉群机器人无法连接。"
    assert not Snapshot.objects.filter(region=world_runs.sub, status=SnapshotStatus.PUBLISHED).exists()
    monkeypatch.setattr(delivery, "do_send", real_send)
    _due_now(run)
    jobs.run_due()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    published = Snapshot.objects.filter(region=world_runs.sub, week="2020-W46", status=SnapshotStatus.PUBLISHED)
    assert [s.version for s in published] == [1]
    assert [c[0] for c in bulletin_calls] == ["build", "build", "send"]


def test_a_refused_build_fails_with_its_sentence(world_runs, bulletin_calls, monkeypatch):
    _setup(world_runs)
    actions = sys.modules["zhili.bulletins.actions"]
    monkeypatch.setattr(
        actions, "do_build_snapshot", mock.Mock(side_effect=Invalid("2020-W46 尚未开始，不能生成通报。"))
    )
    schedule.weekly(_at("2020-11-20", "10:00"))
    run = JobRun.objects.get(kind=schedule.KIND)
    JobRun.objects.filter(pk=run.pk).update(max_attempts=1)
    jobs.run_due()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error == "2020-W46 尚未开始，不能生成通报。"


# ---- the 后台任务 page and the worker ---------------------------------------------------------------------


def _failed(world, key="page") -> JobRun:
    run = jobs.enqueue("bulletins.build", f"{world.sub.code}:{key}", region_path=world.sub.path)
    JobRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, attempts=5, error="没有找到乡镇（街道）的系统管理员。"
    )
    run.refresh_from_db()
    return run


def test_the_page_shows_failed_runs_to_administrators(world_runs, as_persona):
    run = _failed(world_runs)
    leader = as_persona("leader")
    page = leader.get("/jobs/?status=failed")
    assert page.status_code == 200
    text = page.content.decode()
    assert "没有找到乡镇（街道）的系统管理员。" in text and "生成并发布周通报" in text and "重试" in text
    assert "后台任务" in leader.get("/").content.decode()  # the navigation's link
    assert leader.get("/jobs/?status=nonsense").status_code == 400
    village = as_persona("village")
    assert village.get("/jobs/").status_code == 404
    assert village.post(f"/jobs/{run.pk}/retry/").status_code == 404
    assert "/jobs/" not in village.get("/").content.decode()
    assert JobRun.objects.get(pk=run.pk).status == RunStatus.FAILED


def test_retry_from_the_page_is_audited(world_runs, as_persona):
    run = _failed(world_runs)
    before = AuditEntry.objects.count()
    response = as_persona("leader").post(f"/jobs/{run.pk}/retry/")
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.attempts == 0 and run.run_after <= timezone.now()
    entry = AuditEntry.objects.order_by("-pk").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "core.jobrun.retry" and entry.actor.username == "demo-leader"
    assert entry.region_path == world_runs.sub.path
    again = as_persona("leader").post(f"/jobs/{run.pk}/retry/")  # no longer failed: a 409, nothing written
    assert again.status_code == 409 and AuditEntry.objects.count() == before + 1


def test_the_worker_prints_a_line_per_run(world_runs, monkeypatch):
    monkeypatch.setattr(jobs, "fresh_connection", lambda: None)  # it would close the test's transaction
    _setup(world_runs, scheduled=False)  # no weekly bulletin among the runs counted
    jobs.enqueue("test.ok", "w1")
    jobs.enqueue("test.refuse", "w2", max_attempts=1)
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    text = out.getvalue()
    assert "完成：测试任务（w1）" in text
    assert "失败：测试任务（w2），第 1 次：台账数据不全，无法生成。" in text
    assert "处理了 2 个任务。" in text
