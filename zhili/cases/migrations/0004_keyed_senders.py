"""Senders' network addresses: the unsalted SHA-256 kept on every public report and tip (reversible in seconds)
is dropped; from now on a keyed digest is kept for the rate limit's window only (cases/senders.py)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0003_case_list_indexes"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="case",
            name="origin_hash",
        ),
        migrations.CreateModel(
            name="RecentSender",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(max_length=64)),
                ("at", models.DateTimeField(db_index=True)),
                (
                    "case",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="cases.case"),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["digest", "at"], name="sender_digest_at")],
            },
        ),
    ]
