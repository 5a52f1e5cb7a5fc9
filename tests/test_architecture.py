"""The import graph: every arrow points down the layers, and no module imports itself back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "diaryflow"

# Lower layers never import higher ones; a package's modules share its layer.
LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(names.split())
    for names in (
        "__init__ lazy errors files progress clock backoff window periods diary tls",
        "flowus privacy",
        "config",
        "logs llm",
        "state",
        "collect",
        "generate",
        "publish",
        "checkpoints export pipeline",
        "schedule sandbox cluster",
        "web",
        "cli __main__",
    )
)


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    for number, names in enumerate(LAYERS):
        if top in names:
            return number
    raise AssertionError(f"{module} is in no layer: add its package to LAYERS")


def _modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name if name != "diaryflow" else "diaryflow.__init__"] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The diaryflow modules a file imports, at the top or inside functions."""
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}"
            # ``from package import module`` needs the module, not the package's entry.
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                     for a in node.names]
        else:
            continue
        found |= {n if n != "diaryflow" else "diaryflow.__init__" for n in names if n in modules
                  or n == "diaryflow"}
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def test_every_import_points_down_the_layers() -> None:
    upward = sorted(
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, targets in _graph().items()
        for target in targets
        if _layer(target) > _layer(module)
    )
    assert upward == []


def test_the_sandbox_stands_alone() -> None:
    outside = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        if module.startswith("diaryflow.sandbox")
        for target in targets
        if not target.startswith("diaryflow.sandbox")
    )
    assert outside == []


def test_no_import_cycles_outside_the_sandbox() -> None:
    graph = {m: {t for t in ts if not t.startswith("diaryflow.sandbox")}
             for m, ts in _graph().items() if not m.startswith("diaryflow.sandbox")}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", sorted(_modules()))
def test_every_module_is_in_a_layer(module: str) -> None:
    _layer(module)


# Third-party packages of the optional ``cluster`` extra: only the cluster package imports them.
CLUSTER_ONLY = frozenset(
    ("limits", "redis", "cryptography", "celery", "kombu", "sqlalchemy", "alembic", "psycopg",
     "psycopg_binary", "psycopg2")
)
# The only diaryflow modules that may import them: the cluster, and the PostgreSQL backend.
CLUSTER_MODULES = ("diaryflow.cluster", "diaryflow.state.postgres")


def _third_party(path: Path) -> set[str]:
    """The top-level names of the modules a file imports that are not diaryflow's."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found - {"diaryflow"}


def test_only_the_cluster_imports_the_cluster_extra() -> None:
    modules = _modules()
    outside = sorted(
        f"{name} imports {package}"
        for name, path in modules.items()
        if not name.startswith(CLUSTER_MODULES)
        for package in _third_party(path) & CLUSTER_ONLY
    )
    assert outside == []
    assert any(_third_party(path) & CLUSTER_ONLY for name, path in modules.items()
               if name.startswith("diaryflow.cluster"))  # the check sees imports at all


def test_the_single_machine_mode_loads_none_of_the_cluster_extra() -> None:
    """Importing every module but the cluster's loads none of the extra's packages."""
    import subprocess
    import sys

    names = sorted(n for n in _modules() if not n.startswith(CLUSTER_MODULES)
                   and not n.endswith("__main__"))
    code = (f"import importlib, sys\nfor n in {names!r}: importlib.import_module(n)\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(CLUSTER_ONLY)!r}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=SRC.parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


PACKAGES = ("config", "flowus", "llm", "state", "collect", "generate", "publish", "schedule",
            "cli")


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_exports_its_entry_and_nothing_else(package: str) -> None:
    import importlib
    import types

    module = importlib.import_module(f"diaryflow.{package}")
    exported = {name: getattr(module, name) for name in module.__all__}
    assert exported and not any(isinstance(v, types.ModuleType) for v in exported.values())
    for name, value in exported.items():
        assert value.__module__.startswith(f"diaryflow.{package}."), name


def test_only_store_connect_and_cluster_code_import_the_postgresql_backend() -> None:
    importers = sorted(module for module, targets in _graph().items()
                       if "diaryflow.state.postgres" in targets
                       and not module.startswith(CLUSTER_MODULES))
    assert importers == ["diaryflow.state.store"]  # inside Store.connect, for a postgresql URL


SINGLE_MACHINE = """
import sys
from pathlib import Path
from diaryflow.cli import main
from diaryflow.web.app import create_app
import diaryflow.pipeline, diaryflow.schedule.daemon, diaryflow.web.metrics
from diaryflow.state.history import runs_page
from diaryflow.state.runs import start_run
from diaryflow.state.store import Store
with Store.connect(Path(sys.argv[1])) as store, Store.connect("sqlite:///" + sys.argv[1]) as again:
    start_run(store, "r1", "daily", "p")
    assert runs_page(again).rows[0].run_id == "r1"
loaded = sorted(m for m in sys.modules if m.split(".")[0] in set(sys.argv[2].split())
                or m == "diaryflow.state.postgres")
print(loaded)
"""


def test_the_single_machine_mode_never_loads_the_cluster_libraries(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", SINGLE_MACHINE, str(tmp_path / "s.db"),
                           " ".join(sorted(CLUSTER_ONLY))],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
