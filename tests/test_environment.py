"""The pinned environment: constraints.txt, envs/*.yaml and pyproject agree; no torchvision."""

import re
import tomllib

import yaml

from conftest import ROOT


def constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version.strip()
    return pins


def conda_pins(path) -> dict[str, str]:
    env = yaml.safe_load(path.read_text())
    pins = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            m = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*={1,2}\s*([^\s]+)", item)
            assert m or item in ("pip",), f"{path.name}: unpinned dependency {item!r}"
            if m and m.group(1) != "python":
                pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def test_torch_is_pinned_to_2_13_0():
    assert constraints()["torch"] == "2.13.0"


def test_conda_envs_agree_with_the_lock_file():
    lock = constraints()
    envs = sorted((ROOT / "envs").glob("*.yaml"))
    assert envs
    for env in envs:
        for name, version in conda_pins(env).items():
            assert lock.get(name) == version, f"{env.name}: {name}=={version} but constraints.txt has {lock.get(name)}"


def test_every_runtime_dependency_is_pinned_everywhere():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [re.split(r"[<>=!~ ]", d)[0].lower() for d in deps]
    lock, env = constraints(), conda_pins(ROOT / "envs/selectivity.yaml")
    for name in names:
        assert name in lock, f"{name} is not pinned in constraints.txt"
        assert name in env, f"{name} is missing from envs/selectivity.yaml"
    assert "snakemake" in lock and "pytest" in lock


def test_no_torchvision_anywhere():
    for path in [ROOT / "pyproject.toml", ROOT / "constraints.txt", *(ROOT / "envs").glob("*.yaml")]:
        assert "torchvision" not in path.read_text().lower(), path  # not a dependency
    for path in (ROOT / "src").rglob("*.py"):  # and never imported (comments may mention it)
        assert not re.search(r"^\s*(import|from)\s+torchvision", path.read_text(), re.M), path
