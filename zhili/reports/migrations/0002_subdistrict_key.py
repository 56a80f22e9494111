"""Filings and their values carry their subdistrict (the form's region): the key they would be distributed by on
Citus (docs/scale.md). Empty at first; 0003 fills it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('regions', '0002_drop_duplicate_path_index'),
        ('reports', '0001_reports_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='filing',
            name='subdistrict',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
        migrations.AddField(
            model_name='filingvalue',
            name='subdistrict',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
    ]
