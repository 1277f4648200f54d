# `make test` sets everything up from nothing and runs every test (slow ones included).
# `make demo` sets up and runs the quick demo. Both create .venv on first use.
VENV ?= .venv
BIN = $(VENV)/bin
.PHONY: install export-check nbtest pytest test fast demo clean

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

test: export-check
	$(BIN)/nbdev-test --flags slow
	$(BIN)/python -m pytest --slow

fast: export-check
	$(BIN)/nbdev-test
	$(BIN)/python -m pytest

demo: install
	$(BIN)/python examples/quickstart.py

clean:
	rm -rf $(VENV) build dist *.egg-info .export-check
