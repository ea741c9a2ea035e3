"""The plan van aanpak and the dossier entries moved out of ``cases`` into their own apps
(``cases`` 0005, ``plans`` 0001, ``dossier`` 0001–0002) without moving data: tested on
the demo database, migrated back to before the move and forward again."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit.models import AccessRecord
from dossier.models import DossierEntry
from plans.models import ActionPlan, PlanDocument, PlanSignatory

BEFORE_THE_MOVE = [("cases", "0004_dossierentry_school"), ("dossier", None), ("plans", None)]
TABLES = ("cases_actionplan", "cases_plansignatory", "cases_plandocument", "cases_dossierentry")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    ContentType.objects.clear_cache()


def _rows():
    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT app_label, model FROM django_content_type "
            "WHERE model IN ('actionplan', 'plansignatory', 'dossierentry') ORDER BY model"
        )
        labels = cursor.fetchall()
        cursor.execute("SELECT object_type FROM audit_accessrecord ORDER BY id")
        records = [row[0] for row in cursor.fetchall()]
    return counts, labels, records


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_row_and_relabels_history(settings, tmp_path):
    settings.DEBUG, settings.MEDIA_ROOT = True, tmp_path
    call_command("seed_demo", verbosity=0)
    plan = ActionPlan.objects.filter(locked_at__isnull=False).first()
    AccessRecord.objects.create(
        username="ib", object_type="plans.actionplan", object_id=str(plan.pk), action="view"
    )
    after_counts, after_labels, after_records = _rows()

    _migrate(BEFORE_THE_MOVE)
    before_counts, before_labels, before_records = _rows()
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    again_counts, again_labels, again_records = _rows()

    assert before_counts == after_counts == again_counts
    assert after_counts["cases_actionplan"] > 0
    assert after_counts["cases_dossierentry"] > 0
    assert {label for label, _model in before_labels} == {"cases"}
    assert (
        again_labels
        == after_labels
        == [
            ("plans", "actionplan"),
            ("dossier", "dossierentry"),
            ("plans", "plansignatory"),
        ]
    )
    assert before_records[-1] == "cases.actionplan"
    assert again_records == after_records
    assert ActionPlan.objects.count() == again_counts["cases_actionplan"]
    assert PlanSignatory.objects.filter(plan=plan).exists()
    assert PlanDocument.objects.filter(plan=plan).exists()
    assert DossierEntry.objects.filter(plan=plan).exists()
