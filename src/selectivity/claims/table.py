"""The claims table's format: its columns, writer, reader (checked), the terminal table that
``selectivity claims`` prints, and the README blocks generated from a preset's snapshot
(docs/claims/<preset>.csv). Imports pandas only."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..inputs import read_csv, require
from ..io import atomic_path

COLUMNS = ["claim", "experiment", "variant", "configured", "statistic", "value", "ci_low", "ci_high", "p", "n",
           "verdict", "detail", "figures", "source", "words"]
from .rules import VERDICTS  # the one list of verdicts
MARK = {"holds": "holds", "fails": "FAILS", "inconclusive": "inconclusive", "not configured": "not configured"}


def write_claims(df: pd.DataFrame, path) -> None:
    with atomic_path(path) as tmp:
        df[COLUMNS].to_csv(tmp, index=False)


def read_claims(path) -> pd.DataFrame:
    """A claims table, checked: its columns, and verdicts among VERDICTS."""
    from .registry import CLAIMS

    df = read_csv(path, COLUMNS)
    bad = sorted(set(df["verdict"]) - set(VERDICTS))
    require(not bad, path, f"has verdicts {bad}; a claims table's are {list(VERDICTS)}")
    missing = [c for c in CLAIMS if c not in set(df["claim"].astype(str))]
    require(not missing, path, f"lacks the claims {missing} (every claim has a row: the table is truncated or "
                               "from another version)")
    df["configured"] = df["configured"].astype(str).str.lower().isin(["true", "1"])
    for c in ("experiment", "variant", "statistic", "detail"):
        df[c] = df[c].fillna("")
    return df


def _number(v) -> str:
    return "" if not np.isfinite(v) else f"{v:.3g}"


def _ci(r) -> str:
    return "" if not (np.isfinite(r.ci_low) and np.isfinite(r.ci_high)) else f"[{r.ci_low:.3g}, {r.ci_high:.3g}]"


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (claim, experiment): the configured variant's verdict(s), and how many of all
    variants hold / fail / are inconclusive (a claim whose verdict depends on the variant says so)."""
    rows = []
    for (claim, exp), sub in df.groupby(["claim", "experiment"], sort=False):
        conf = sub[sub["configured"]]
        verdicts = "; ".join(dict.fromkeys(conf["verdict"])) if len(conf) else "—"
        counts = sub["verdict"].value_counts()
        spread = ", ".join(f"{counts[v]} {v}" for v in VERDICTS if v in counts)
        first = conf.iloc[0] if len(conf) else sub.iloc[0]
        rows.append({"claim": claim, "experiment": exp, "configured": verdicts,
                     "variants": f"{spread} of {len(sub)}", "changes": sub["verdict"].nunique() > 1,
                     "detail": first["detail"], "words": first["words"]})
    return pd.DataFrame(rows)


def format_table(df: pd.DataFrame, all_variants: bool = False, width: int = 10_000) -> str:
    """The claims as a text table: per claim and experiment the configured variant(s), or every variant."""
    rows = df if all_variants else df[df["configured"]]
    lines = [f"{'claim':<6}{'experiment':<20}{'verdict':<16}{'value':>9} {'CI':<22}{'p':>9} {'n':>3}  "
             f"{'statistic / variant':<0}"]
    for r in rows.itertuples():
        text = r.statistic + (f"  [{r.variant}]" if r.variant else "")
        lines.append(f"{r.claim:<6}{r.experiment[:19]:<20}{MARK[r.verdict]:<16}{_number(r.value):>9} {_ci(r):<22}"
                     f"{_number(r.p):>9} {int(r.n) if np.isfinite(r.n) else 0:>3}  {text}"[:width])
    changes = summary(df)
    changing = changes[changes["changes"]]
    lines.append("")
    lines.append("verdict changes between variants: " + (
        "; ".join(f"{r.claim} {r.experiment} ({r.variants})".replace(" ()", "") for r in changing.itertuples())
        if len(changing) else "none"))
    return "\n".join(lines)


# ---------------------------------------------------------------- README blocks

BEGIN = "<!-- claims:{preset} begin: generated from docs/claims/{preset}.csv by `python -m selectivity claims-readme`; do not edit -->"
END = "<!-- claims:{preset} end -->"


def _numbers(x) -> str:
    """The deciding numbers of one row, in words."""
    if x["verdict"] == "not configured":
        return x["detail"]
    value = f": {_number(x['value'])}" if np.isfinite(x["value"]) else ""
    return (f"{x['statistic']}{value}" + (f" {_ci(x)}" if _ci(x) else "")
            + (f", p = {x['p']:.2g}" if np.isfinite(x["p"]) else "") + f" (n = {int(x['n'])}); {x['detail']}")


def markdown(df: pd.DataFrame) -> str:
    """The README's "what the preset shows": per claim and experiment its configured variant(s) (claim
    5 one per similarity measure and reading), the verdict and its deciding numbers, and how the
    verdicts spread over every variant."""
    s = summary(df).set_index(["claim", "experiment"])
    lines = ["| claim | the paper says | experiment | configured variant | verdict | deciding numbers | over all variants |",
             "|---|---|---|---|---|---|---|"]
    for (claim, exp), sub in df[df["configured"]].groupby(["claim", "experiment"], sort=False):
        r = s.loc[(claim, exp)]
        words = r["words"] if len(r["words"]) < 90 else r["words"][:87] + "…"
        for i, (_, x) in enumerate(sub.iterrows()):
            cells = [claim, f"“{words}”", exp or "—"] if i == 0 else ["", "", ""]
            cells += [x["variant"] or "—", f"**{x['verdict']}**", _numbers(x), r["variants"] if i == 0 else ""]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    changing = summary(df)
    changing = changing[changing["changes"]]
    lines.append("")
    lines.append("Verdicts that change between variants: " + (
        "; ".join(f"{r.claim} ({r.experiment}: {r.variants})" for r in changing.itertuples()) + "."
        if len(changing) else "none."))
    return "\n".join(lines)


def readme_block(preset: str, df: pd.DataFrame) -> str:
    return f"{BEGIN.format(preset=preset)}\n{markdown(df)}\n{END.format(preset=preset)}"


def _block_pattern(preset: str) -> re.Pattern:
    return re.compile(re.escape(BEGIN.format(preset=preset)) + r".*?" + re.escape(END.format(preset=preset)), re.S)


def update_readme(readme: Path, snapshots: dict[str, Path], check: bool = False) -> list[str]:
    """Rewrite (or, with ``check``, only compare) the README's claims blocks from the snapshots.
    Returns the presets whose block differed. A README without a preset's block is an error."""
    text = readme.read_text()
    differ = []
    for preset, path in snapshots.items():
        pattern = _block_pattern(preset)
        require(bool(pattern.search(text)), readme, f"has no claims block for {preset!r} ({BEGIN.format(preset=preset)})")
        block = readme_block(preset, read_claims(path))
        if pattern.search(text).group(0) != block:
            differ.append(preset)
            text = pattern.sub(lambda _: block, text)
    if differ and not check:
        with atomic_path(readme) as tmp:
            Path(tmp).write_text(text)
    return differ


def html(df: pd.DataFrame) -> str:
    """The report's claims page: the configured verdicts first, then every variant."""
    conf = df[df["configured"]][["claim", "experiment", "verdict", "statistic", "value", "ci_low", "ci_high", "p",
                                 "n", "detail", "variant", "words", "source", "figures"]]
    changing = summary(df)
    changing = changing[changing["changes"]]
    style = ("<style>body{font-family:sans-serif;font-size:13px} table{border-collapse:collapse} "
             "td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}</style>")
    return (f"<html><head><meta charset='utf-8'>{style}</head><body><h2>Which of the paper's claims hold here</h2>"
            "<p>Verdicts: holds / fails / inconclusive / not configured (README: Claims). The configured analysis "
            "first; every variant below.</p>"
            + conf.to_html(index=False, float_format=lambda v: f"{v:.3g}", na_rep="")
            + "<h3>Verdicts that change between variants</h3><p>"
            + ("; ".join(f"{r.claim} ({r.experiment}: {r.variants})" for r in changing.itertuples()) or "none")
            + "</p><h3>Every variant</h3>"
            + df.drop(columns=["words", "source"]).to_html(index=False, float_format=lambda v: f"{v:.3g}", na_rep="")
            + "</body></html>")
