"""Household checks, visits, measures and round targets carry their subdistrict: the key they would be distributed
by on Citus (docs/scale.md). Empty at first; 0003 fills it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0001_households_registry'),
        ('regions', '0002_drop_duplicate_path_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='householdcheck',
            name='subdistrict',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
        migrations.AddField(
            model_name='measure',
            name='subdistrict',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
        migrations.AddField(
            model_name='roundtarget',
            name='subdistrict',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
        migrations.AddField(
            model_name='visit',
            name='subdistrict',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
    ]
