"""Existing project months and expected taxes get their project's subdistrict; work stages and milestones, their
work's. Batched and resumable (zhili/core/keys.py); undoing it leaves the columns to 0003's undo."""

from django.db import migrations

from zhili.core.keys import copy_from_parent


def fill(apps, schema_editor):
    for model in ("projects.ProjectMonth", "projects.ExpectedTax"):
        copy_from_parent(apps, schema_editor, model, "projects.Project", "project_id", "subdistrict_id")
    for model in ("projects.WorkStage", "projects.WorkMilestone"):
        copy_from_parent(apps, schema_editor, model, "projects.Work", "work_id", "subdistrict_id")


class Migration(migrations.Migration):
    atomic = False  # one transaction per batch (core/keys.py)

    dependencies = [("projects", "0003_subdistrict_key")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
