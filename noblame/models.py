"""The No Blame support-group approach (stap 3): one traject per case.

The traject's own sub-steps and their transitions are built on this model; the
case machine reads only whether it closed with success or as ineffective.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

MAX_ROUNDS = 5


class TrajectState(models.TextChoices):
    PREPARATION = "preparation", _("Voorbereiding")
    VICTIM_TALK = "victim_talk", _("Gesprek met de gepeste leerling")
    VICTIM_ASSIGNMENT = "victim_assignment", _("Opdracht voor de gepeste leerling")
    GROUP_FORMED = "group_formed", _("Steungroep samengesteld")
    GROUP_MEETING = "group_meeting", _("Bijeenkomst van de steungroep")
    FOLLOW_UP = "follow_up", _("Nabesprekingen")
    CLOSED_SUCCESS = "closed_success", _("Afgesloten: verbeterd")
    CLOSED_INEFFECTIVE = "closed_ineffective", _("Afgesloten: niet effectief")


class Traject(ConcurrentTransitionMixin, models.Model):
    State = TrajectState

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="traject")
    state = FSMField(
        _("fase"), default=TrajectState.PREPARATION, choices=TrajectState.choices, protected=True
    )
    round = models.PositiveSmallIntegerField(_("ronde"), default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("No Blame-traject")
        verbose_name_plural = _("No Blame-trajecten")
        constraints = [
            models.CheckConstraint(
                condition=Q(round__gte=1, round__lte=MAX_ROUNDS), name="traject_round_at_most_five"
            ),
            models.CheckConstraint(
                condition=Q(state__in=TrajectState.values),
                name="traject_state_is_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('No Blame-traject')} {self.case.reference}"
