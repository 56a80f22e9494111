"""Existing household checks, visits and measures get their household's subdistrict; round targets, their round's.
Batched and resumable (zhili/core/keys.py); undoing it leaves the columns to 0002's undo."""

from django.db import migrations

from zhili.core.keys import copy_from_parent


def fill(apps, schema_editor):
    for model in ("households.HouseholdCheck", "households.Visit", "households.Measure"):
        copy_from_parent(apps, schema_editor, model, "households.Household", "household_id", "subdistrict_id")
    copy_from_parent(apps, schema_editor, "households.RoundTarget", "households.Round", "round_id", "subdistrict_id")


class Migration(migrations.Migration):
    atomic = False  # one transaction per batch (core/keys.py)

    dependencies = [("households", "0002_subdistrict_key")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
