"""One source per default: the schema's defaults come from the package (selectivity.defaults and
the fields of RunConfig), and no other place in src/ writes one of those values down again as the
default of a parameter, option, field or setting of the same name."""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path

import pytest
import yaml

from selectivity.config import ConfigError, SCHEMA, load_schema, schema_default

SRC = Path(__file__).resolve().parents[1] / "src" / "selectivity"

# a key whose code name differs from its config name (parameters keep their library names)
ALIASES = {"selectivity_eps": {"eps"}, "pwcca_epsilon": {"epsilon"}, "si_null_permutations": {"null_permutations"},
           "si_null_seed": {"null_seed"}, "n_bootstrap": {"n_resamples"}, "precision_n": {"n_top"},
           "activation_dtype": {"dtype"}, "similarity_readings": {"readings"}, "similarity_measures": {"measures"},
           "similarity_threads": {"threads"}}


def _defaults(schema: dict, path=()) -> list[tuple[tuple, object]]:
    """(key path, default) of every property with a default, entries of a name map under "*"."""
    out = []
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict):
            if "default" in sub and not isinstance(sub["default"], dict):
                out.append((path + (name,), sub["default"]))
            out += _defaults(sub, path + (name,))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        out += _defaults(extra, path + ("*",))
    return out


def _literal(node):
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _MISSING
    try:
        return json.loads(json.dumps(value))  # tuples as lists
    except (TypeError, ValueError):
        return _MISSING


_MISSING = object()


def _named_literals(tree: ast.AST):
    """(name, value) of every literal written as the default or value of something named: a
    parameter default, a keyword argument, an assignment, a dict entry, an argparse option, a
    dict.get fallback, an ``option(...)`` / ``field(default=...)`` training field."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            positional = args.posonlyargs + args.args
            for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
                yield arg.arg, _literal(default)
            for arg, default in zip(args.kwonlyargs, args.kw_defaults):
                if default is not None:
                    yield arg.arg, _literal(default)
        elif isinstance(node, ast.Call):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if func == "add_argument" and node.args and isinstance(node.args[0], ast.Constant):
                dest = str(node.args[0].value).lstrip("-").replace("-", "_")
                for kw in node.keywords:
                    if kw.arg == "default":
                        yield dest, _literal(kw.value)
                continue
            if func == "get" and len(node.args) == 2 and isinstance(node.args[0], ast.Constant):
                yield str(node.args[0].value), _literal(node.args[1])
            for kw in node.keywords:
                if kw.arg:
                    yield kw.arg, _literal(kw.value)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "option" and value.args:
                value = value.args[0]
            for t in targets:
                if isinstance(t, ast.Name) and value is not None:
                    yield t.id, _literal(value)
                elif isinstance(t, ast.Tuple) and isinstance(value, ast.Tuple):
                    for n, v in zip(t.elts, value.elts):
                        if isinstance(n, ast.Name):
                            yield n.id, _literal(v)
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values):
                if isinstance(k, ast.Constant) and isinstance(k.value, str):
                    yield k.value, _literal(v)


def _trivial(value) -> bool:
    """Values too common to tell a copy from an unrelated use."""
    return value is None or isinstance(value, bool) or value in (0, 1, "", [], {})


def _matches(name: str, key: str) -> bool:
    name = name.lower()
    return any(name == a or name.endswith("_" + a) for a in {key} | ALIASES.get(key, set()))


def test_each_default_is_written_once():
    schema = load_schema(SCHEMA)
    raw = yaml.safe_load(SCHEMA.read_text())
    from_file = {path for path, _ in _defaults(raw)}
    literals = [(f, name, value) for f in sorted(SRC.rglob("*.py"))
                for name, value in _named_literals(ast.parse(f.read_text())) if value is not _MISSING]
    problems = []
    groups: dict[tuple, list[tuple]] = {}
    for path, value in _defaults(schema):
        if not _trivial(value) and path[0] != "figures":  # generated from plots.specs, one entry per figure
            groups.setdefault((path[-1], json.dumps(value)), []).append(path)
    for (key, value), paths in groups.items():
        owned = [p for p in paths if p not in from_file]  # the package's: one literal each
        found = [f"{f.relative_to(SRC)}: {name} = {v!r}" for f, name, v in literals
                 if _matches(name, key) and json.dumps(v) == value]
        if len(found) != len(owned):
            problems.append(f"{key} = {value} ({len(owned)} package default(s) of {[ '.'.join(p) for p in paths]}) "
                            f"is written {len(found)} time(s): {found}")
    assert not problems, "\n".join(problems)


def test_the_schema_file_leaves_the_package_defaults_to_the_package(tmp_path):
    raw = yaml.safe_load(SCHEMA.read_text())
    analysis = raw["properties"]["analysis"]["properties"]
    assert "default" not in analysis["rows_per_neuron"]
    assert schema_default("analysis", "rows_per_neuron") == 64
    assert schema_default("experiments", "*", "training", "lr_milestones") == [100, 150]
    assert schema_default("datasets", "*", "synthetic_per_batch") == 20
    twice = copy.deepcopy(raw)
    twice["properties"]["analysis"]["properties"]["min_rows"]["default"] = 512
    path = tmp_path / "schema.yaml"
    path.write_text(yaml.safe_dump(twice))
    with pytest.raises(ConfigError, match=r"analysis.min_rows has a default of its own"):
        load_schema(path)
    extra = copy.deepcopy(raw)
    extra["properties"]["stats"]["properties"]["n_permutations"] = {"type": "integer", "default": 100}
    path.write_text(yaml.safe_dump(extra))
    with pytest.raises(ConfigError, match=r"the keys of stats are .* selectivity.defaults has defaults for"):
        load_schema(path)  # a default the package does not know of
    fewer = copy.deepcopy(raw)
    del fewer["properties"]["stats"]["properties"]["ci"]
    path.write_text(yaml.safe_dump(fewer))
    with pytest.raises(ConfigError, match=r"the keys of stats are .* selectivity.defaults has defaults for"):
        load_schema(path)  # a package default without its key


def test_the_cli_defaults_are_the_schemas():
    from selectivity.cli import build_parser

    parsers = build_parser()._subparsers._group_actions[0].choices

    def default(command, option):
        return parsers[command].get_default(option)

    assert default("dump-activations", "device") == schema_default("analysis", "device") == "auto"
    assert default("dump-activations", "dtype") == schema_default("analysis", "activation_dtype")
    assert default("similarity", "device") == "auto" and default("robustness", "device") == "auto"
    assert default("similarity", "epsilon") == schema_default("analysis", "pwcca_epsilon")
    assert default("similarity", "rows_per_neuron") == schema_default("analysis", "rows_per_neuron")
    assert default("similarity", "min_rows") == schema_default("analysis", "min_rows")
    assert default("similarity", "readings") == schema_default("analysis", "similarity_readings")
    assert default("similarity", "measures") == schema_default("analysis", "similarity_measures")
    assert default("unit-metrics", "eps") == schema_default("experiments", "*", "training", "selectivity_eps")
    assert default("unit-metrics", "null_permutations") == schema_default("analysis", "si_null_permutations")
    assert default("prepare-data", "split_seed") == schema_default("datasets", "*", "split_seed")
    # a dataset's own options are not passed unless given: its reader defaults them to the schema's
    import inspect
    from selectivity.data.synthetic import prepare

    assert default("prepare-data", "synthetic_test_size") is None
    assert (inspect.signature(prepare).parameters["synthetic_test_size"].default
            == schema_default("datasets", "*", "synthetic_test_size"))
