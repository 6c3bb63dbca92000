# Two commands do all the set-up on a fresh machine with Python >= 3.11:
#   make demo   train the tutorial's network and write its studio page, graphs and plots
#   make test   run the whole test suite, then a fast subset on Python 3.12 and 3.13 and in strict mode (noxfile.py)
#   make notebooks   add JupyterLab to .venv and open the tutorial's notebooks (demos/notebooks/)
# Each creates or reuses .venv and installs what it needs (no root, no system packages).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS_STAMP := $(VENV)/.installed-notebooks

.PHONY: demo test notebooks fuzz bench lint screenshot docs docs-serve clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "autodiff needs Python 3.11 or newer (try: make PYTHON=python3.11 test)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m demos.study_hours

# The whole suite on .venv's Python, then noxfile.py's sessions: the fast subset on 3.12 and 3.13
# (each in its own venv under .nox/, found on PATH or among pyenv's versions; a machine without one
# skips it in one line) and under LANG=C PYTHONIOENCODING=ascii python -X dev -W error.
test: $(STAMP)
	$(PY) -m pytest -q
	$(PY) -m nox

# JupyterLab is an optional extra ("notebooks"), installed into the same .venv only for this target.
$(NOTEBOOKS_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench,notebooks]'
	touch $(NOTEBOOKS_STAMP)

# Jupyter refuses to start as root unless told; a root shell (a container, say) gets --allow-root.
notebooks: $(NOTEBOOKS_STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=demos/notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# Every property test at the "fuzz" hypothesis profile (10,000 examples), plus the slow-marked runs.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q -m "slow or not slow"

bench: $(STAMP)
	$(PY) -m benchmarks.run

# The README's picture of the studio, photographed from the real page (needs Chromium).
screenshot: $(STAMP)
	$(PY) docs/screenshot.py

lint: $(STAMP)
	$(PY) -m ruff check autodiff viz demos tests benchmarks

# The documentation site (docs/mkdocs.yml, pages in docs/site-src/) into site/, warnings as errors.
# Open site/index.html straight from disk; search works there too.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --config-file docs/mkdocs.yml --site-dir ../site

# The same, served on http://127.0.0.1:8000 and rebuilt as you edit a page.
docs-serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs serve --strict --config-file docs/mkdocs.yml --dev-addr 127.0.0.1:8000

clean:
	rm -rf $(VENV) .nox out site
