"""Case events, photos, extension requests and patrols carry their subdistrict: the key they would be distributed
by on Citus (docs/scale.md). Empty at first; 0008 fills it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_rule_handle_with_feedback'),
        ('regions', '0002_drop_duplicate_path_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='caseevent',
            name='subdistrict',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
        migrations.AddField(
            model_name='casephoto',
            name='subdistrict',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
        migrations.AddField(
            model_name='extensionrequest',
            name='subdistrict',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
        migrations.AddField(
            model_name='patrol',
            name='subdistrict',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region'),
        ),
    ]
