"""A case reference is unique per board, not per school.

Each case gets its school's board. Where two schools of one board issued the same
reference, the case created first keeps it and the later ones get the board's next free
number of that year, so every existing reference stays valid except those that were
ambiguous. (Plan PDFs already signed keep the reference they were printed with.)
"""

import django.db.models.deletion
from django.db import migrations, models


def set_board_and_untangle(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    cases = list(Case.objects.select_related("school").order_by("created_at", "pk"))
    taken = {}  # (board, year) -> numbers in use
    for case in cases:
        year, _, number = case.reference.partition("-")
        if number.isdigit():
            taken.setdefault((case.school.board_id, year), set()).add(int(number))
    seen = set()
    for case in cases:
        board = case.school.board_id
        case.board_id = board
        if (board, case.reference) in seen:
            year = case.reference.partition("-")[0]
            numbers = taken.setdefault((board, year), set())
            free = max(numbers, default=0) + 1
            numbers.add(free)
            case.reference = f"{year}-{free:03d}"
        seen.add((board, case.reference))
        case.save(update_fields=["board", "reference"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_protocol_across_cases"),
        ("schools", "0002_pupil_import"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="board",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="schools.schoolboard",
                verbose_name="bestuur",
            ),
        ),
        migrations.RunPython(set_board_and_untangle, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="case",
            name="board",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="schools.schoolboard",
                verbose_name="bestuur",
            ),
        ),
        migrations.RemoveConstraint(model_name="case", name="case_unique_reference"),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.UniqueConstraint(
                fields=("board", "reference"), name="case_unique_reference_per_board"
            ),
        ),
    ]
