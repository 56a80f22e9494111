"""Existing progress entries and shares get their indicator's subdistrict (its goal's region: target systems are set
up for a subdistrict); activity records, the subdistrict their region lies in. Batched and resumable
(zhili/core/keys.py); undoing it leaves the columns to 0006's undo."""

from django.db import migrations

from zhili.core.keys import copy_from_parent, from_path


def fill(apps, schema_editor):
    for model in ("targets.Entry", "targets.Share"):
        copy_from_parent(apps, schema_editor, model, "targets.Indicator", "indicator_id", "task__goal__region_id")
    from_path(apps, schema_editor, "targets.ActivityRecord", "region__path")


class Migration(migrations.Migration):
    atomic = False  # one transaction per batch (core/keys.py)

    dependencies = [("targets", "0006_subdistrict_key")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
