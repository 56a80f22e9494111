"""Import jobs and column memory move to zhili.imports, generic over the importer: every ledger job is copied
with its id (so LedgerRow.import_job keeps pointing at it; 0003 repoints the foreign key), as importer "ledger"
with the ledger as its target. A job a worker was checking when this runs is queued again (its check is simply
started again); a confirmed write that never finished was rolled back whole by its transaction, so it is queued
to be written again."""

from django.core.management.color import no_style
from django.db import migrations


def forward(apps, schema_editor):
    Old = apps.get_model("ledgers", "ImportJob")
    New = apps.get_model("imports", "ImportJob")
    OldMemory = apps.get_model("ledgers", "ColumnMemory")
    NewMemory = apps.get_model("imports", "ColumnMemory")
    db = schema_editor.connection.alias
    batch = []
    for job in Old.objects.using(db).select_related("ledger").order_by("pk").iterator(chunk_size=1000):
        status = job.status
        if status == "parsing":
            status = "queued"
        batch.append(
            New(
                id=job.pk,
                created_at=job.created_at,
                modified_at=job.modified_at,
                importer="ledger",
                target_id=job.ledger_id,
                region_id=job.ledger.region_id,
                file=job.file.name,
                filename=job.filename,
                uploaded_by_id=job.uploaded_by_id,
                acted_by_id=job.uploaded_by_id,
                status=status,
                background=status in ("queued", "committing"),
                only_valid=job.only_valid,
                mapping=job.mapping,
                summary=job.summary,
                problems=job.problems,
                progress=0 if status == "committing" else job.progress,
                message=job.message,
            )
        )
        if len(batch) >= 1000:
            New.objects.using(db).bulk_create(batch, ignore_conflicts=True)
            batch = []
    # ignore_conflicts: run again after going back to ledgers 0001 (imports kept its rows), a job already there
    # is the later version of itself
    New.objects.using(db).bulk_create(batch, ignore_conflicts=True)
    NewMemory.objects.using(db).bulk_create(
        [
            NewMemory(
                person_id=m.person_id,
                importer="ledger",
                target_id=m.ledger_id,
                header=m.header,
                field_key=m.field_key,
            )
            for m in OldMemory.objects.using(db).all()
        ],
        ignore_conflicts=True,
    )
    _reset_sequences(schema_editor, [New, NewMemory])


def backward(apps, schema_editor):
    """Nothing to undo here: 0004's reverse copies the jobs back before 0003's points the rows at them."""


def _reset_sequences(schema_editor, models):
    """Rows inserted with their ids: PostgreSQL's sequences must continue after them (SQLite needs nothing)."""
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), models):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
        ("ledgers", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
