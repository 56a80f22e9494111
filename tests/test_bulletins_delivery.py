"""Weekly bulletins to the chat groups (issue 15): the WeCom and DingTalk clients against a local server that checks
the documented shapes, sizes, signing and rates (tests/robot_server.py); the delivery worker's parts, order,
retries, uncertainty, refusals, rate and claim; the pages; and no key anywhere it could be read.

The renderers (render_md.markdown, chart.ranking_png, render.render) are other modules of the app: the tests put
trivial stand-ins in their place, so what is checked here is the delivery, not the rendering. Time is passed to
the worker explicitly (`now`), never frozen."""

from __future__ import annotations

import datetime
import logging
import sys
import types

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.bulletins_sample import sample
from tests.conftest import person
from tests.robot_server import RobotServer, free_port
from zhili.bulletins import delivery, queries, robots
from zhili.bulletins.models import Channel, Delivery, DeliveryStatus, Snapshot, SnapshotStatus
from zhili.core.errors import Invalid, Refused
from zhili.core.models import AuditEntry
from zhili.people.scope import scope_for

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
DOCX = b"PK\x03\x04" + b"docx-body" * 100


# ---- stand-ins for the renderers, the server, a published week --------------------------------------------------


def _markdown(data, *, limit_bytes):
    """The stand-in renderer: a line per village (and `_pad` filler lines), cut into parts of ≤ limit_bytes."""
    lines = [f"# {data['title']} {data['number']}"]
    lines += [f"{v['rank']}. {v['name']} {v['score']}" for v in data["villages"]]
    lines += [f"> 第 {i} 条说明：各村要按时完成巡查，逾期事件必须当周清零。" for i in range(data.get("_pad", 0))]
    parts, current = [], ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) > limit_bytes:
            parts.append(current)
            current = line
        else:
            current = candidate
    return [*parts, current]


pytestmark = pytest.mark.django_db


@pytest.fixture
def world(world):
    """The demo's world without its year of bulletins: these tests build their weeks from nothing."""
    from zhili.demo.bulletins2020 import without_bulletins

    without_bulletins(world.sub)
    return world


@pytest.fixture(autouse=True)
def renderers(monkeypatch):
    md = types.ModuleType("zhili.bulletins.render_md")
    md.markdown = _markdown
    chart = types.ModuleType("zhili.bulletins.chart")
    chart.ranking_png = lambda data: PNG
    render = types.ModuleType("zhili.bulletins.render")
    render.render = lambda data, fmt: (DOCX, f"{data['title']}.docx", "application/octet-stream")
    for module in (md, chart, render):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(robots, "TIMEOUTS", (1.0, 0.3))  # the hang switch answers after the client gave up


@pytest.fixture
def server():
    with RobotServer() as s:
        yield s


@pytest.fixture
def leader(world):
    who = person("demo-leader")
    return who, scope_for(who)


@pytest.fixture
def week(world, server, settings):
    settings.ZHILI_WECOM_WEBHOOK_URL = ""
    settings.ZHILI_DINGTALK_WEBHOOK_URL = ""
    settings.ZHILI_DINGTALK_SECRET = ""
    setup = queries.setup_of(world.sub)
    setup.wecom_webhook_url = server.wecom_url
    setup.dingtalk_webhook_url = server.dingtalk_url
    setup.dingtalk_secret = server.dingtalk_secret
    setup.save()
    return _snapshot(world.sub)


def _snapshot(sub, *, status=SnapshotStatus.PUBLISHED, version=1, **data):
    return Snapshot.objects.create(
        region=sub,
        week="2020-W40",
        start=datetime.date(2020, 9, 28),
        end=datetime.date(2020, 10, 4),
        version=version,
        number=40,
        status=status,
        data={**sample(), **data},
    )


def _parts(snapshot, channel):
    return {d.part: d for d in Delivery.objects.filter(snapshot=snapshot, channel=channel)}


def _now(seconds=0):
    return timezone.now() + datetime.timedelta(seconds=seconds)


# ---- the clients and the server ---------------------------------------------------------------------------------


def test_the_clients_send_what_the_robots_document(server):
    wecom = robots.WeCom(server.wecom_url)
    ding = robots.DingTalk(server.dingtalk_url, server.dingtalk_secret)
    assert wecom.send_markdown("# 周通报\n正文").sent
    assert wecom.send_image(PNG).sent
    assert wecom.send_file("太平街道工作周通报.docx", DOCX).sent
    assert ding.send_markdown("# 周通报\n正文", title="太平街道工作周通报").sent
    got = server.accepted("wecom")
    assert [m["msgtype"] for m in got] == ["markdown", "image", "file"]
    assert list(server.media.values()) == [("太平街道工作周通报.docx", DOCX)]
    assert server.accepted("dingtalk")[0]["markdown"] == {"title": "太平街道工作周通报", "text": "# 周通报\n正文"}
    # refused before anything is sent: too large for the robot
    too_big = wecom.send_image(b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024))
    assert too_big.kind == robots.FAILED and "2097152" in too_big.message
    assert wecom.send_markdown("字" * 1366).kind == robots.FAILED  # 4,098 bytes
    # a wrong secret, a revoked key, a refused connection, the rate limit
    assert robots.DingTalk(server.dingtalk_url, "SECwrong").send_markdown("x").errcode == 310000
    refused = robots.WeCom(f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key=abcd1234").send_markdown("x")
    assert refused.kind == robots.RETRY
    assert len(server.accepted()) == 4


def test_the_server_holds_20_a_minute_per_robot(server):
    wecom = robots.WeCom(server.wecom_url)
    ding = robots.DingTalk(server.dingtalk_url, server.dingtalk_secret)
    assert all(wecom.send_markdown(f"第 {i} 条").sent for i in range(20))
    limited = wecom.send_markdown("第 21 条")
    assert (limited.kind, limited.errcode, limited.wait) == (robots.RETRY, 45009, 60)
    assert all(ding.send_markdown(f"第 {i} 条").sent for i in range(20))
    blocked = ding.send_markdown("第 21 条")
    assert (blocked.kind, blocked.errcode, blocked.wait) == (robots.RETRY, 410100, 600)
    server.clock = lambda: __import__("time").time() + 120  # a minute later DingTalk still blocks (10 minutes)
    assert ding.send_markdown("还在限流").errcode == 410100
    assert len(server.accepted("wecom")) == 20 and len(server.accepted("dingtalk")) == 20


def test_masked_shows_the_host_and_the_keys_last_four():
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
    assert robots.masked(url) == "qyapi.weixin.qq.com ****5aaa"
    assert "693a91f6" not in repr(robots.WeCom(url))
    with pytest.raises(ValueError, match="地址格式不对"):
        robots.WeCom("https://qyapi.weixin.qq.com/cgi-bin/webhook/send")


# ---- sending a published week ------------------------------------------------------------------------------------


def test_a_week_reaches_both_groups_once(week, server, leader):
    who, scope = leader
    wecom = delivery.do_send(week, Channel.WECOM, actor=who, scope=scope)
    ding = delivery.do_send(week, Channel.DINGTALK, actor=who, scope=scope)
    assert [d.part for d in wecom] == ["markdown", "image", "file"]
    assert [d.part for d in ding] == ["markdown"]
    assert AuditEntry.objects.filter(action="bulletins.delivery.send", object_id=str(week.pk)).count() == 2
    assert delivery.deliver_due(_now()) == 4
    got = server.accepted("wecom")
    assert [m["msgtype"] for m in got] == ["markdown", "image", "file"]
    assert got[0]["markdown"]["content"].startswith("# 太平街道工作周通报")
    assert server.accepted("dingtalk")[0]["markdown"]["title"] == "太平街道工作周通报 太平通〔2020〕40号"
    assert {d.status for d in Delivery.objects.filter(snapshot=week)} == {DeliveryStatus.SENT}
    # again: the same parts, nothing posted twice
    again = delivery.do_send(week, Channel.WECOM, actor=who, scope=scope)
    assert [d.pk for d in again] == [d.pk for d in wecom]
    assert delivery.deliver_due(_now(3600)) == 0
    assert len(server.accepted()) == 4
    assert AuditEntry.objects.filter(action="bulletins.delivery.send").count() == 2
    log = Delivery.objects.get(snapshot=week, channel=Channel.WECOM, part="markdown").log
    assert [e["outcome"] for e in log] == ["sent"] and set(log[0]) >= {"at", "outcome", "errcode", "message"}


def test_long_markdown_goes_in_parts_of_4096_bytes(world, server, leader, settings):
    settings.ZHILI_WECOM_WEBHOOK_URL = server.wecom_url  # the environment's robot: the setup names none
    snapshot = _snapshot(world.sub, _pad=150)
    who, scope = leader
    parts = delivery.do_send(snapshot, Channel.WECOM, actor=who, scope=scope)
    names = [d.part for d in parts]
    assert names[:2] == ["markdown-1", "markdown-2"] and names[-2:] == ["image", "file"]
    delivery.deliver_due(_now())
    texts = [m["markdown"]["content"] for m in server.accepted("wecom") if m["msgtype"] == "markdown"]
    assert len(texts) == len(names) - 2 >= 3
    assert all(len(t.encode()) <= 4096 for t in texts)
    assert "\n".join(texts) == "\n".join(_markdown(snapshot.data, limit_bytes=4096))
    assert [m["msgtype"] for m in server.accepted("wecom")][-2:] == ["image", "file"]


def test_45009_is_retried_later_and_delivered_once(week, server, leader):
    who, scope = leader
    delivery.do_send(week, Channel.WECOM, actor=who, scope=scope)
    server.error("wecom", 45009, "api freq out of limit")
    now = _now()
    delivery.deliver_due(now)
    parts = _parts(week, Channel.WECOM)
    md = parts["markdown"]
    assert md.status == DeliveryStatus.RETRYING and md.attempts == 1
    assert md.next_attempt_at >= now + datetime.timedelta(seconds=60)
    assert md.log[-1]["errcode"] == 45009 and "45009" in md.log[-1]["message"]
    # the image and the file wait for the text
    assert parts["image"].status == DeliveryStatus.PENDING and parts["image"].attempts == 0
    assert server.accepted("wecom") == []
    assert delivery.deliver_due(now + datetime.timedelta(seconds=30)) == 0
    delivery.deliver_due(now + datetime.timedelta(seconds=61))
    assert [m["msgtype"] for m in server.accepted("wecom")] == ["markdown", "image", "file"]
    md.refresh_from_db()
    assert (md.status, md.attempts, [e["outcome"] for e in md.log]) == (DeliveryStatus.SENT, 2, ["retry", "sent"])


def test_backoff_doubles_and_gives_up_after_five_tries(week, server, leader):
    who, scope = leader
    delivery.do_send(week, Channel.DINGTALK, actor=who, scope=scope)
    server.http_error("dingtalk", 502, times=5)
    now = _now()
    waits = []
    for _ in range(5):
        delivery.deliver_due(now)
        md = _parts(week, Channel.DINGTALK)["markdown"]
        if md.next_attempt_at:
            waits.append(round((md.next_attempt_at - now).total_seconds()))
            now = md.next_attempt_at
    assert waits == [30, 60, 120, 240]
    assert md.status == DeliveryStatus.FAILED and md.attempts == 5
    assert "已尝试 5 次" in md.log[-1]["message"]
    assert delivery.deliver_due(now + datetime.timedelta(hours=1)) == 0
    assert server.accepted() == []


def test_dingtalk_block_waits_ten_minutes(week, server, leader):
    who, scope = leader
    delivery.do_send(week, Channel.DINGTALK, actor=who, scope=scope)
    server.error("dingtalk", 410100, "send too fast, exceed 20 times per minute")
    now = _now()
    delivery.deliver_due(now)
    md = _parts(week, Channel.DINGTALK)["markdown"]
    assert md.status == DeliveryStatus.RETRYING
    assert md.next_attempt_at == now + datetime.timedelta(seconds=600)


def test_no_answer_after_sending_is_uncertain_and_not_posted_twice(week, server, leader, as_persona):
    who, scope = leader
    delivery.do_send(week, Channel.WECOM, actor=who, scope=scope)
    server.hang("wecom", 1.0)  # accepts the message, answers after the client's 0.3 s
    now = _now()
    delivery.deliver_due(now)
    md = _parts(week, Channel.WECOM)["markdown"]
    assert md.status == DeliveryStatus.UNCERTAIN and md.attempts == 1
    assert "可能已经发到群里" in md.log[-1]["message"]
    # an uncertain part does not hold the rest (it may well be in the group): each went once, each uncertain
    assert [m["msgtype"] for m in server.accepted("wecom")] == ["markdown", "image", "file"]
    assert {d.status for d in _parts(week, Channel.WECOM).values()} == {DeliveryStatus.UNCERTAIN}
    server.hang("wecom", 0)
    assert delivery.deliver_due(now + datetime.timedelta(hours=2)) == 0  # never resent by itself
    assert len(server.accepted("wecom")) == 3
    md.refresh_from_db()
    assert md.status == DeliveryStatus.UNCERTAIN and md.attempts == 1
    # the page offers 重新发送; a person who checked the group asks for it
    page = as_persona("leader").get(reverse("bulletins:deliveries"))
    assert page.status_code == 200 and "重新发送" in page.content.decode()
    response = as_persona("leader").post(reverse("bulletins:delivery_resend", args=[md.pk]))
    assert response.status_code == 302
    delivery.deliver_due(_now(2 * 3600 + 5))
    md.refresh_from_db()
    assert md.status == DeliveryStatus.SENT
    assert [m["msgtype"] for m in server.accepted("wecom")] == ["markdown", "image", "file", "markdown"]
    assert AuditEntry.objects.filter(action="bulletins.delivery.resend", object_id=str(md.pk)).count() == 1
    with pytest.raises(Invalid):  # a sent part is never sent again
        delivery.do_resend(md, actor=who, scope=scope)


def test_a_revoked_key_fails_with_a_sentence_and_the_rest_waits(week, server, leader):
    who, scope = leader
    delivery.do_send(week, Channel.WECOM, actor=who, scope=scope)
    server.revoke("wecom")
    now = _now()
    delivery.deliver_due(now)
    parts = _parts(week, Channel.WECOM)
    md = parts["markdown"]
    assert md.status == DeliveryStatus.FAILED and md.attempts == 1
    assert md.log[-1]["errcode"] == 93000
    assert "机器人地址无效" in md.log[-1]["message"] and "重新发送" in md.log[-1]["message"]
    assert parts["image"].status == DeliveryStatus.PENDING and parts["image"].next_attempt_at is None
    assert "等待前面的部分" in delivery.waiting_sentence(parts["image"])
    assert delivery.deliver_due(now + datetime.timedelta(hours=1)) == 0
    # a new key in the setup, then 重新发送: the text and the parts behind it go
    server._revoked.clear()
    delivery.do_resend(md, actor=who, scope=scope)
    delivery.deliver_due(_now(5))
    assert [m["msgtype"] for m in server.accepted("wecom")] == ["markdown", "image", "file"]


def test_a_bad_signature_fails(week, server, leader):
    who, scope = leader
    setup = queries.setup_of(week.region)
    setup.dingtalk_secret = "SECnot-the-robots"
    setup.save()
    delivery.do_send(week, Channel.DINGTALK, actor=who, scope=scope)
    delivery.deliver_due(_now())
    md = _parts(week, Channel.DINGTALK)["markdown"]
    assert md.status == DeliveryStatus.FAILED and md.log[-1]["errcode"] == 310000
    assert "加签密钥" in md.log[-1]["message"]


def test_two_workers_post_a_part_once(week, server, leader, monkeypatch):
    who, scope = leader
    delivery.do_send(week, Channel.WECOM, actor=who, scope=scope)
    now = _now()
    # a second worker runs while the first is sending the text: the text is claimed, the image must wait for it
    inner = []
    real = robots.WeCom.send_markdown

    def send_markdown(self, text, *, title=""):
        inner.append(delivery.deliver_due(now))
        return real(self, text, title=title)

    monkeypatch.setattr(robots.WeCom, "send_markdown", send_markdown)
    delivery.deliver_due(now)
    assert inner == [0]
    assert [m["msgtype"] for m in server.accepted("wecom")] == ["markdown"]
    delivery.deliver_due(now + datetime.timedelta(seconds=6))  # the parts that waited for it look again
    assert [m["msgtype"] for m in server.accepted("wecom")] == ["markdown", "image", "file"]
    # two workers that read the same due part before either claimed it: one UPDATE wins
    week2 = _snapshot(week.region, version=2)
    Snapshot.objects.filter(pk=week.pk).update(status=SnapshotStatus.SUPERSEDED)
    delivery.do_send(week2, Channel.DINGTALK, actor=who, scope=scope)
    later = _now()
    due = delivery._due(later)
    assert len(due) == 1
    results = [delivery.attempt(due[0], later), delivery.attempt(due[0], later)]
    assert results == ["sent", "taken"]
    assert len(server.accepted("dingtalk")) == 1


def test_twenty_a_minute_is_counted_from_the_log_and_postpones(week, server, leader):
    who, scope = leader
    delivery.do_send(week, Channel.WECOM, actor=who, scope=scope)
    now = _now()
    robot = robots.WeCom(server.wecom_url)
    # twenty messages this robot was sent in the last minute, by other workers (another week's parts)
    other = _snapshot(week.region, version=2, status=SnapshotStatus.SUPERSEDED)
    for i in range(20):
        at = now - datetime.timedelta(seconds=50 - i)
        Delivery.objects.create(
            snapshot=other,
            channel=Channel.WECOM,
            part=f"markdown-{i + 1}",
            status=DeliveryStatus.SENT,
            attempts=1,
            log=[{"at": at.isoformat(), "outcome": "sent", "errcode": 0, "message": "", "rid": robot.robot_id}],
        )
    assert delivery.deliver_due(now) == 0
    md = _parts(week, Channel.WECOM)["markdown"]
    assert md.status == DeliveryStatus.PENDING and md.attempts == 0
    assert md.next_attempt_at == now - datetime.timedelta(seconds=50) + datetime.timedelta(seconds=61)
    assert "排队中" in delivery.waiting_sentence(md, now)
    assert server.accepted() == []
    delivery.deliver_due(md.next_attempt_at)
    md.refresh_from_db()
    assert md.status == DeliveryStatus.SENT


def test_deliver_now_sends_at_once(week, server, leader):
    who, scope = leader
    parts = delivery.do_send(week, Channel.WECOM, actor=who, scope=scope)
    done = delivery.deliver_now(parts, wait_seconds=0)
    assert [d.status for d in done] == [DeliveryStatus.SENT] * 3
    assert len(server.accepted("wecom")) == 3


# ---- refusals -----------------------------------------------------------------------------------------------------


def test_only_a_published_week_with_a_robot_by_those_who_build(world, server, leader, settings):
    who, scope = leader
    settings.ZHILI_WECOM_WEBHOOK_URL = ""
    settings.ZHILI_DINGTALK_WEBHOOK_URL = ""
    draft = _snapshot(world.sub, status=SnapshotStatus.DRAFT)
    with pytest.raises(Invalid, match="已发布"):
        delivery.do_send(draft, Channel.WECOM, actor=who, scope=scope)
    published = _snapshot(world.sub, version=2)
    with pytest.raises(Invalid, match="ZHILI_WECOM_WEBHOOK_URL"):
        delivery.do_send(published, Channel.WECOM, actor=who, scope=scope)
    with pytest.raises(Invalid, match="ZHILI_DINGTALK_SECRET"):
        delivery.do_send(published, Channel.DINGTALK, actor=who, scope=scope)
    settings.ZHILI_WECOM_WEBHOOK_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"  # no key
    with pytest.raises(Invalid, match="地址格式不对"):
        delivery.do_send(published, Channel.WECOM, actor=who, scope=scope)
    settings.ZHILI_WECOM_WEBHOOK_URL = server.wecom_url
    viewer = person("demo-viewer")
    with pytest.raises(Refused):
        delivery.do_send(published, Channel.WECOM, actor=viewer, scope=scope_for(viewer))
    assert not Delivery.objects.filter(snapshot__in=[draft, published]).exists()
    assert len(delivery.do_send(published, Channel.WECOM, actor=who, scope=scope)) == 3


# ---- pages and secrets ---------------------------------------------------------------------------------------------


def test_pages_send_and_show_the_log_without_keys(week, server, leader, as_persona, caplog):
    caplog.set_level(logging.DEBUG)
    client = as_persona("leader")
    url = reverse("bulletins:send", args=[week.week, week.version])
    assert client.post(url, {"channel": "nowhere"}).status_code == 400
    assert client.post(url, {"channel": Channel.WECOM}).status_code == 302
    assert client.post(url, {"channel": Channel.DINGTALK}).status_code == 302
    server.error("wecom", 40058, f"invalid key {server.wecom_key}")  # a robot that repeats the key back
    delivery.deliver_due(_now())
    page = client.get(reverse("bulletins:deliveries"))
    html = page.content.decode()
    assert page.status_code == 200 and 'class="table-wrap"' in html
    assert f"****{server.wecom_key[-4:]}" in html and f"****{server.dingtalk_token[-4:]}" in html
    assert "发送失败" in html and "已发送" in html
    secrets = (server.wecom_key, server.dingtalk_token, server.dingtalk_secret)
    logs = [str(d.log) for d in Delivery.objects.filter(snapshot=week)]
    audit = [
        f"{e.object_repr} {e.changes} {e.reason}" for e in AuditEntry.objects.filter(action__startswith="bulletins")
    ]
    for secret in secrets:
        assert secret not in html
        assert secret not in caplog.text
        assert not any(secret in text for text in logs)
        assert not any(secret in text for text in audit)
    assert as_persona("viewer").get(reverse("bulletins:deliveries")).status_code == 403


def test_a_refused_connection_is_retried_and_a_dead_worker_leaves_the_part_uncertain(world, leader):
    who, scope = leader
    setup = queries.setup_of(world.sub)
    setup.wecom_webhook_url = f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key=nobody-listens-1234"
    setup.save()
    snapshot = _snapshot(world.sub)
    delivery.do_send(snapshot, Channel.WECOM, actor=who, scope=scope)
    now = _now()
    delivery.deliver_due(now)
    md = _parts(snapshot, Channel.WECOM)["markdown"]
    assert md.status == DeliveryStatus.RETRYING and md.log[-1]["outcome"] == "retry"
    assert md.log[-1]["robot"] == "127.0.0.1:" + setup.wecom_webhook_url.split(":")[2].split("/")[0] + " ****1234"
    # a worker claimed the part and died before it heard back: the part stays uncertain, never sent by itself
    later = md.next_attempt_at
    assert delivery.attempt(md.pk, later) == "retry"
    md.refresh_from_db()
    Delivery.objects.filter(pk=md.pk).update(
        status=DeliveryStatus.UNCERTAIN,
        log=[*md.log, {"at": later.isoformat(), "outcome": "sending", "errcode": None, "message": "", "rid": "x"}],
    )
    md.refresh_from_db()
    assert delivery.in_flight(md, later) and not delivery.resendable(md)
    gone = later + datetime.timedelta(minutes=5)
    assert not delivery.in_flight(md, gone)
    assert "发送过程中断" in delivery.waiting_sentence(md, gone)
    attempts = md.attempts
    delivery.deliver_due(gone)  # the image may now go (and finds nobody listening); the text is not tried again
    md.refresh_from_db()
    assert (md.status, md.attempts) == (DeliveryStatus.UNCERTAIN, attempts)
