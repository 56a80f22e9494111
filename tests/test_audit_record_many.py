"""audit.record_many: many entries at once (an import's updated rows), each as record() would write it."""

from zhili.core import audit
from zhili.core.models import AuditEntry
from zhili.ledgers.models import LedgerRow
from zhili.people.models import Person


def test_record_many_writes_one_entry_per_object_like_record(world):
    leader = Person.objects.get(username="demo-leader")
    rows = list(LedgerRow.objects.filter(region__parent=world.sub).order_by("pk")[:3])
    before = AuditEntry.objects.count()
    written = audit.record_many(
        leader,
        "ledger.row.import",
        LedgerRow,
        ((r.pk, str(r), r.region.path, {"户主姓名": ["甲", "乙"]}) for r in rows),
        reason="导入 测试.xlsx",
        batch_size=2,
    )
    assert written == 3 and AuditEntry.objects.count() == before + 3
    entries = list(AuditEntry.objects.filter(action="ledger.row.import").order_by("id"))[-3:]
    assert [e.object_id for e in entries] == [str(r.pk) for r in rows]
    single = audit.record(
        leader, "ledger.row.import", rows[0], changes={"户主姓名": ["甲", "乙"]}, reason="导入 测试.xlsx"
    )
    for e in entries:
        assert (e.actor_id, e.actor_name, e.object_type, e.reason) == (
            single.actor_id,
            single.actor_name,
            single.object_type,
            single.reason,
        )
    assert entries[0].region_path == rows[0].region.path and entries[0].object_repr == single.object_repr
    assert entries[0].changes == single.changes
