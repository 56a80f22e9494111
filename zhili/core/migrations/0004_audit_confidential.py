"""Audit entries about a confidential object (a tip) are marked, so the log shows them only to those who may see
the object. SQLite adds the column by rebuilding the table, which drops its append-only trigger: it is made
again here (migration 0003 has the same statement)."""

from django.db import migrations, models

SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS core_auditentry_no_update BEFORE UPDATE ON core_auditentry
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""


def keep_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_audit_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="confidential",
            field=models.BooleanField(default=False, verbose_name="保密"),
        ),
        migrations.RunPython(keep_append_only, migrations.RunPython.noop),
    ]
