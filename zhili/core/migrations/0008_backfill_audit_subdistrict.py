"""Existing audit entries get the subdistrict their region path lies in (entries above the subdistricts keep none).

The log is append-only and its trigger refuses any UPDATE; this fills a key derived from what each entry already
says, changing nothing it records. So each batch lifts the trigger inside its own transaction and puts it back
before committing: nobody else ever writes while it is lifted (PostgreSQL's ALTER TABLE holds the table for the
transaction; SQLite has one writer). Batched and resumable (zhili/core/keys.py); undoing it leaves the column
to 0007's undo."""

from contextlib import contextmanager

from django.db import migrations

from zhili.core.keys import from_path

SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS core_auditentry_no_update BEFORE UPDATE ON core_auditentry
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""


@contextmanager
def lifted(cursor):
    vendor = cursor.db.vendor
    if vendor == "postgresql":
        # ALTER TABLE refuses while deferred foreign-key checks wait in the transaction: run them now
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")
        yield
        cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER core_auditentry_append_only")
    elif vendor == "sqlite":
        cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_update")
        yield
        cursor.execute(SQLITE_TRIGGER)
    else:
        yield


def fill(apps, schema_editor):
    from_path(apps, schema_editor, "core.AuditEntry", "region_path", around=lifted)


class Migration(migrations.Migration):
    atomic = False  # one transaction per batch (core/keys.py)

    dependencies = [("core", "0007_subdistrict_key"), ("regions", "0002_drop_duplicate_path_index")]  # reads regions

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
