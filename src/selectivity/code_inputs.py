"""The source files whose edits can change what a command computes: the code inputs of its rule.

A rule runs one CLI command (``python -m selectivity <command>``); the command is the function
``_<command>`` of ``cli.py`` (dashes as underscores). Its code inputs are the modules that function
imports and, recursively, the modules those import (imports inside functions included), read from
the source with ``ast`` -- nothing is imported. A module added to the trainer's imports is a
training input without an edit to the workflow.

Left out, and not followed further: ``NOT_INPUTS``, the modules that only read, check or write
files, hold names or parse configuration (a change there shows in the files, or in a rule's params,
which are rerun triggers of their own). A package's ``__init__`` runs whenever one of its modules is
imported, so it is an input too (unless listed). Names a lazy ``__init__`` loads on first use (its
``_EXPORTS`` dict: name -> module) are followed to their module, and so are a registry's lazy
references (a string ``"selectivity.<module>:<name>"``, e.g. a model's factory): they count as
imports of the module that holds them. ``PACKAGE_DATA``: files a module reads at run time.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

PACKAGE = "selectivity"
ROOT = Path(__file__).resolve().parent  # src/selectivity

NOT_INPUTS = frozenset({
    "selectivity",  # the package docstring
    "selectivity.__main__",
    "selectivity.cli",
    "selectivity.code_inputs",
    "selectivity.config",  # resolves the config: its results are the rules' params
    "selectivity.defaults",  # each default reaches the rules through the config, as their params
    "selectivity.errors",
    "selectivity.files",  # file formats (selectivity.files.*)
    "selectivity.inputs",
    "selectivity.io",
    "selectivity.layout",
    "selectivity.lazy",
    "selectivity.names",
    "selectivity.plots.specs",  # each figure's entry is its rule's params
})

# a lazy reference "selectivity.<module>:<name>" (selectivity.lazy.resolve)
REFERENCE = re.compile(rf"({PACKAGE}(?:\.\w+)+):\w+")

PACKAGE_DATA = {
    "selectivity.robustness.weather": tuple(f"robustness/frost/frost{i}.{ext}"
                                            for i, ext in zip(range(1, 6), ("png", "png", "png", "jpg", "jpg"))),
}


def excluded(module: str) -> bool:
    """A module of NOT_INPUTS, or inside a package listed there (but the top package, whose
    ``__init__`` alone is listed)."""
    return module in NOT_INPUTS or any(module.startswith(m + ".") for m in NOT_INPUTS if m != PACKAGE)


def module_file(module: str) -> Path | None:
    """The source file of a module of the package (``pkg/__init__.py`` for a package); None if
    there is none (a name imported from a module, not a module)."""
    if module != PACKAGE and not module.startswith(PACKAGE + "."):
        return None
    parts = module.split(".")[1:]
    path = ROOT.joinpath(*parts)
    if path.is_dir() and (path / "__init__.py").exists():
        return path / "__init__.py"
    if path.with_suffix(".py").exists():
        return path.with_suffix(".py")
    return None


def _resolve(current: str, is_package: bool, level: int, target: str | None) -> str:
    """The absolute name of ``from <level dots><target> import ...`` in module ``current``."""
    base = current.split(".") if is_package else current.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


@lru_cache(maxsize=None)
def _parse(path: Path, mtime_ns: int) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _tree(path: Path) -> ast.Module:
    return _parse(path, path.stat().st_mtime_ns)


def _lazy_exports(tree: ast.Module) -> dict[str, str]:
    """A lazy ``__init__``'s ``_EXPORTS = {"name": "module", ...}`` (module relative to it)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets):
            value = ast.literal_eval(node.value)
            return {str(k): str(v) for k, v in value.items()}
    return {}


def _imported(nodes, module: str, is_package: bool) -> set[str]:
    """Modules of the package that the import statements among ``nodes`` name (a ``from m import
    name`` names m, and m.name where that is a module, or the module a lazy export names), and the
    modules of the lazy references among them."""
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and (ref := REFERENCE.fullmatch(node.value)):
            found.add(ref.group(1))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node.level, node.module) if node.level else (node.module or "")
            found.add(base)
            base_file = module_file(base)
            lazy = _lazy_exports(_tree(base_file)) if base_file and base_file.name == "__init__.py" else {}
            for alias in node.names:
                if module_file(f"{base}.{alias.name}"):
                    found.add(f"{base}.{alias.name}")
                elif alias.name in lazy:
                    found.add(f"{base}.{lazy[alias.name]}")
    return {m for m in found if module_file(m)}


def _with_parents(module: str) -> list[str]:
    """The module and the packages above it (their ``__init__`` runs first)."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def module_closure(roots: set[str]) -> set[str]:
    """The package modules ``roots`` import, directly or through others, roots included; modules
    of NOT_INPUTS are left out and not followed."""
    seen: set[str] = set()
    todo = [m for r in roots for m in _with_parents(r)]
    while todo:
        module = todo.pop()
        if module in seen or excluded(module):
            continue
        seen.add(module)
        path = module_file(module)
        if path is None:
            continue
        imports = _imported(ast.walk(_tree(path)), module, path.name == "__init__.py")
        todo.extend(m for i in imports for m in _with_parents(i))
    return seen


def command_modules(command: str) -> set[str]:
    """The modules the CLI command's function (``cli._<command>``) imports, and their closure."""
    name = "_" + command.replace("-", "_")
    cli = module_file(f"{PACKAGE}.cli")
    functions = [n for n in _tree(cli).body if isinstance(n, ast.FunctionDef) and n.name == name]
    if not functions:
        raise ValueError(f"{cli}: no function {name} for the command {command!r}")
    return module_closure(_imported(ast.walk(functions[0]), f"{PACKAGE}.cli", False))


def files(modules: set[str]) -> list[Path]:
    """The source files of ``modules`` and the data files they read, sorted."""
    paths = {module_file(m) for m in modules} - {None}
    for m in modules:
        paths.update(ROOT / p for p in PACKAGE_DATA.get(m, ()))
    return sorted(paths)


def command_inputs(command: str) -> list[Path]:
    """The code inputs of a rule that runs ``command``: source files and package data, sorted."""
    return files(command_modules(command))


def module_inputs(*modules: str) -> list[Path]:
    """The code inputs of running ``modules`` (e.g. a figure kind's plotting module, which the plot
    command loads by name)."""
    return files(module_closure(set(modules)))
