"""A program the backup tests (tests/test_backup.py) run as separate processes beside `zhili backup` and
`zhili restore`, as production runs gunicorn workers beside the operator's commands: each call is one process
on an installation of its own (a SQLite file in ZHILI_DATA_DIR, or the PostgreSQL database ZHILI_DATABASE_URL
names), never the test database.

    python -m tests.backup_harness setup          migrate; a small subdistrict, its people, a ledger, case categories
    python -m tests.backup_harness writer STOP    ledger rows and case reports with a photo, through the actions,
                                                  until the file STOP exists: "row ID" / "case ID" once committed;
                                                  last, what `check` prints
    python -m tests.backup_harness check          what an installation holds: the writer's records, their audit
                                                  entries, their photos' bytes (SHA-256), every table's rows

Every command prints one JSON line last.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

from tests.import_harness import LEADER, SUB, identity, out

LEDGER = "backup"


def setup() -> None:
    from django.core.management import call_command

    from tests.import_harness import _world, ledger
    from zhili.cases import defaults
    from zhili.people.models import Unit
    from zhili.regions.models import Region

    call_command("migrate", verbosity=0)
    _world()
    ledger(LEDGER)
    sub = Region.objects.get(code=SUB)
    defaults.install(sub, center_unit=Unit.objects.create(region=sub, code="urban", name="城管办"))
    out({"ok": True})


def writer(stop: str) -> None:
    """What the township does while the operator backs up: rows added and cases reported (each photo a file
    under MEDIA_ROOT), each action one transaction with its audit entry; a line once each has committed."""
    from tests.cases_factory import jpeg
    from zhili.cases.actions import do_report_case
    from zhili.cases.models import Category, Source
    from zhili.ledgers.actions import do_add_row
    from zhili.ledgers.models import Ledger
    from zhili.people.models import Person
    from zhili.people.scope import scope_for
    from zhili.regions.models import Region

    person = Person.objects.get(username=LEADER)
    scope = scope_for(person)
    ledger = Ledger.objects.get(code=LEDGER)
    sub = Region.objects.get(code=SUB)
    village = Region.objects.get(name="甲村")
    category = Category.objects.filter(subdistrict=sub, parent__isnull=False).order_by("order").first()
    print("ready", flush=True)
    i = 0
    while not Path(stop).exists():
        i += 1
        if i % 2:
            values = {"village": "甲村", "head": f"户主{i}", "id_number": identity(700_000 + i), "status": "施工中"}
            row = do_add_row(ledger, values, actor=person, scope=scope)
            print(f"row {row.pk}", flush=True)
        else:
            case = do_report_case(
                subdistrict=sub,
                category=category,
                description=f"备份期间上报的问题{i}",
                actor=person,
                scope=scope,
                source=Source.STAFF,
                region=village,
                photos=[jpeg(f"p{i}.jpg", size=(160, 120), color=(i % 256, 90, 200))],
            )
            print(f"case {case.pk}", flush=True)
        time.sleep(0.01)
    out({"writes": i, **state()})


def check() -> None:
    out(state())


def state() -> dict:
    from django.conf import settings
    from django.db import connection

    from zhili.cases.models import Case, CasePhoto
    from zhili.core.models import AuditEntry
    from zhili.ledgers.models import LedgerRow

    def audited(action: str) -> list[int]:
        return sorted(int(i) for i in AuditEntry.objects.filter(action=action).values_list("object_id", flat=True))

    media = Path(settings.MEDIA_ROOT)
    photos = {}
    for photo in CasePhoto.objects.all():
        for stored in (photo.original, photo.display):
            path = media / stored.name
            photos[stored.name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    tables = connection.introspection.table_names()
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return {
        "rows": sorted(LedgerRow.all_rows.filter(ledger__code=LEDGER).values_list("pk", flat=True)),
        "cases": sorted(Case.objects.values_list("pk", flat=True)),
        "row_audits": audited("ledger.row.add"),
        "case_audits": audited("case.report"),
        "photos": photos,
        "counts": counts,
        "backups": AuditEntry.objects.filter(action="core.backup").count(),
        "restores": AuditEntry.objects.filter(action="core.restore").count(),
    }


def main(argv: list[str]) -> None:
    import django

    django.setup()
    command, *args = argv
    commands = {"setup": setup, "writer": lambda: writer(args[0]), "check": check}
    commands[command]()


if __name__ == "__main__":
    main(sys.argv[1:])
