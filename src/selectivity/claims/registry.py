"""The paper's claims, one entry each: the claim in the paper's words and where it says it (seed
files: 000 = the abstract of the Tiny ImageNet version, 002 = the ICLR paper, 003 = the companion
robustness result; claims 9a and 9b: the follow-up, Ranadive, Thakurdesai, Morcos, Leavitt & Deny,
"On the special role of class-selective neurons in early training", TMLR 2023), the figures whose statistics decide it, and its decision rule (a function of
``claims.rules``, applied by ``claims.evaluate``). Adding a claim is one entry here and, if it
needs a new kind of statistic, one branch in ``claims.evaluate``.

Imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    id: str
    words: str  # the paper's words (quoted)
    source: str  # where the paper says it
    figures: tuple[str, ...]  # the figures whose statistics decide it
    rule: str  # the decision rule, in words (claims.rules holds it as code)
    variants: tuple[str, ...] = ()  # the analysis keys its verdict is computed under (every value)


CLAIMS: dict[str, Claim] = {c.id: c for c in (
    Claim("1a", "The regularizer reliably decreases class selectivity for negative values of α",
          "002 §4.1, Fig. 1; A.4 (VGG16)", ("fig1", "figA2"),
          "every α < 0 has a lower mean SI than α = 0 and the most negative α is significantly lower "
          "(t-test); fails if some α < 0 is significantly higher",
          ("network_mean", "correction")),
    Claim("1b", "we could reduce class selectivity by a factor of 2.5 with no impact on test accuracy",
          "000 abstract; 002 abstract, §4.2, Fig. 2", ("fig1", "fig2"),
          "some α < 0 has SI(α = 0) / SI(α) with CI low ≥ 2.5 (t interval of the log ratio) and no impact on "
          "test accuracy: not significantly below α = 0 (t-test; the paper's reading) or, variant, the drop's t "
          "interval within claims.small_drop; fails if every α < 0 reaching 2.5× costs accuracy; inconclusive "
          "if none reaches it (a stronger α is needed)",
          ("network_mean", "correction", "no_impact")),
    Claim("2a", "reduce it nearly to zero", "000 abstract; 002 §4.2 (0.003 at α = −30)", ("fig1",),
          "at the most negative α, SI is at or below its shuffled-label null (mean SI − null ≤ 0); fails if "
          "significantly above it (one-sided t-test over networks) at an α that already costs accuracy "
          "significantly; inconclusive otherwise (a stronger α may reach it)",
          ("network_mean",)),
    Claim("2b", "with only a small (~2%) drop in test accuracy", "000 abstract; 002 abstract", ("fig2",),
          "at the most negative α, the accuracy drop acc(0) − acc(α) has a t interval whose upper end is ≤ "
          "claims.small_drop points; fails if its lower end is above"),
    Claim("3a", "The regularizer increases class selectivity for positive values of α", "002 §4.3, Fig. A1; A.4",
          ("figA1", "figA4"),
          "every α > 0 has a higher mean SI than α = 0 and the largest α is significantly higher (t-test); fails "
          "if some α > 0 is significantly lower",
          ("network_mean", "correction")),
    Claim("3b", "regularizing to increase class selectivity significantly decreased test accuracy across all "
          "models and datasets", "000 abstract; 002 §4.3, Fig. 4; A.4 (Fig. A5)", ("fig4", "figA5"),
          "every α > 0 is less accurate than α = 0 and the largest α significantly (t-test); fails if some α > 0 "
          "is significantly more accurate",
          ("correction",)),
    Claim("4", "Increasing class selectivity has rapid and deleterious effects on test accuracy compared to "
          "reducing class selectivity", "002 Fig. 5 (title), Fig. A6, A11", ("fig5", "figA6", "figA11"),
          "at the largest |α| on both sides α > 0 is less accurate than α < 0, significantly (Wilcoxon rank-sum, "
          "the paper's); fails if some |α| has α < 0 significantly less accurate",
          ("test", "correction")),
    Claim("5", "class selectivity is being suppressed, not simply rotated off-axis ... The distance ratio is "
          "significantly greater than the baseline for all values of α", "002 §4.1, Fig. 3", ("fig3",),
          "for every α < 0, ρ(α, α₀) > ρ(α, α) (paired t-test over networks of the layer-averaged distances); "
          "fails if some α < 0 has it significantly below",
          ("measure", "reading", "correction")),
    Claim("6", "Modulating class selectivity in VGG16 yielded results qualitatively similar to those we observed in "
          "ResNet20 (and the abstract's laws for ResNet18 / ResNet50 on Tiny ImageNet)", "002 A.4; 000 abstract", ("figA2", "figA3", "figA4", "figA5", "figA6", "tin_resnet18",
                                                 "tin_resnet50"),
          "the paper's claims 1a–4 on that experiment (configured variants): holds if all hold, fails if any "
          "fails (against the paper's claims, not against this config's ResNet20)"),
    Claim("6b", "Using this regularizer to reduce class selectivity ... increased test accuracy by over 2% in "
          "ResNet18 and 1% in ResNet50 trained on Tiny ImageNet", "000 abstract; 003", ("tin_resnet18",
                                                                                        "tin_resnet50"),
          "the best α < 0 is more accurate than α = 0, significantly (t-test); fails if even the best is "
          "significantly less accurate",
          ("correction",)),
    Claim("7a", "decreased class selectivity makes DNNs more robust against naturalistic distortions such as "
          "blur and noise", "003", ("robust_si", "robust_corruptions"),
          "slope of the corruption measure on mean SI over networks: relative drop rises (accuracy falls) with "
          "SI, significantly (t-test of the slope; with the clean-accuracy covariate: of the SI coefficient); "
          "fails if significantly the other way",
          ("measure", "adjustment", "network_mean")),
    Claim("7b", "decreasing class selectivity also makes DNNs more vulnerable to targeted attacks", "003",
          ("robust_si", "robust_attacks"),
          "slope of the attack measure on mean SI: relative drop falls (accuracy rises) with SI, significantly; "
          "fails if significantly the other way",
          ("measure", "adjustment", "network_mean")),
    Claim("8a", "networks regularized to increase selectivity contained significantly higher proportions of dead "
          "units", "002 §4.3 (Lethal ReLUs), Fig. A9a", ("figA9",),
          "every α > 0 has a higher dead fraction than α = 0 and the largest α significantly (t-test); fails if "
          "some α > 0 is significantly lower",
          ("network_mean", "correction")),
    Claim("8b", "Removing the dead units makes the relationship between regularization and selectivity more "
          "consistent at large regularization scales", "002 §4.3, A.6, Fig. A9b", ("figA9", "figA1"),
          "over α ≥ 0 networks, Spearman ρ(α, SI of live units) − ρ(α, SI of all units) has a bootstrapped CI "
          "(networks resampled) above 0; fails if below",
          ("network_mean",)),
    Claim("8c", "Regularizing against class selectivity has similar effects when measured using a different class "
          "selectivity metric", "002 A.5, Fig. A7", ("figA7",),
          "as 1a, on mean precision", ("precision", "network_mean", "correction")),
    Claim("8d", "regularizing to promote class selectivity has a consistent effect [on precision] for smaller "
          "values of α", "002 A.5, Fig. A8", ("figA8",),
          "the smallest α > 0 has significantly higher mean precision than α = 0 (t-test); fails if significantly "
          "lower", ("precision", "network_mean", "correction")),
    Claim("8e", "the proportion of dead units is reduced to 0 in all networks across all tested values of b",
          "002 §4.3 (Fruitless resuscitation), Fig. A10", ("figA10",),
          "every network of every leaky-ReLU experiment has no dead unit; fails otherwise"),
    Claim("8f", "using leaky-ReLUs does not rescue class selectivity-induced performance deficits",
          "002 §4.3, Fig. A10", ("figA10",),
          "as 3b, per leaky-ReLU experiment", ("correction",)),
    # the follow-up (Ranadive, Thakurdesai, Morcos, Leavitt & Deny, TMLR 2023), from its abstract
    Claim("9a", "class-selective neurons emerge during the first few epochs of training, before receding rapidly",
          "Ranadive et al. 2023, abstract", ("dynamics_si",),
          "at α = 0, the probe's network mean SI (Eq. 3) rises from the initialized network to the peak "
          "(paired t-test over networks, peak − epoch 0 > 0) and declines by the last epoch (last − peak < 0), "
          "both significantly; fails if either goes significantly the other way. \"Rapidly\" is not tested. "
          "The peak is a fixed early epoch (the si_dynamics figure's early_epoch; the configured reading) or "
          "where the mean curve peaks (chosen from the same data, which favours a decline)",
          ("peak",)),
    Claim("9b", "suppressing these neurons early in training drastically harms performance, while doing so later "
          "has little effect", "Ranadive et al. 2023, abstract", ("dynamics_schedules",),
          "at the same α, the late-only schedule is more accurate than the early-only one (test of the schedules "
          "figure: t-test, or rank-sum where the figure says so), significantly; fails if the early-only is "
          "significantly more accurate. Read at each run's best-validation epoch (the paper's protocol, the "
          "configured reading) and at its last epoch",
          ("epoch_reading",)),
)}

# The variant axes: key -> (what it is, its values; the first is the configured / paper's choice
# unless the config says otherwise).
VARIANTS = {
    "network_mean": "mean over the network: layers (Eq. 3) or all units pooled (analysis.network_mean)",
    "correction": "multiple comparisons: Bonferroni over the α of the figure (the paper's) or none",
    "test": "equal-|α| comparison: Wilcoxon rank-sum (the paper's) or t-test",
    "measure": "similarity measure (analysis.similarity_measures)",
    "reading": "datapoints of a convolutional layer (analysis.similarity_readings)",
    "precision": "precision over live units (dead units left out) or over all units",
    "no_impact": "claim 1b's 'no impact on test accuracy': not significant (the paper's) or within claims.small_drop",
    "adjustment": "none, or at equal clean accuracy (OLS with the clean-accuracy covariate)",
    "peak": "claim 9a's peak epoch: a fixed early epoch (chosen before looking) or where the mean curve peaks",
    "epoch_reading": "a run's final network: its best-validation epoch (the paper's protocol) or its last epoch",
}
