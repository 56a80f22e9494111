"""LedgerRow.import_job points at zhili.imports' ImportJob (same ids, copied by 0002); rows an import is still
writing are left out by the default manager (LedgerRow.objects)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
        ("ledgers", "0002_import_jobs_to_imports"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ledgerrow",
            name="import_job",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="imports.importjob",
            ),
        ),
        migrations.AlterModelOptions(
            name="ledgerrow",
            options={"default_manager_name": "objects", "ordering": ["id"], "verbose_name": "台账行"},
        ),
    ]
