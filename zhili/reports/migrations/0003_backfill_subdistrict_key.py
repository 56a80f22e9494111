"""Existing filings get their form's subdistrict (its region: forms are set up for a subdistrict), then their values
get their filing's. Batched and resumable (zhili/core/keys.py); undoing it leaves the columns to 0002's undo."""

from django.db import migrations

from zhili.core.keys import copy_from_parent


def fill(apps, schema_editor):
    copy_from_parent(apps, schema_editor, "reports.Filing", "reports.ReportForm", "form_id", "region_id")
    copy_from_parent(apps, schema_editor, "reports.FilingValue", "reports.Filing", "filing_id", "subdistrict_id")


class Migration(migrations.Migration):
    atomic = False  # one transaction per batch (core/keys.py)

    dependencies = [("reports", "0002_subdistrict_key")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
