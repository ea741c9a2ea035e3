"""No function outside the services writes to an audited model: a walk over the code.

Every write to a model with change history (``audit.tracking``) goes through a service
that checks permission and state itself: ``*/services.py``, ``schools/importing.py`` and
``dossier/retention.py``, or a model's own method. This test reads the code of the apps
with ``ast`` and fails on a write anywhere else. Move such a write into a service; only
where that is wrong, add it to ``ALLOWED`` with the reason it may stay.

What counts as a write: ``.save()``, ``.create()``, ``.update()`` and ``.delete()`` with
keyword arguments only (the Django signatures; ``digest.update(chunk)`` is no write),
``get_or_create``, ``update_or_create``, ``bulk_create`` and ``bulk_update``, and
``.set()``, ``.add()``, ``.remove()`` and ``.clear()`` on a relation of an audited model.
A call on ``SomeModel.objects`` of a model without history (notifications, access
records) does not count, nor one on a dict, set or list made in the same function.
"""

import ast
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

from audit.tracking import tracked_models

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "cases",
    "noblame",
    "plans",
    "dossier",
    "schools",
    "audit",
    "demo",
    "pestprotocol",
    "accounts",
)
SERVICE_MODULES = {"schools/importing.py", "dossier/retention.py"}  # and every */services.py

DEMO = (
    "the demo organisation (board, schools, classes, staff, pupils, guardians) for a "
    "development database: seed_demo runs only with DEBUG on, before any beheerder exists "
    "who could act through schools.services; its cases go through the case services"
)
DEMO_HISTORY = (
    "the demo's two closed school years for the year report, written in bulk as the services "
    "would have left them (the past needs no permission or guard; seed_demo runs only with "
    "DEBUG on); their pupils left the school and are in no current case"
)
# (file, function) -> why it may write outside a services module.
ALLOWED = {
    ("cases/evidence.py", "evidence_store"): (
        "the evidence service itself: it checks services.ADD_EVIDENCE (permission and stap) "
        "inside its transaction"
    ),
    ("demo/management/commands/seed_demo.py", "Command._seed"): DEMO,
    ("demo/management/commands/seed_demo.py", "Command._create_staff"): DEMO,
    ("demo/management/commands/seed_demo.py", "Command._create_pupils"): DEMO,
    ("demo/management/commands/seed_demo.py", "Command._create_family"): DEMO,
    ("demo/history.py", "_History.former_pupils"): DEMO_HISTORY,
    ("demo/history.py", "_write"): DEMO_HISTORY,
    ("noblame/defaults.py", "ensure_school_defaults"): (
        "configuration, not case data: a new school gets its No Blame settings and guidance "
        "texts (post_save of School); get_or_create leaves a history entry"
    ),
    ("noblame/admin.py", "GuidanceAdmin.reset_to_default"): (
        "configuration, not case data: the application manager resets a school's guidance "
        "text in Django's admin (superusers only); save() leaves a history entry"
    ),
}

ALWAYS = {"get_or_create", "update_or_create", "bulk_create", "bulk_update"}
KEYWORDS_ONLY = {"save", "create", "update", "delete"}
RELATED = {"set", "add", "remove", "clear"}
MANAGERS = {"objects", "_base_manager", "_default_manager"}
CONTAINERS = (ast.Dict, ast.DictComp, ast.Set, ast.SetComp, ast.List, ast.ListComp)
CONTAINER_CALLS = {"dict", "set", "list", "Counter", "defaultdict", "OrderedDict"}


def _audited_names() -> tuple[set[str], set[str]]:
    audited = {m.__name__ for m in tracked_models()}
    others = {m.__name__ for m in apps.get_models()} - audited
    return audited, others


def _relation_names() -> set[str]:
    """Attribute names through which ``add``/``set``/... write rows of an audited model."""
    audited = set(tracked_models())
    names = {f.name for m in audited for f in m._meta.local_many_to_many}
    for model in apps.get_models():
        for rel in model._meta.related_objects:
            accessor = rel.get_accessor_name()
            if accessor and (
                rel.related_model in audited or (rel.many_to_many and model in audited)
            ):
                names.add(accessor)
    return names


def _is_positional(arg) -> bool:
    return not isinstance(arg, ast.Starred)  # *args may be anything: still a write


def _manager_model(node) -> str | None:
    """``Name`` in ``Name.objects...`` at the root of a call chain, if there is one."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in MANAGERS and isinstance(node.value, ast.Name):
                return node.value.id
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return None


def _containers(function) -> set[str]:
    """Names a function binds to a dict, set or list (their update/add are no writes)."""
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            value = node.value
            is_container = isinstance(value, CONTAINERS) or (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id in CONTAINER_CALLS
            )
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if is_container:
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


class _Writes(ast.NodeVisitor):
    def __init__(self, audited, others, relations):
        self.audited, self.others, self.relations = audited, others, relations
        self.scope: list[ast.AST] = []
        self.found: list[tuple[str, int, str]] = []  # (qualified function, line, code)

    def _enter(self, node):
        self.scope.append(node)
        self.generic_visit(node)
        self.scope.pop()

    visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = _enter

    def visit_Call(self, node):
        if isinstance(node.func, ast.Attribute) and self._is_write(node):
            name = ".".join(s.name for s in self.scope) or "<module>"
            self.found.append((name, node.lineno, ast.unparse(node)[:100]))
        self.generic_visit(node)

    def _is_write(self, node) -> bool:
        method, receiver = node.func.attr, node.func.value
        model = _manager_model(receiver)
        if model in self.others and model not in self.audited:
            return False
        if method in ALWAYS:
            return True
        if method in RELATED:
            return isinstance(receiver, ast.Attribute) and receiver.attr in self.relations
        if method in KEYWORDS_ONLY and not any(_is_positional(a) for a in node.args):
            functions = [s for s in self.scope if not isinstance(s, ast.ClassDef)]
            if isinstance(receiver, ast.Name) and functions:
                return receiver.id not in _containers(functions[-1])
            return True
        return False


def writes_in(source: str) -> list[tuple[str, int, str]]:
    """Every write in ``source``: (qualified function, line, code)."""
    visitor = _Writes(*_audited_names(), _relation_names())
    visitor.visit(ast.parse(source))
    return visitor.found


def _module_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if {"migrations", "tests"} & set(rel.parts):
                continue
            yield rel


def _is_model_method(rel: Path, qualified: str) -> bool:
    """A method of a model class in its own ``models.py`` (``ActionPlan.save``)."""
    if rel.name != "models.py" or "." not in qualified:
        return False
    module = importlib.import_module(".".join(rel.with_suffix("").parts))
    owner = getattr(module, qualified.split(".")[0], None)
    return isinstance(owner, type) and issubclass(owner, models.Model)


def writes_outside_services() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for rel in _module_files():
        if rel.name == "services.py" or rel.as_posix() in SERVICE_MODULES:
            continue
        for qualified, line, code in writes_in((ROOT / rel).read_text()):
            if not _is_model_method(rel, qualified):
                found.setdefault((rel.as_posix(), qualified), []).append(f"{line}: {code}")
    return found


def test_no_write_to_an_audited_model_outside_the_services():
    found = writes_outside_services()

    unexplained = {key: lines for key, lines in found.items() if key not in ALLOWED}
    assert unexplained == {}, (
        "Writes outside the services (move them into a service that checks permission "
        f"and stap): {unexplained}"
    )


def test_every_allowed_write_is_still_there():
    stale = set(ALLOWED) - set(writes_outside_services())

    assert stale == set(), f"ALLOWED lists writes that are gone: {sorted(stale)}"


def test_every_allowance_gives_a_reason():
    assert all(len(reason) > 40 for reason in ALLOWED.values())


@pytest.mark.parametrize(
    "code",
    [
        "def f(talk, day):\n    Talk.objects.filter(pk=talk.pk).update(planned_on=day)",
        "def f(case):\n    case.save(update_fields=['state'])",
        "def f(case):\n    case.delete()",
        "def f(members):\n    SupportGroupMember.objects.bulk_create(members)",
        "def f(version, pupils):\n    version.pupils.set(pupils)",
        "def f(school_class, user):\n    school_class.teachers.add(user)",
        "def f(case, pupil):\n    CasePupil.objects.create(case=case, pupil=pupil)",
        "def f(form):\n    form.save()",
        "def f(data):\n    Pupil.objects.get_or_create(**data)",
    ],
)
def test_the_walk_finds_a_write(code):
    assert len(writes_in(code)) == 1


@pytest.mark.parametrize(
    "code",
    [
        "def f(user):\n    Notification.objects.filter(user=user).update(read_at=1)",
        "def f(digest, chunk):\n    digest.update(chunk)",
        "def f():\n    context = {}\n    context.update(form=1)",
        "def f(pk):\n    seen = set()\n    seen.add(pk)",
        "def f(image, out):\n    image.save(out, format='PNG')",
        "def f(user, perms):\n    user.user_permissions.add(*perms)",
        "def f(request, user):\n    AccessRecord.objects.create(user=user)",
    ],
)
def test_the_walk_leaves_other_calls_alone(code):
    assert writes_in(code) == []
