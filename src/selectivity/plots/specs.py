"""Every paper figure as one declarative entry, read by the workflow (rules, inputs, report
captions), the config validation (each figure's options, by kind) and the plotting CLI.

A figure = a *kind* (what is drawn: a function in one module of this package) + the runs it shows
(the experiments, a subset of alpha) + what the paper fixes for it (quantity, test, star levels,
title, caption). Adding a figure of an existing kind is one entry in ``FIGURES``.

Imports nothing heavy: the Snakefile reads it at parse time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

ZOOM = {"type": "number", "minimum": 0, "default": 1.0,
        "description": "the |alpha| range of the zoomed panel (the paper's: up to 1)"}
CORRUPTION_SET = {"enum": ["benchmark", "extra", "all"], "default": "benchmark",
                  "description": "the corruption set the figure averages over (the robustness table must hold all "
                                 "of it): benchmark (the 15 of every published CIFAR-10-C mean), extra (4), all (19)"}
LABELS = {"type": "array", "items": {"type": "string"},
          "description": "legend labels, one per experiment (default: the experiments' names)"}


@dataclass(frozen=True)
class Kind:
    """What a kind of figure draws and reads.

    module, function: ``selectivity.plots.<module>.<function>(data, figure)`` draws it.
    tables: the per-experiment tables it reads ("runs", "layers", "robustness": the experiment's
    robustness_all.csv, which needs the experiment in the config's robustness.experiments); similarity:
    it reads the similarity tables (``files.similarity``) of the experiment's alphas <= 0.
    multi: it compares several experiments (config key ``experiments``, else ``experiment``).
    baseline: "each" experiment needs the alpha = 0 runs, or only the "first" (its are the baseline of all).
    options: the config options it takes, as JSON-schema properties with defaults.
    to_final: the boolean option under which it also reads the experiment's similarity-to-final
    tables (``files.similarity`` epoch tables, one per alpha; rule similarity_to_final), or "".
    """

    module: str
    function: str
    tables: tuple[str, ...] = ("runs",)
    similarity: bool = False
    multi: bool = False
    options: dict = field(default_factory=dict)
    baseline: str = "each"  # which experiments need alpha = 0: "each", or the "first" only (schedules)
    to_final: str = ""


KINDS = {
    "accuracy": Kind("accuracy", "accuracy_figure", options={"zoom_max_abs_alpha": ZOOM}),
    "selectivity": Kind("selectivity", "selectivity_figure", tables=("runs", "layers")),
    "sign_distributions": Kind("signs", "sign_distributions_figure"),
    "sign_lines": Kind("signs", "sign_lines_figure", options={"zoom_max_abs_alpha": ZOOM}),
    "sign_control": Kind("signs", "sign_control_figure"),
    "similarity": Kind("similarity", "similarity_figure", tables=(), similarity=True, options={
        "example_alpha": {"type": "number", "exclusiveMaximum": 0, "default": -10,
                          "description": "the alpha of panel a (the paper's: -10; the most negative if absent)"}}),
    "dead_units": Kind("dead_units", "dead_units_figure", tables=("runs", "layers")),
    "leaky": Kind("comparisons", "leaky_figure", multi=True, options={
        "labels": LABELS,
        "detail_index": {"type": "integer", "default": -1,
                         "description": "which experiment panel b shows (the paper's: b = 0.5, the last)"}}),
    "models": Kind("comparisons", "models_figure", multi=True, options={"labels": LABELS}),
    "tradeoff": Kind("tradeoff", "tradeoff_figure", options={"zoom_max_abs_alpha": ZOOM}),
    "robust_corruptions": Kind("robust_corruptions", "robust_corruptions_figure", tables=("robustness",),
                               options={"corruptions": CORRUPTION_SET}),
    "robust_attacks": Kind("robust_attacks", "robust_attacks_figure", tables=("robustness",)),
    "robust_si": Kind("robust_si", "robust_si_figure", tables=("runs", "robustness"), options={
        "attack": {"enum": ["pgd", "fgsm"], "default": "pgd", "description": "the attack of panels b and d"},
        "eps": {"type": ["number", "null"], "exclusiveMinimum": 0, "default": None,
                "description": "the eps of panels b and d, in 1/255 units (one of robustness.eps); null: the middle "
                               "of the grid"},
        "corruptions": CORRUPTION_SET}),
    "robust_dimensionality": Kind("robust_dimensionality", "robust_dimensionality_figure",
                                  tables=("layers", "robustness"),
                                  options={"measure": {"enum": ["participation_ratio", "components"],
                                                       "default": "participation_ratio",
                                                       "description": "participation ratio, or principal "
                                                                      "components for robustness.variance_fraction"}}),
}
KINDS.update({
    "si_dynamics": Kind("dynamics", "si_dynamics_figure", tables=("epochs",), options={
        "detail_alpha": {"type": "number", "default": 0,
                         "description": "the alpha of panel b (per layer group; the nearest configured)"},
        "layer_groups": {"type": "integer", "minimum": 1, "default": 3,
                         "description": "contiguous groups of unit layers in panel b (3: early, middle, late)"},
        "early_epoch": {"type": ["integer", "null"], "minimum": 1, "default": None,
                        "description": "the fixed early epoch of the rise-and-decline tests' second reading "
                                       "(null: a quarter of the epochs)"},
        "similarity_to_final": {"type": "boolean", "default": False,
                                "description": "panel d: the representational distance of each run's save_epochs "
                                               "networks to the run's model, its best-validation epoch (needs "
                                               "training.save_epochs)"}},
        to_final="similarity_to_final"),
    "schedules": Kind("dynamics", "schedules_figure", multi=True, baseline="first", options={
        "labels": LABELS,
        "alpha": {"type": ["number", "null"], "default": None,
                  "description": "the alpha of the regularized schedules (null: the most negative they share)"}}),
})
DYNAMICS_KINDS = ("si_dynamics", "schedules")  # config/dynamics.yaml's figures (tiny: config/tiny_dynamics.yaml)
ROBUSTNESS_KINDS = tuple(k for k, kind in KINDS.items() if "robustness" in kind.tables)


@dataclass(frozen=True)
class Figure:
    """One paper figure. title / caption may use {model} (the display name of the experiments'
    model), {ci} (e.g. "95 %"), {network_mean} (which mean over the network the figure shows) and
    {stars} (the star levels, with the test); the caption is reStructuredText.

    The title says what is plotted, never a finding (a figure drawn from a user's runs must not
    assert what those runs may not show); ``finding`` is the paper's own statement about the
    figure, (where the paper says it, the words), which the caption quotes as the paper's."""

    kind: str
    title: str
    caption: str
    experiments: tuple[str, ...] = ("resnet20",)  # the paper's; the config may name others
    subset: str = "all"  # runs shown: "penalize" (alpha <= 0), "promote" (alpha >= 0), "all"
    quantity: str = "si"  # selectivity / dead_units kinds: "si", "si_alive", "precision"
    stars: tuple[tuple[float, str], ...] = ()  # the caption's thresholds of the corrected p-value
    test: str = "t"  # "t" (t-test) or "ranksum" (Wilcoxon rank-sum)
    labels: tuple[str, ...] = ()  # default legend labels of a multi-experiment figure
    finding: tuple[str, str] = ()  # (where the paper says it, its words), quoted in the caption
    order: int = 0  # position in the paper (report order)


_ACC = ("(a) Test accuracy as a function of the regularization scale α ({side}), violins with an inner box "
        "plot (its darker central line spans the central two quartiles); (b) identical to (a), for the subset "
        "\\|α\\| ≤ {zoom}; (c) test accuracy against {network_mean} for each α. Error bars: bootstrapped {ci} "
        "confidence intervals over networks. {stars}")
_SEL = ("(a) Mean {what} per layer for each α ({side}); (b) {network_mean} of the {what} over the network "
        "(filled: mean; open: median, a robust summary where units leave [0, 1]). Error bars and bands: "
        "bootstrapped {ci} confidence intervals over networks.")
_BLUE, _RED = "intensity of blue", "intensity of red"

_TIN_STARS = ((0.05, "*"), (5e-6, "**"))


def _tiny_imagenet(model: str) -> dict[str, Figure]:
    """The Tiny ImageNet figures of one model (the ICLR version's headline): accuracy, selectivity
    and their trade-off over the whole alpha grid, with the statistics of Figs. 2 and 4."""
    exp, order = (f"tin_{model}",), {"resnet18": 18, "resnet50": 21}[model]
    side = "blue: α < 0, red: α > 0"
    return {
        "": Figure("accuracy", "Class selectivity and test accuracy on Tiny ImageNet ({model})",
                   _ACC.format(side=side, network_mean="{network_mean}", ci="{ci}", stars="{stars}", zoom="{zoom}"),
                   experiments=exp, stars=_TIN_STARS, order=order),
        "_si": Figure("selectivity", "Regularizing class selectivity on Tiny ImageNet ({model})",
                      _SEL.format(what="class selectivity index", side=side, network_mean="{network_mean}",
                                  ci="{ci}"),
                      experiments=exp, order=order + 1),
        "_tradeoff": Figure("tradeoff", "Test accuracy against class selectivity on Tiny ImageNet ({model})",
                            "(a) Test accuracy against {network_mean} of the class selectivity index: one point per "
                            "network, coloured by α (blue: α < 0, red: α > 0), and each α's mean with bootstrapped "
                            "{ci} confidence intervals in both directions; (b) the same for \\|α\\| ≤ {zoom}. {stars}",
                            experiments=exp, stars=_TIN_STARS, order=order + 2),
    }


FIGURES: dict[str, Figure] = {
    "fig1": Figure("selectivity", "Manipulating class selectivity by regularizing against it ({model})",
                   _SEL.format(what="class selectivity index", side=_BLUE, network_mean="{network_mean}", ci="{ci}"),
                   subset="penalize", order=1),
    "fig2": Figure("accuracy", "Effects of reducing class selectivity on test accuracy ({model})",
                   _ACC.format(side=_BLUE, network_mean="{network_mean}", ci="{ci}", stars="{stars}", zoom="{zoom}"),
                   subset="penalize", stars=((0.05, "*"), (5e-6, "**")), order=2),
    "fig3": Figure("similarity", "Using representational similarity to check whether class selectivity is rotated "
                   "off-axis ({model})",
                   "One row of panels per similarity measure and reading of the datapoints. (a) Mean distance ρ per "
                   "layer between replicate networks trained at the example α, ρ(α, α) (light), and between "
                   "networks at that α and at α = 0, ρ(α, α₀) (dark). Each network contributes its mean distance "
                   "to its replicates and to the α = 0 networks; bands: bootstrapped {ci} confidence intervals "
                   "over networks. (b) Distance ratio ρ(α, α₀) : ρ(α, α) averaged over layers, per α < 0 (the "
                   "example circled), mean and bootstrapped {ci} CI over networks; {stars} (n = seeds; stars only "
                   "where ρ(α, α₀) > ρ(α, α)). (c) The ratio per layer. PWCCA is invariant to invertible linear "
                   "maps, linear CKA and Procrustes only to orthogonal ones (and scaling): a ratio above 1 rules "
                   "out a rotation of selectivity off the unit axes under every measure, and any invertible "
                   "linear map only under PWCCA. {similarity}",
                   subset="penalize", stars=((5e-6, "*"),), order=3,
                   finding=("Fig. 3 caption, ResNet20, CCA distance", "The wide gap between the lines indicates "
                            "that class selectivity is being suppressed, not simply rotated off-axis. ... The "
                            "distance ratio is significantly greater than the baseline for all values of α")),
    "fig4": Figure("accuracy", "Effects of increasing class selectivity on test accuracy ({model})",
                   _ACC.format(side=_RED, network_mean="{network_mean}", ci="{ci}", stars="{stars}", zoom="{zoom}"),
                   subset="promote", stars=((2e-4, "*"), (5e-7, "**")), order=4),
    "fig5": Figure("sign_distributions",
                   "Test accuracy when promoting vs. reducing class selectivity, by |α| ({model})",
                   "(a) Test accuracy as a function of \\|α\\| for α < 0 (blue, left halves) and α > 0 (red, right "
                   "halves); in the distributions the solid line is the mean and the dashed lines the central two "
                   "quartiles. {stars} (b) Test accuracy against {network_mean} for every α; error bars: "
                   "bootstrapped {ci} confidence intervals.",
                   stars=((6e-6, "**"),), test="ranksum", order=5,
                   finding=("Fig. 5 title", "Increasing class selectivity has rapid and deleterious effects on test "
                            "accuracy compared to reducing class selectivity")),
    "figA1": Figure("selectivity", "Regularizing to increase class selectivity ({model})",
                    _SEL.format(what="class selectivity index", side=_RED, network_mean="{network_mean}", ci="{ci}"),
                    subset="promote", order=6),
    "figA2": Figure("selectivity", "Regularizing to decrease class selectivity ({model})",
                    _SEL.format(what="class selectivity index", side=_BLUE, network_mean="{network_mean}", ci="{ci}"),
                    experiments=("vgg16",), subset="penalize", order=7),
    "figA3": Figure("accuracy", "Effects of reducing class selectivity on test accuracy ({model})",
                    _ACC.format(side=_BLUE, network_mean="{network_mean}", ci="{ci}", stars="{stars}", zoom="{zoom}"),
                    experiments=("vgg16",), subset="penalize", stars=((5e-3, "*"), (5e-6, "**"), (5e-60, "***")),
                    order=8),
    "figA4": Figure("selectivity", "Regularizing to increase class selectivity ({model})",
                    _SEL.format(what="class selectivity index", side=_RED, network_mean="{network_mean}", ci="{ci}"),
                    experiments=("vgg16",), subset="promote", order=9),
    "figA5": Figure("accuracy", "Effects of increasing class selectivity on test accuracy ({model})",
                    _ACC.format(side=_RED, network_mean="{network_mean}", ci="{ci}", stars="{stars}", zoom="{zoom}"),
                    experiments=("vgg16",), subset="promote", stars=((0.05, "*"), (5e-4, "**"), (9e-6, "***")),
                    order=10),
    "figA6": Figure("sign_lines", "Regularizing to promote vs. penalize class selectivity ({model})",
                    "(a) Test accuracy as a function of \\|α\\| when promoting (α > 0, red) or penalizing (α < 0, "
                    "blue) class selectivity; error bars: bootstrapped {ci} confidence intervals. (b) Identical "
                    "to (a), for the subset \\|α\\| ≤ {zoom}. {stars}",
                    experiments=("vgg16",), stars=((0.05, "*"), (1e-3, "**"), (1e-6, "***")), test="ranksum",
                    order=11),
    "figA7": Figure("selectivity", "Regularizing against class selectivity, measured by precision ({model})",
                    _SEL.format(what="precision (A.5; dead units left out)", side=_BLUE,
                                network_mean="{network_mean}", ci="{ci}"),
                    subset="penalize", quantity="precision", order=12,
                    finding=("Fig. A7 title", "Regularizing against class selectivity has similar effects when "
                             "measured using a different class selectivity metric")),
    "figA8": Figure("selectivity", "Regularizing for class selectivity, measured by precision ({model})",
                    _SEL.format(what="precision (A.5; dead units left out)", side=_RED,
                                network_mean="{network_mean}", ci="{ci}"),
                    subset="promote", quantity="precision", order=13,
                    finding=("Fig. A8 title", "Regularizing to increase class selectivity has similar effects on a "
                             "different class selectivity metric")),
    "figA9": Figure("dead_units", "Dead units, and class selectivity without them, for α ≥ 0 ({model})",
                    "(a) Proportion of dead units per layer for each α ≥ 0 (intensity of red); (b) {network_mean} "
                    "of the class selectivity index after removing dead units, per α; (c) test accuracy against "
                    "that value. Error bars: bootstrapped {ci} confidence intervals. {stars}",
                    subset="promote", quantity="si_alive", stars=((2e-4, "*"), (5e-7, "**")), order=14,
                    finding=("Fig. A9 title", "Removing dead units partially stabilizes the effects of large positive "
                             "regularization scales")),
    "figA10": Figure("leaky", "Test accuracy and class selectivity with leaky ReLUs, for α ≥ 0 ({model})",
                     "(a) Test accuracy as a function of α ≥ 0 for leaky ReLUs of several negative slopes b "
                     "(intensity of red); (b) {network_mean} of the class selectivity index as a function of α "
                     "for one slope (the paper's: b = 0.5; filled: mean, open: median, as SI can leave [0, 1] with "
                     "leaky ReLUs). Error bars: bootstrapped {ci} confidence intervals. {stars}",
                     experiments=("resnet20_leaky0.01", "resnet20_leaky0.1", "resnet20_leaky0.3", "resnet20_leaky0.5"),
                     labels=("b = 0.01", "b = 0.1", "b = 0.3", "b = 0.5"), subset="promote",
                     stars=((1e-3, "*"), (2e-4, "**"), (5e-10, "***")), order=15,
                     finding=("Fig. A10", "Reviving dead units does not rescue the performance deficits caused by "
                              "increasing selectivity. ... Leaky-ReLUs completely solve the dead unit problem but do "
                              "not fully rescue test accuracy for networks with α > 0")),
    "figA11": Figure("sign_control", "Promoting vs. penalizing class selectivity ({model})",
                     "Test accuracy as a function of \\|α\\| when promoting (α > 0, red) or penalizing (α < 0, blue) "
                     "class selectivity. Error bars: bootstrapped {ci} confidence intervals. {stars}",
                     stars=((0.05, "*"), (6e-6, "**")), test="ranksum", order=16),
    "figA12": Figure("models", "Differences between models ({model})",
                     "(a) Test accuracy and (b) {network_mean} of the class selectivity index as a function of α, "
                     "one colour per experiment (the paper's: ResNet20 cyan, VGG16 orange). Error bars: "
                     "bootstrapped {ci} confidence intervals.",
                     experiments=("resnet20", "vgg16"), labels=("ResNet20", "VGG16"), order=17),
    "robust_corruptions": Figure(
        "robust_corruptions", "Robustness to naturalistic corruptions ({model})",
        "Over the corruption set the panels name (option corruptions; default: the benchmark's 15 of Hendrycks & "
        "Dietterich 2019), for each α (blue: α < 0, red: α > 0): (a) test accuracy against the severity (0: clean "
        "images), each network's mean over the set; (b) the relative drop (clean − corrupted accuracy) / clean, "
        "which does not follow clean accuracy; (c) the mean corruption error mCE and (d) the relative mCE, "
        "normalized to the mean of the α = 0 networks (Hendrycks & Dietterich's CE with α = 0 as the baseline "
        "model; 1: as robust as α = 0); then the relative drop per family (noise, blur, weather, digital). Bands "
        "and error bars: bootstrapped {ci} confidence intervals over networks. {stars} Per severity; stars beside "
        "the largest.",
        stars=((0.05, "*"), (1e-3, "**")), order=30),
    "robust_attacks": Figure(
        "robust_attacks", "Robustness to gradient-based adversarial attacks ({model})",
        "Against the L∞ budget ε (1/255 pixel units) for each α: (a) FGSM and (b) PGD test accuracy (0: clean "
        "images), (c) FGSM and (d) PGD relative accuracy drop (clean − attacked) / clean. Bands: bootstrapped "
        "{ci} confidence intervals over networks. {stars} Per ε; stars beside the largest.",
        stars=((0.05, "*"), (1e-3, "**")), order=31),
    "robust_si": Figure(
        "robust_si", "Robustness against class selectivity ({model})",
        "One point per network against {network_mean} of the class selectivity index: (a) relative drop under "
        "corruptions (mean over the set the axis names and its severities), (b) relative drop under PGD at one ε, "
        "(c), (d) the same as absolute accuracies; each α's mean with bootstrapped {ci} confidence intervals in "
        "both directions. Dashed lines: least-squares fits over the penalizing (α ≤ 0, blue) and the promoting "
        "(α ≥ 0, red) networks separately, with slope, Pearson r and the p of its t-test; \"at equal clean "
        "acc.\": the partial correlation of the measure with mean SI in the two-regressor OLS on mean SI and the "
        "network's clean accuracy, and the p of the SI coefficient (the CSV also holds the fits over all "
        "networks). {stars}",
        stars=((0.05, "*"), (1e-3, "**")), order=32),
    "robust_dimensionality": Figure(
        "robust_dimensionality", "Dimensionality of the representations ({model})",
        "(a) Participation ratio of each unit layer's representation of clean test images (PCA of the "
        "activations), per α; next panels: of the change each configured perturbation causes (perturbed − "
        "clean activations); then the mean over layers of (a) against α; last, per layer, Pearson r over "
        "networks between the layer's mean class selectivity index and its clean participation ratio, for α ≤ 0, "
        "α ≥ 0 and all networks (circled: p < 0.05, uncorrected). Bands and error bars: bootstrapped {ci} "
        "confidence intervals over networks. {stars}",
        stars=((0.05, "*"), (1e-3, "**")), order=33),
    **{f"tin_{m}{suffix}": fig for m in ("resnet18", "resnet50") for suffix, fig in _tiny_imagenet(m).items()},
}
# The follow-up's question (Ranadive et al. 2023, "when does class selectivity matter"): selectivity
# over training, and alpha schedules in time (config/dynamics.yaml runs them).
FIGURES.update({
    "dynamics_si": Figure(
        "si_dynamics", "Class selectivity over training ({model})",
        "(a) {network_mean} of the class selectivity index on a fixed probe of validation images after each "
        "epoch (0: the initialized network), one line per α (blue: α < 0, red: α > 0); (b) at one α, the mean SI "
        "of early, middle and late unit layers; (c) the probe's accuracy. Bands: bootstrapped {ci} confidence "
        "intervals over networks. The statistics CSV holds, per α, paired t-tests over networks of the rise "
        "(peak vs epoch 0) and the decline (last epoch vs peak), with the peak read two ways: where the mean "
        "curve peaks (chosen from the same data) and at a fixed early epoch.",
        experiments=("dynamics",), order=60,
        finding=("Ranadive et al. 2023, abstract", "class-selective neurons emerge during the first few epochs "
                 "of training, before receding rapidly")),
    "dynamics_schedules": Figure(
        "schedules", "Test accuracy and class selectivity of α schedules in time ({model})",
        "(a, b) Test accuracy and (c, d) the mean over layers (Eq. 3) of the test set's class selectivity index "
        "per schedule: never (α = 0), regularized in every epoch, in the early epochs only, in the late epochs "
        "only (the experiments' training.alpha_schedule), mean and bootstrapped {ci} CI over networks, one dot per "
        "network. Two readings of a run's final network: (a, c) its best-validation epoch (the paper's protocol "
        "and the run's model; the chosen epochs are under the bars and in the CSV), where a run that chose an "
        "epoch before its schedule regularized shows an unregularized network; (b, d) its last epoch, what "
        "\"final accuracy\" means in a schedule that regularizes late. {stars} (every schedule against never, "
        "Bonferroni over the regularized schedules; each pair of regularized schedules in the CSV, Bonferroni "
        "over the pairs).",
        experiments=("dynamics", "dynamics_early", "dynamics_late"), labels=("always", "early", "late"),
        stars=((0.05, "*"), (1e-3, "**")), order=61,
        finding=("Ranadive et al. 2023, abstract", "suppressing these neurons early in training drastically "
                 "harms performance, while doing so later has little effect")),
})

# The companion paper's robustness figures for the Tiny ImageNet models (Tiny ImageNet-C, attacks):
# the ResNet20 entries with the model's experiment, after the other Tiny ImageNet figures.
FIGURES.update({
    f"tin_{m}_{name}": replace(FIGURES[name], experiments=(f"tin_{m}",), order=FIGURES[name].order + 10 * (i + 1))
    for i, m in enumerate(("resnet18", "resnet50"))
    for name in ("robust_corruptions", "robust_attacks", "robust_si", "robust_dimensionality")
})

NETWORK_MEANS = {
    "layers": "the mean over layers of each layer's mean over its units (Eq. 3)",
    "units": "the mean over all units of the network",
}
TESTS = {
    "t": "difference from α = 0, t-test, Bonferroni-corrected",
    "ranksum": "difference from α = 0, Wilcoxon rank-sum test, Bonferroni-corrected",
    "ranksum_signs": "difference between α < 0 and α > 0 at equal \\|α\\|, Wilcoxon rank-sum test, "
                     "Bonferroni-corrected",
    "paired": "ρ(α, α₀) vs ρ(α, α), two-sided paired t-test over networks",
}


def describe_test(fig: Figure, rst: bool = True) -> str:
    """The test behind a figure's stars, as its caption says it."""
    if fig.kind in ("sign_distributions", "sign_lines"):
        text = TESTS["ranksum_signs"]
    elif fig.kind == "similarity":
        text = TESTS["paired"]
    else:
        text = TESTS[fig.test]
    return text if rst else text.replace("\\", "")


def stars_text(stars, rst: bool = True) -> str:
    """"* p < 0.05, ** p < 5e-06" (asterisks escaped for reStructuredText)."""
    star = "\\*" if rst else "*"
    return ", ".join(f"{mark.replace('*', star)} p < {threshold:g}" for threshold, mark in sorted(stars, reverse=True))


def figure_schema(name: str) -> dict:
    """The JSON schema of ``figures.<name>`` in the config: the experiment(s) and the kind's options
    (any other key is an error), with the paper's experiments as default."""
    fig, kind = FIGURES[name], KINDS[FIGURES[name].kind]
    props = dict(kind.options)
    if kind.multi:
        props["experiments"] = {"type": "array", "minItems": 1, "items": {"type": "string"},
                                "default": list(fig.experiments), "description": "the experiments the figure compares"}
        default = {"experiments": list(fig.experiments)}
        if fig.labels:
            default["labels"] = list(fig.labels)
    else:
        props["experiment"] = {"type": "string", "default": fig.experiments[0],
                               "description": "the experiment the figure shows"}
        default = {"experiment": fig.experiments[0]}
    return {"type": "object", "additionalProperties": False, "properties": props, "default": default,
            "description": f"{name} (kind {fig.kind}): the experiment(s) it shows and its options"}


def figure_experiments(spec: dict) -> list[str]:
    """The experiments of a figure's config entry."""
    return [spec["experiment"]] if "experiment" in spec else list(spec.get("experiments", []))
