"""Existing ledger rows get their ledger's subdistrict (the ledger's region: ledgers are defined for a subdistrict).
Batched and resumable (zhili/core/keys.py); undoing it leaves the column to 0005's undo."""

from django.db import migrations

from zhili.core.keys import copy_from_parent


def fill(apps, schema_editor):
    copy_from_parent(apps, schema_editor, "ledgers.LedgerRow", "ledgers.Ledger", "ledger_id", "region_id")


class Migration(migrations.Migration):
    atomic = False  # one transaction per batch (core/keys.py)

    dependencies = [("ledgers", "0005_subdistrict_key")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
