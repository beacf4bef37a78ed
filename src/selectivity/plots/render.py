"""Drawing one figure from its resolved parameters (``selectivity.config.figure_params``) and its
input tables: the tables are read and checked (the configured runs, every layer), the figure's kind
draws it, and the PDF and the statistics CSV are written atomically."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..defaults import ANALYSIS
from ..files.runs import read_layers, read_runs
from .panels import stats_options
from .quantities import network_column, network_label
from .specs import FIGURES, KINDS, stars_text, describe_test
from .style import finish

@dataclass
class FigureData:
    """What a kind's drawing function gets: the figure's parameters and its checked tables (one
    runs / layers table per experiment, in the order of ``params["experiments"]``)."""

    params: dict
    runs: list[pd.DataFrame] = field(default_factory=list)
    layers: list[pd.DataFrame] = field(default_factory=list)
    similarity: pd.DataFrame | None = None
    robustness: list[pd.DataFrame] = field(default_factory=list)
    epochs: list[pd.DataFrame] = field(default_factory=list)
    to_final: pd.DataFrame | None = None  # the similarity-to-final tables of the first experiment

    @property
    def opts(self) -> dict:
        return stats_options(self.params.get("stats"))

    @property
    def stars(self) -> list[tuple[float, str]]:
        return [tuple(s) for s in self.params.get("stars", [])]

    @property
    def options(self) -> dict:
        """The figure's options: the configured ones, the others at their kind's defaults."""
        kind = KINDS[self.params["kind"]].options
        return {**{k: v["default"] for k, v in kind.items() if "default" in v}, **self.params.get("options", {})}

    def column(self, quantity: str) -> str:
        """The runs-table column of a network value in the configured reading (mean_si, ...)."""
        return network_column(quantity, self.params.get("network_mean", ANALYSIS["network_mean"]))

    def label(self, quantity: str) -> str:
        return network_label(quantity, self.params.get("network_mean", ANALYSIS["network_mean"]))


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
        from ..files.robustness import read_robustness

        data.robustness = per_experiment("robustness", read_robustness)
    if "epochs" in kind.tables:
        from ..files.epochs import read_epochs

        data.epochs = per_experiment("epochs", read_epochs)
    if kind.to_final and data.options.get(kind.to_final):
        from ..files.similarity import read_epoch_pairs

        want = expected.get(experiments[0], {})
        data.to_final = read_epoch_pairs(inputs.get("to_final", []), want.get("alphas"), want.get("seeds"),
                                         want.get("epochs"), params.get("similarity"))
    if kind.similarity:
        from ..files.similarity import read_pairs

        data.similarity = read_pairs(inputs.get("similarity", []), expected.get(experiments[0], {}),
                                     params.get("similarity"))
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
