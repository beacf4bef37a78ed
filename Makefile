# The two commands of the README:
#   make demo   set up, then run the whole pipeline on bundled real data (figures/demo/*.pdf, report.html)
#   make test   set up, then run the test suite
# Everything installs with exact versions from constraints.txt into .venv/.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= all

.PHONY: setup system-deps demo fashion dynamics test lint lock clean-demo gpu-check

$(BIN)/snakemake: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

setup: $(BIN)/snakemake

# Debian packages: Fashion-MNIST's IDX files (its loader test), a SLURM cluster with accounting
# (slurm-wlm, slurmdbd, munge, mariadb-server: the SLURM test starts one on localhost) and
# ImageMagick (its MagickWand library: the motion-blur and snow corruptions' test reference). Needs
# root and apt-get; elsewhere it is skipped and those tests report themselves as skipped.
DEBIAN_PACKAGES := dataset-fashion-mnist slurm-wlm slurmdbd munge mariadb-server imagemagick
system-deps:
	@if [ -d /usr/share/datasets/fashion-mnist ] && command -v slurmdbd >/dev/null && command -v mariadbd >/dev/null \
		&& ls /usr/lib/*/libMagickWand-6.Q16.so* >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	else echo "note: not root or no apt-get: $(DEBIAN_PACKAGES) not installed (their tests will be skipped)"; fi

demo: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" snakemake --profile profiles/demo --cores $(CORES)
	PATH="$(CURDIR)/$(BIN):$$PATH" snakemake --profile profiles/demo --report figures/demo/report.html
	@echo "Demo figures:" && ls -1 figures/demo/*.pdf && echo "Report: figures/demo/report.html"
	$(BIN)/python -m selectivity summarize results/demo/resnet20/runs_all.csv
	$(BIN)/python -m selectivity claims figures/demo/claims.csv

# The real-data preset: ResNet20 on Fashion-MNIST (Debian's copy; see config/fashion.yaml).
fashion: setup system-deps
	PATH="$(CURDIR)/$(BIN):$$PATH" snakemake --configfile config/fashion.yaml --replace-workflow-config --cores $(CORES)
	$(BIN)/python -m selectivity summarize results/fashion/resnet20/runs_all.csv
	$(BIN)/python -m selectivity claims figures/fashion/claims.csv

# Selectivity over training on Fashion-MNIST (config/dynamics.yaml; README: Selectivity over training).
dynamics: setup system-deps
	PATH="$(CURDIR)/$(BIN):$$PATH" snakemake --configfile config/dynamics.yaml --replace-workflow-config --cores $(CORES)
	$(BIN)/python -m selectivity summarize results/dynamics/dynamics/runs_all.csv results/dynamics/dynamics_early/runs_all.csv results/dynamics/dynamics_late/runs_all.csv
	$(BIN)/python -m selectivity summarize-epochs results/dynamics/dynamics/epochs_all.csv
	$(BIN)/python -m selectivity claims figures/dynamics/claims.csv

test: setup system-deps
	$(BIN)/python -m pytest -ra

lint: setup
	$(BIN)/snakemake --lint

# The GPU check (benchmarks/gpu_check.py; docs/performance.md): on one GPU, <= 8 minutes, results in
# docs/performance/gpu/<device>/. Needs no setup: it uses .venv's python where there is one, else
# $(PYTHON) with torch, numpy, pandas and PyYAML (a bare GPU machine). GPU_CHECK_ARGS=--cpu-quick: its CPU mode.
GPU_CHECK_PYTHON = $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON))
gpu-check:
	PYTHONPATH=src $(GPU_CHECK_PYTHON) benchmarks/gpu_check.py $(GPU_CHECK_ARGS)

# Re-pin: resolve the newest versions, then write constraints.txt and envs/selectivity.yaml.
lock:
	rm -rf /tmp/selectivity-lock && $(PYTHON) -m venv /tmp/selectivity-lock
	/tmp/selectivity-lock/bin/pip install --quiet torch==2.13.0 -e ".[test]"
	$(PYTHON) scripts/write_lock.py /tmp/selectivity-lock/bin/pip

clean-demo:
	rm -rf results/demo figures/demo logs/demo
