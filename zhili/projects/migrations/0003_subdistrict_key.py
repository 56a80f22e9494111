"""Project months, expected taxes, work stages and work milestones carry their subdistrict: the key they would be
distributed by on Citus (docs/scale.md). Empty at first; 0004 fills it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0002_works_portfolio'),
        ('regions', '0002_drop_duplicate_path_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='expectedtax',
            name='subdistrict',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
        migrations.AddField(
            model_name='projectmonth',
            name='subdistrict',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
        migrations.AddField(
            model_name='workmilestone',
            name='subdistrict',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
        migrations.AddField(
            model_name='workstage',
            name='subdistrict',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
    ]
