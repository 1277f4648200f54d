# `make demo` sets up from nothing and runs the main job: `fixres-fastai demo --quick`.
# `make test` sets up from nothing and runs every test (slow ones included); it installs Debian's Fashion-MNIST for the walkthrough.
# Both create .venv on first use.
# `make bench` runs the benchmarks, which write benchmarks/RESULTS.md (tens of minutes on 2 CPU cores).
# `make docs` builds the docs site with quarto (GitHub's docs workflow), or an HTML preview of it in _docs/ without.
# `make nbs` runs every notebook and saves its outputs (what the docs and the README show).
# `make device-check` downloads into .whl/ the wheels the GPU check carries (tools/device_check.sh says how to run it).
VENV ?= .venv
BIN = $(VENV)/bin
.PHONY: install export-check test fast demo bench fashion readme docs nbs device-check clean

$(BIN)/.installed: settings.ini setup.py pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

install: $(BIN)/.installed

# The modules are generated from nbs/: exporting again must change nothing.
export-check: install
	@rm -rf .export-check && cp -r fixres_fastai .export-check
	$(BIN)/nbdev-export
	@diff -r -x __pycache__ .export-check fixres_fastai || { rm -rf .export-check; echo "nbdev-export changed fixres_fastai/: export the notebooks and commit"; exit 1; }
	@rm -rf .export-check

test: export-check fashion
	$(BIN)/nbdev-test --flags slow
	$(BIN)/python -m pytest --slow

fast: export-check
	$(BIN)/nbdev-test
	$(BIN)/python -m pytest

# README.md is written from nbs/index.ipynb (tests/test_package.py checks that it is up to date)
readme: install
	$(BIN)/python tools/readme.py

# nbdev's processing of the notebooks (no error, no warning, every exported name documented), then the site
docs: install
	$(BIN)/python tools/docs.py

# Run the notebooks, save their outputs without progress-bar redraws, and write README.md from the index
nbs: install fashion
	$(BIN)/nbdev-test --flags slow --save
	$(BIN)/python tools/clean_outputs.py
	$(BIN)/python tools/readme.py

device-check: install
	PYTHON=$(BIN)/python bash tools/device_check.sh --prepare

demo: install
	$(BIN)/fixres-fastai demo --quick

# Fashion-MNIST (the walkthrough notebook and the scale benchmark) comes from Debian's `dataset-fashion-mnist`
# (MIT, 31 MB): no Python registry package ships it. `make test` and `make bench` install it (as root, or with sudo).
FASHION = /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(FASHION):
	$(SUDO) apt-get update -q
	$(SUDO) apt-get install -y -q dataset-fashion-mnist
fashion: $(FASHION)

bench: install fashion
	$(BIN)/python benchmarks/accuracy.py elpv --seeds 0 1 2
	$(BIN)/python benchmarks/accuracy.py fashion --seeds 0 1 2
	$(BIN)/python benchmarks/finder.py scenes --seeds 0 1 2
	$(BIN)/python benchmarks/finder.py elpv --seeds 0 1 2
	$(BIN)/python benchmarks/finder.py fashion --seeds 0 1 2
	$(BIN)/python benchmarks/bar_odds.py
	$(BIN)/python benchmarks/cost.py
	$(BIN)/python benchmarks/time_to_accuracy.py elpv --seeds 0 1 2
	$(BIN)/python benchmarks/time_to_accuracy.py fashion --seeds 0 1 2
	$(BIN)/python benchmarks/time_to_accuracy.py elpv --deploy --seeds 0 1 2
	$(BIN)/python benchmarks/time_to_accuracy.py fashion --deploy --seeds 0 1 2
	$(BIN)/python benchmarks/loading.py
	$(BIN)/python benchmarks/memory.py

clean:
	rm -rf $(VENV) build dist *.egg-info .export-check _proc _docs
