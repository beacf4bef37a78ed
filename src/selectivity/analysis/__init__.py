"""Analysis of trained runs: activation dumps, unit metrics (selectivity, precision, dead units)
and representational similarity between runs (the rows and pairs; the measures are selectivity.similarity)."""
