"""Audit entries carry the subdistrict their region path lies in: the key the log would be distributed by on Citus
(docs/scale.md), a region's id but not a foreign key (core knows no other app). Empty at first; 0008 fills it.
SQLite adds a nullable column without rebuilding the table but may drop one by rebuilding it, which loses the
append-only trigger: it is made again both ways (as in 0004)."""

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
        ('core', '0006_workerbeat'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, keep_append_only),  # undone last: after the rebuild
        migrations.AddField(
            model_name='auditentry',
            name='subdistrict_id',
            field=models.BigIntegerField(blank=True, db_index=True, null=True),
        ),
        migrations.RunPython(keep_append_only, migrations.RunPython.noop),
    ]
