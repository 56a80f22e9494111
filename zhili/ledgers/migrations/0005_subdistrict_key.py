"""Ledger rows carry their ledger's subdistrict: the key they would be distributed by on Citus (docs/scale.md). Empty
at first; 0006 fills it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledgers', '0004_drop_ledger_import_jobs'),
        ('regions', '0002_drop_duplicate_path_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='ledgerrow',
            name='subdistrict',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
    ]
