"""Analysis of trained runs: activation dumps, unit metrics (selectivity, precision, dead units)
and representational similarity (PWCCA, see selectivity.cca)."""
