"""The shape of the code: apps by domain, dependencies that run one way, no import cycle.

``cases`` (the case and stap 1–10) is used by every other app and uses none of
``noblame``, ``plans``, ``dossier`` or ``demo``; where the case must let them act it
sends a signal or asks through ``cases.hooks``. The import graph of the project's own
modules, imports inside functions included, has no cycle.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGES = (
    "pestprotocol",
    "schools",
    "cases",
    "noblame",
    "plans",
    "dossier",
    "audit",
    "demo",
    "accounts",
)
NOT_FOR_CASES = ("noblame", "plans", "dossier", "demo", "accounts")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _project_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside AppConfig.ready) for every project import."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    in_ready = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "ready":
            in_ready.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in PACKAGES:
                found.append((name, node.lineno, id(node) in in_ready))
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _project_files()}
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        for imported, _line, in_ready in _imports(path):
            if in_ready:
                continue  # an app wiring its receivers once the registry is ready
            # "from cases import services" names the module cases.services.
            target = imported if imported in modules else imported.rpartition(".")[0]
            if target in modules and target != name:
                graph[name].add(target)
    return graph


def test_cases_imports_no_app_that_builds_on_it():
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for path in (ROOT / "cases").rglob("*.py")
        for imported, line, _ready in _imports(path)
        if imported.split(".")[0] in NOT_FOR_CASES
    ]

    assert offending == []


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    cycles = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])

    assert cycles == []


def test_the_graph_sees_imports_inside_functions(tmp_path, monkeypatch):
    """The checker itself: an import in a function body counts."""
    module = ROOT / "cases" / "talks.py"
    imports = _imports(module)
    source = "def f():\n    from noblame import models\n"
    path = tmp_path / "probe.py"
    path.write_text(source)

    assert ("noblame.models", 2, False) in _imports(path)
    assert all(name.split(".")[0] in PACKAGES for name, _l, _r in imports)


@pytest.mark.parametrize(
    ("model", "app_label"),
    [
        ("ActionPlan", "plans"),
        ("PlanSignatory", "plans"),
        ("PlanDocument", "plans"),
        ("DossierEntry", "dossier"),
        ("Case", "cases"),
        ("Traject", "noblame"),
    ],
)
def test_models_live_in_their_domain_app(model, app_label):
    assert apps.get_app_config(app_label).get_model(model)


def test_the_demo_is_its_own_app():
    config = apps.get_app_config("demo")

    assert (Path(config.path) / "management" / "commands" / "seed_demo.py").exists()
    assert not (ROOT / "cases" / "management" / "commands" / "seed_demo.py").exists()
