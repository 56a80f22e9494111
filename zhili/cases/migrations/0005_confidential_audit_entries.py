"""Mark the audit entries already written about confidential tips (their report, every opening, every step), so
that administrators no longer read them in the audit log.

The log is append-only (core migration 0003): this one marking is done with the database's guard lifted for the
statement and put back at once, inside the migration's transaction."""

from django.db import migrations

SQLITE_DROP = "DROP TRIGGER IF EXISTS core_auditentry_no_update;"
SQLITE_CREATE = """
CREATE TRIGGER IF NOT EXISTS core_auditentry_no_update BEFORE UPDATE ON core_auditentry
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""
# (deferred foreign-key checks still pending in the transaction would make PostgreSQL refuse the ALTER TABLE)
PG_DISABLE = "SET CONSTRAINTS ALL IMMEDIATE; ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only;"
PG_ENABLE = "ALTER TABLE core_auditentry ENABLE TRIGGER core_auditentry_append_only;"


def mark(apps, schema_editor):
    AuditEntry = apps.get_model("core", "AuditEntry")
    Case = apps.get_model("cases", "Case")
    ids = [str(pk) for pk in Case.objects.filter(confidential=True).values_list("pk", flat=True)]
    if not ids:
        return
    vendor = schema_editor.connection.vendor
    schema_editor.execute(PG_DISABLE if vendor == "postgresql" else SQLITE_DROP)
    try:
        for start in range(0, len(ids), 500):
            AuditEntry.objects.filter(object_type="cases.case", object_id__in=ids[start : start + 500]).update(
                confidential=True
            )
    finally:
        schema_editor.execute(PG_ENABLE if vendor == "postgresql" else SQLITE_CREATE)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_keyed_senders"),
        ("core", "0004_audit_confidential"),
    ]
    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
