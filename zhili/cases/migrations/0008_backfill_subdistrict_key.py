"""Existing case events, photos and extension requests get their case's subdistrict; patrols, their grid's (the
subdistrict their path lies in). Batched and resumable (zhili/core/keys.py); undoing it leaves the columns to
0007's undo."""

from django.db import migrations

from zhili.core.keys import copy_from_parent, from_path


def fill(apps, schema_editor):
    for model in ("cases.CaseEvent", "cases.CasePhoto", "cases.ExtensionRequest"):
        copy_from_parent(apps, schema_editor, model, "cases.Case", "case_id", "subdistrict_id")
    from_path(apps, schema_editor, "cases.Patrol", "path")


class Migration(migrations.Migration):
    atomic = False  # one transaction per batch (core/keys.py)

    dependencies = [("cases", "0007_subdistrict_key")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
