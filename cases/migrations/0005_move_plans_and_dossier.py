"""The plan van aanpak and the dossier entry move to their own apps, keeping their tables."""

from django.db import migrations


PLAN_MODELS = ["actionplan", "planagreement", "plantalk", "planscan", "plansignatory", "plandocument"]


def move_labels(apps, schema_editor):
    """Content types (and so the change history and permissions) and the access log's
    object types follow the models to their new apps."""
    content_type = apps.get_model("contenttypes", "ContentType")
    access_record = apps.get_model("audit", "AccessRecord")
    moves = [("plans", model) for model in PLAN_MODELS] + [("dossier", "dossierentry")]
    for app_label, model in moves:
        content_type.objects.filter(app_label="cases", model=model).update(app_label=app_label)
        access_record.objects.filter(object_type=f"cases.{model}").update(
            object_type=f"{app_label}.{model}"
        )


def move_labels_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    access_record = apps.get_model("audit", "AccessRecord")
    moves = [("plans", model) for model in PLAN_MODELS] + [("dossier", "dossierentry")]
    for app_label, model in moves:
        content_type.objects.filter(app_label=app_label, model=model).update(app_label="cases")
        access_record.objects.filter(object_type=f"{app_label}.{model}").update(
            object_type=f"cases.{model}"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0001_initial'),
        ('dossier', '0002_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('audit', '0001_initial'),
        ('cases', '0004_dossierentry_school'),
    ]

    operations = [
        # The models keep their tables (db_table): only Django's model state moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='actionplan',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='actionplan',
                    name='coach_bully',
                ),
                migrations.RemoveField(
                    model_name='actionplan',
                    name='coach_group',
                ),
                migrations.RemoveField(
                    model_name='actionplan',
                    name='coach_victim',
                ),
                migrations.RemoveField(
                    model_name='actionplan',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='dossierentry',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='plantalk',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='planagreement',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='plansignatory',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='planscan',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='dossierentry',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='dossierentry',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='dossierentry',
                    name='pupil',
                ),
                migrations.RemoveField(
                    model_name='dossierentry',
                    name='school',
                ),
                migrations.RemoveField(
                    model_name='planagreement',
                    name='pupil',
                ),
                migrations.RemoveField(
                    model_name='planscan',
                    name='uploaded_by',
                ),
                migrations.RemoveField(
                    model_name='plansignatory',
                    name='scan',
                ),
                migrations.RemoveField(
                    model_name='plansignatory',
                    name='guardian',
                ),
                migrations.RemoveField(
                    model_name='plansignatory',
                    name='pupil',
                ),
                migrations.RemoveField(
                    model_name='plansignatory',
                    name='recorded_by',
                ),
                migrations.RemoveField(
                    model_name='plansignatory',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='plantalk',
                    name='talk',
                ),
                migrations.DeleteModel(
                    name='PlanDocument',
                ),
                migrations.DeleteModel(
                    name='ActionPlan',
                ),
                migrations.DeleteModel(
                    name='DossierEntry',
                ),
                migrations.DeleteModel(
                    name='PlanAgreement',
                ),
                migrations.DeleteModel(
                    name='PlanScan',
                ),
                migrations.DeleteModel(
                    name='PlanSignatory',
                ),
                migrations.DeleteModel(
                    name='PlanTalk',
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_labels, move_labels_back),
    ]
