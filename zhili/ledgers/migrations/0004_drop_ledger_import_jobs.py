"""The ledger app's own ImportJob and ColumnMemory go (their rows live on in zhili.imports since 0002). Run
backwards, the tables come back and the ledger jobs and column memory are copied back into them."""

from django.core.management.color import no_style
from django.db import migrations


def forward(apps, schema_editor):
    """Nothing to do: 0002 copied everything."""


def backward(apps, schema_editor):
    New = apps.get_model("imports", "ImportJob")
    Old = apps.get_model("ledgers", "ImportJob")
    NewMemory = apps.get_model("imports", "ColumnMemory")
    OldMemory = apps.get_model("ledgers", "ColumnMemory")
    db = schema_editor.connection.alias
    Old.objects.using(db).bulk_create(
        [
            Old(
                id=job.pk,
                created_at=job.created_at,
                modified_at=job.modified_at,
                ledger_id=job.target_id,
                file=job.file.name,
                filename=job.filename,
                uploaded_by_id=job.uploaded_by_id,
                status=job.status,
                only_valid=job.only_valid,
                mapping=job.mapping,
                summary=job.summary,
                problems=job.problems,
                progress=job.progress,
                message=job.message,
            )
            for job in New.objects.using(db).filter(importer="ledger").order_by("pk")
        ],
        batch_size=1000,
    )
    OldMemory.objects.using(db).bulk_create(
        [
            OldMemory(person_id=m.person_id, ledger_id=m.target_id, header=m.header, field_key=m.field_key)
            for m in NewMemory.objects.using(db).filter(importer="ledger")
        ],
        batch_size=1000,
    )
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [Old, OldMemory]):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("ledgers", "0003_ledgerrow_import_job_imports"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="ColumnMemory"),
        migrations.DeleteModel(name="ImportJob"),
    ]
