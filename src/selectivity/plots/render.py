"""Drawing one figure from its resolved parameters (``selectivity.config.figure_params``) and its
input tables: the tables are read and checked (the configured runs, every layer), the figure's kind
draws it, and the PDF and the statistics CSV are written atomically."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..inputs import read_csv, require
from ..tables import read_layers, read_runs
from .panels import stats_options
from .quantities import network_column, network_label
from .specs import FIGURES, KINDS, stars_text, describe_test
from .style import finish

PWCCA_COLUMNS = ["experiment", "alpha", "layer_index", "layer", "kind", "seed_a", "seed_b", "reading", "rows",
                 "distance"]


@dataclass
class FigureData:
    """What a kind's drawing function gets: the figure's parameters and its checked tables (one
    runs / layers table per experiment, in the order of ``params["experiments"]``)."""

    params: dict
    runs: list[pd.DataFrame] = field(default_factory=list)
    layers: list[pd.DataFrame] = field(default_factory=list)
    pwcca: pd.DataFrame | None = None
    robustness: list[pd.DataFrame] = field(default_factory=list)

    @property
    def opts(self) -> dict:
        return stats_options(self.params.get("stats"))

    @property
    def stars(self) -> list[tuple[float, str]]:
        return [tuple(s) for s in self.params.get("stars", [])]

    @property
    def options(self) -> dict:
        return self.params.get("options", {})

    def column(self, quantity: str) -> str:
        """The runs-table column of a network value in the configured reading (mean_si, ...)."""
        return network_column(quantity, self.params.get("network_mean", "layers"))

    def label(self, quantity: str) -> str:
        return network_label(quantity, self.params.get("network_mean", "layers"))


def read_pwcca(paths: list[str | Path], expected: dict, pwcca: dict | None = None) -> pd.DataFrame:
    """PWCCA tables of one experiment, checked: every expected alpha (<= 0) present, with every
    within pair C(n, 2) and, for alpha != 0, every pair with the alpha = 0 networks, on every layer;
    computed under the configured reading, every pair of a layer over the same datapoints."""
    frames = []
    seeds = sorted(expected.get("seeds", []))
    for p in paths:
        df = read_csv(p, PWCCA_COLUMNS)
        if pwcca:
            readings = set(df["reading"])
            require(readings == {pwcca["reading"]}, p,
                    f"was computed under the PWCCA reading {sorted(readings)}, the config asks for "
                    f"{pwcca['reading']!r}")
        require(bool((df.groupby("layer_index")["rows"].nunique() == 1).all()), p,
                "has pairs of one layer computed over different numbers of datapoints")
        layers = df["layer_index"].nunique()
        n_within = df[df["kind"] == "within"].groupby("layer_index").size()
        n_base = df[df["kind"] == "baseline"].groupby("layer_index").size()
        if seeds:
            n = len(seeds)
            require((n_within == n * (n - 1) // 2).all() and len(n_within) == layers, p,
                    f"does not hold the {n * (n - 1) // 2} within-alpha pairs of seeds {seeds} on every layer")
            if (df["alpha"] != 0).any():
                require((n_base == n * n).all() and len(n_base) == layers, p,
                        f"does not hold the {n * n} pairs with the alpha = 0 networks on every layer")
        frames.append(df)
    pairs = pd.concat(frames, ignore_index=True)
    want = {float(a) for a in expected.get("alphas", [])}
    if want:
        have = set(pairs["alpha"].astype(float))
        require(want <= have, paths[0], f"the PWCCA tables lack alphas {sorted(want - have)}")
    return pairs


def load_figure_data(params: dict, inputs: dict[str, list[str]]) -> FigureData:
    kind = KINDS[params["kind"]]
    expected = params.get("expected", {})
    experiments = params["experiments"]
    data = FigureData(params)

    def per_experiment(name: str, reader):
        paths = inputs.get(name, [])
        if len(paths) != len(experiments):
            raise ValueError(f"{params['name']}: {len(paths)} {name} tables given for experiments {experiments}")
        return [reader(p, **{k: expected.get(e, {}).get(k) for k in ("alphas", "seeds")})
                for p, e in zip(paths, experiments)]

    if "runs" in kind.tables:
        data.runs = per_experiment("runs", read_runs)
    if "layers" in kind.tables:
        data.layers = per_experiment("layers", read_layers)
    if "robustness" in kind.tables:
        from ..robustness.evaluate import read_robustness

        data.robustness = per_experiment("robustness", read_robustness)
    if kind.pwcca:
        data.pwcca = read_pwcca(inputs.get("pwcca", []), expected.get(experiments[0], {}), params.get("pwcca"))
    return data


def render(params: dict, inputs: dict[str, list[str]], out_pdf, out_csv) -> pd.DataFrame:
    """Draw figure ``params["name"]``; returns the statistics table it wrote to ``out_csv``."""
    kind = KINDS[params["kind"]]
    draw = getattr(importlib.import_module(f"selectivity.plots.{kind.module}"), kind.function)
    fig, axes, stats = draw(load_figure_data(params, inputs))
    title = params["title"]
    if params.get("stars"):
        title += f"\n{stars_text(params['stars'], rst=False)}: {describe_test(FIGURES[params['name']], rst=False)}"
    finish(fig, axes, title, out_pdf, out_csv, stats)
    return stats
