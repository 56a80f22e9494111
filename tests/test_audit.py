"""The audit log: append-only in the model and in the database, readable by the audit administrators (安全审计员,
三员分立: not the system or security administrators), filterable."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from tests.conftest import person
from zhili.core import audit
from zhili.core.models import AuditEntry
from zhili.people.models import Person


def at(y: int, m: int, d: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(y, m, d, 12, 0))


@pytest.fixture
def entry(world) -> AuditEntry:
    return audit.record(
        person("demo-leader"), "region.update", world.kong, changes={"note": ["", "审计测试"]}, reason="测试"
    )


def test_record_writes_who_what_when_and_the_values(world, entry):
    assert entry.actor.username == "demo-leader"
    assert entry.actor_name == "周太平"
    assert entry.object_type == "regions.region"
    assert entry.object_id == str(world.kong.pk)
    assert entry.object_repr == "孔家坊村"
    assert entry.region_path == world.kong.path
    assert entry.changes == {"note": ["", "审计测试"]}
    assert abs((timezone.now() - entry.at).total_seconds()) < 60


def test_record_makes_values_json_safe(world):
    e = audit.record(
        None,
        "test.values",
        world.kong,
        changes={"on": [None, datetime.date(2026, 1, 2)], "who": [None, world.yan], "n": [None, 3]},
    )
    e.refresh_from_db()
    assert e.changes == {"on": [None, "2026-01-02"], "who": [None, "阎桥村"], "n": [None, 3]}
    assert e.actor is None and e.actor_name == "系统"


def test_an_entry_cannot_be_saved_again(entry):
    entry.reason = "改过的原因"
    with pytest.raises(RuntimeError, match="审计记录只能追加，不能修改"):
        entry.save()
    entry.refresh_from_db()
    assert entry.reason == "测试"


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(RuntimeError, match="审计记录只能追加，不能删除"):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_queryset_update_is_refused_by_the_database(entry):
    with pytest.raises((RuntimeError, DatabaseError)), transaction.atomic():  # the model refuses first
        AuditEntry.objects.filter(pk=entry.pk).update(reason="绕过模型改的")
    entry.refresh_from_db()
    assert entry.reason == "测试"


def test_a_queryset_delete_is_refused(entry):
    """QuerySet.delete() skips Model.delete(); the log must stay append-only on every database."""
    with pytest.raises((RuntimeError, DatabaseError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_raw_sql_update_is_refused_by_the_database(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET reason = %s WHERE id = %s", ["篡改", entry.pk])
    entry.refresh_from_db()
    assert entry.reason == "测试"


def test_raw_sql_update_of_all_rows_is_refused(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET actor_name = %s", ["某人"])
    assert not AuditEntry.objects.filter(actor_name="某人").exists()


def test_raw_sql_delete_is_refused_on_postgresql(entry):
    """PostgreSQL refuses DELETE as well (SQLite keeps DELETE for Django's test flush; see migration 0003)."""
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'core_auditentry'")
            assert [row[0] for row in cursor.fetchall()] == ["core_auditentry_no_update"]
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


# ---- the audit log page -----------------------------------------------------------------------------


@pytest.fixture
def entries(world):
    """Four entries dated ahead of every real one (the demo's people act in real time), so each is on the first page."""
    leader = person("demo-leader")
    economy = person("demo-economy")
    common = {"action": "region.update", "object_type": "regions.region"}
    return {
        "甲": AuditEntry.objects.create(
            at=at(2099, 1, 5),
            actor=leader,
            actor_name="周太平",
            object_id=str(world.kong.pk),
            object_repr="孔家坊村",
            region_path=world.kong.path,
            reason="标记甲",
            changes={"name": ["孔家坊村", "孔家坊新村"]},
            **common,
        ),
        "乙": AuditEntry.objects.create(
            at=at(2099, 3, 1),
            actor=economy,
            actor_name="刘经发",
            object_id=str(world.yan.pk),
            object_repr="阎桥村",
            region_path=world.yan.path,
            reason="标记乙",
            **common,
        ),
        "丙": AuditEntry.objects.create(
            at=at(2099, 2, 1),
            actor=None,
            actor_name="系统",
            object_id="0",
            object_repr="别的区",
            region_path="370100/370199/",
            reason="标记丙",
            **common,
        ),
        "丁": AuditEntry.objects.create(
            at=at(2099, 2, 2),
            actor=None,
            actor_name="系统",
            object_id="0",
            object_repr="无区划",
            region_path="",
            reason="标记丁",
            **common,
        ),
    }


@pytest.fixture
def auditor(world):
    """A client signed in as the subdistrict's audit administrator (tests/security_personas.py)."""
    from django.test import Client

    from tests.security_personas import admin_persona

    client = Client()
    client.force_login(admin_persona(world, "auditor"))
    return client


def shown(response) -> set[str]:
    html = response.content.decode()
    return {mark for mark in "甲乙丙丁" if f"标记{mark}" in html}


def test_the_auditor_reads_the_log_of_their_subdistrict_only(auditor, entries):
    response = auditor.get("/audit/")
    assert response.status_code == 200
    assert shown(response) == {"甲", "乙"}
    html = response.content.decode()
    assert "孔家坊村 → 孔家坊新村" in html
    assert "审计日志" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("actor=周太平", {"甲"}),
        ("actor=刘经", {"乙"}),
        ("actor=demo-economy", {"乙"}),
        ("object=阎桥", {"乙"}),
        ("object=regions.region", {"甲", "乙"}),
        ("object=people.person", set()),
        ("from=2099-02-01", {"乙"}),
        ("to=2099-01-31", {"甲"}),
        ("from=2099-01-05&to=2099-01-05", {"甲"}),
        ("from=2099-01-06&to=2099-02-28", set()),
        ("actor=周太平&from=2099-02-01", set()),
        ("from=not-a-date", {"甲", "乙"}),
    ],
    ids=[
        "actor-name",
        "actor-name-part",
        "actor-username",
        "object-name",
        "object-type",
        "other-type",
        "from",
        "to",
        "one-day",
        "empty-range",
        "actor-and-date",
        "bad-date-ignored",
    ],
)
def test_the_log_filters_by_person_object_and_date(auditor, entries, query, expected):
    response = auditor.get(f"/audit/?{query}")
    assert response.status_code == 200
    assert shown(response) == expected


def test_an_empty_result_says_so(auditor, entries):
    response = auditor.get("/audit/?actor=nobody-at-all")
    assert "没有符合条件的记录。" in response.content.decode()


def test_a_superuser_reads_every_entry(entries):
    from django.test import Client

    root = Person.objects.create_user(username="root", full_name="超级管理员", is_superuser=True)
    client = Client()
    client.force_login(root)
    assert shown(client.get("/audit/")) == {"甲", "乙", "丙", "丁"}


@pytest.mark.parametrize("persona", ["leader", "village", "grid", "viewer", "economy", "outsider", "tips"])
def test_people_who_do_not_audit_get_404(as_persona, entries, persona):
    """demo-leader is the subdistrict's system administrator too: the log is not theirs (三员分立)."""
    from django.test import Client

    if persona == "tips":
        client = Client()
        client.force_login(person("demo-tips"))
    else:
        client = as_persona(persona)
    for url in ("/audit/", "/audit/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 404
        assert "标记" not in response.content.decode()


@pytest.mark.parametrize("name", ["sysadmin", "security"])
def test_the_system_and_security_administrators_get_404(world, entries, name):
    from django.test import Client

    from tests.security_personas import admin_persona

    client = Client()
    client.force_login(admin_persona(world, name))
    before = AuditEntry.objects.count()
    for url in ("/audit/", "/audit/export.xlsx"):
        assert client.get(url).status_code == 404
    assert AuditEntry.objects.count() == before


def test_the_log_is_paginated(auditor, world):
    leader = person("demo-leader")
    for i in range(60):
        audit.record(leader, "test.page", world.kong, reason=f"分页{i:02d}")
    client = auditor
    first = client.get("/audit/").content.decode()
    second = client.get("/audit/?page=2").content.decode()
    assert "分页59" in first and "分页00" not in first
    assert "分页00" in second


def test_the_log_page_does_not_change_anything(auditor, entries):
    before = AuditEntry.objects.count()
    response = auditor.post("/audit/", {"actor": "x"})
    assert response.status_code == 405
    assert AuditEntry.objects.count() == before


def test_the_audit_log_shows_lists_and_objects_as_text():
    from zhili.core.templatetags.audit import audit_value

    files = [{"name": "验收单.pdf", "size": 1024, "type": "PDF"}, {"name": "现场.jpg", "size": 2048, "type": "JPEG"}]
    # a file by its name, size and type — not name：…，size：… (issue 12: nothing internal on screen)
    assert audit_value(files) == "验收单.pdf（1,024 字节，PDF）、现场.jpg（2,048 字节，JPEG）"
    assert audit_value(None) == "—" and audit_value([]) == "—" and audit_value(3) == "3"
    assert audit_value(11485) == "11,485" and audit_value({"村": "村（社区）"}) == "（村：村（社区））"
