"""`zhili bulletin build` and `zhili bulletin send` (issue 15): the same rights and audit as the pages — a builder's
first build makes a draft, a reader gets the published version or a sentence; a bad week is a Chinese sentence
(a CommandError: exit code 1); send prints each part's outcome."""

from __future__ import annotations

import io
import sys
import types

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import person
from tests.test_bulletins_pages import fake_render  # noqa: F401  (the renderers' stand-in)
from zhili.bulletins import actions, queries
from zhili.bulletins.models import Delivery, DeliveryStatus, Snapshot, SnapshotStatus
from zhili.core.models import AuditEntry
from zhili.people.scope import scope_for

WEEK = "2020-W46"


def run(*args) -> str:
    out = io.StringIO()
    call_command("bulletin", *args, stdout=out)
    return out.getvalue()


pytestmark = pytest.mark.django_db


@pytest.fixture
def world(world):
    """The demo's world without its year of bulletins: these tests build their weeks from nothing."""
    from zhili.demo.bulletins2020 import without_bulletins

    without_bulletins(world.sub)
    return world


def test_build_makes_a_draft_and_writes_the_file(world, tmp_path, fake_render):  # noqa: F811
    target = tmp_path / "week.md"
    said = run("build", "--week", WEEK, "-o", str(target), "--user", "demo-leader")
    snap = Snapshot.objects.get(region=world.sub, week=WEEK)
    assert snap.status == SnapshotStatus.DRAFT and snap.version == 1
    assert target.read_bytes() and str(target) in said and "已生成草稿" in said
    assert AuditEntry.objects.filter(action="bulletins.snapshot.export").count() == 1
    again = run("build", "--week", WEEK, "--format", "xlsx", "-o", str(tmp_path / "w.bin"), "--user", "demo-leader")
    assert "已生成草稿" not in again and Snapshot.objects.filter(region=world.sub, week=WEEK).count() == 1


def test_a_reader_gets_the_published_version_or_a_sentence(world, tmp_path, fake_render):  # noqa: F811
    with pytest.raises(CommandError) as exc:
        run("build", "--week", WEEK, "-o", str(tmp_path / "a.docx"), "--user", "demo-village")
    assert "尚未发布" in str(exc.value)
    assert not Snapshot.objects.filter(region=world.sub).exists()
    leader = person("demo-leader")
    setup = queries.setup_of(world.sub)
    snap = actions.do_build_snapshot(setup, WEEK, actor=leader, scope=scope_for(leader))
    actions.do_publish_snapshot(snap, actor=leader, scope=scope_for(leader))
    said = run("build", "--week", WEEK, "-o", str(tmp_path / "a.docx"), "--user", "demo-village")
    assert "已发布" in said and (tmp_path / "a.docx").exists()


@pytest.mark.parametrize("bad", ["2020-40", "2020-W60", "last week"])
def test_a_bad_week_is_a_chinese_sentence(world, tmp_path, bad):
    with pytest.raises(CommandError) as exc:
        run("build", "--week", bad, "-o", str(tmp_path / "x.docx"), "--user", "demo-leader")
    assert "周次" in str(exc.value) and "2020-W40" in str(exc.value)


def test_send_posts_the_published_bulletin_and_prints_each_part(world, monkeypatch):
    calls = []
    module = types.ModuleType("zhili.bulletins.delivery")

    def do_send(snapshot, channel, *, actor, scope):
        calls.append((snapshot.pk, channel, actor.username))
        return [
            Delivery.objects.create(snapshot=snapshot, channel=channel, part=part, requested_by=actor)
            for part in ("markdown", "file")
        ]

    def deliver_now(deliveries):
        for d in deliveries:
            d.status = DeliveryStatus.SENT if d.part == "markdown" else DeliveryStatus.FAILED
            d.log = [{"outcome": d.status, "message": "" if d.part == "markdown" else "errcode 93000"}]
            d.save()
        return deliveries

    module.do_send, module.deliver_now = do_send, deliver_now  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "zhili.bulletins.delivery", module)
    import zhili.bulletins

    monkeypatch.setattr(zhili.bulletins, "delivery", module, raising=False)
    with pytest.raises(CommandError) as exc:
        run("send", "--week", WEEK, "--channel", "wecom", "--user", "demo-leader")
    assert "尚未发布" in str(exc.value) and not calls
    leader = person("demo-leader")
    snap = actions.do_build_snapshot(queries.setup_of(world.sub), WEEK, actor=leader, scope=scope_for(leader))
    actions.do_publish_snapshot(snap, actor=leader, scope=scope_for(leader))
    said = run("send", "--week", WEEK, "--channel", "wecom", "--user", "demo-leader")
    assert calls == [(snap.pk, "wecom", "demo-leader")]
    assert "markdown：已发送" in said and "file：发送失败（errcode 93000）" in said
