"""Which tables each paper figure is drawn from (read by the workflow; imports nothing heavy).

tables: input name -> run subset of the experiment's tables (runs_<subset>.csv, layers_<subset>.csv);
pwcca: the figure reads the experiment's PWCCA results for alpha <= 0; multi: the figure takes one
runs table per experiment of ``figures.<fig>.experiments``. family: the shared module the figure's
own file builds on (both are inputs of the figure's rule).
"""

FIGURES = {
    "fig1": {"tables": {"runs": "penalize", "layers": "penalize"}, "family": "selectivity_figure"},
    "fig2": {"tables": {"runs": "penalize"}, "family": "accuracy_figure"},
    "fig3": {"tables": {}, "pwcca": True, "family": None},
    "fig4": {"tables": {"runs": "promote"}, "family": "accuracy_figure"},
    "fig5": {"tables": {"runs": "all"}, "family": "signs_figure"},
    "figA1": {"tables": {"runs": "promote", "layers": "promote"}, "family": "selectivity_figure"},
    "figA2": {"tables": {"runs": "penalize", "layers": "penalize"}, "family": "selectivity_figure"},
    "figA3": {"tables": {"runs": "penalize"}, "family": "accuracy_figure"},
    "figA4": {"tables": {"runs": "promote", "layers": "promote"}, "family": "selectivity_figure"},
    "figA5": {"tables": {"runs": "promote"}, "family": "accuracy_figure"},
    "figA6": {"tables": {"runs": "all"}, "family": "signs_figure"},
    "figA7": {"tables": {"runs": "penalize", "layers": "penalize"}, "family": "selectivity_figure"},
    "figA8": {"tables": {"runs": "promote", "layers": "promote"}, "family": "selectivity_figure"},
    "figA9": {"tables": {"runs": "promote", "layers": "promote"}, "family": None},
    "figA10": {"tables": {"runs": "promote"}, "multi": True, "family": None},
    "figA11": {"tables": {"runs": "all"}, "family": "signs_figure"},
    "figA12": {"tables": {"runs": "all"}, "multi": True, "family": None},
}
