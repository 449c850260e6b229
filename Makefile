# Quick start: `make demo` (set up + the embedded demo) and `make test` (set up + the test suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat setup.py | cksum | cut -d' ' -f1)

.PHONY: setup demo test lint bench clean requirements mutation

setup: $(STAMP)

# uv installs (pip would take three times as long: it unpacks and byte-compiles one file at a time), from the same
# local wheel folder pip is configured with where there is one. torch is pinned to the CPU build so that the tests'
# PyTorch reference does not pull CUDA packages.
FIND_LINKS := $(or $(PIP_FIND_LINKS),$(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null))
UV := $(VENV)/bin/uv pip install --quiet --python $(PY) --compile-bytecode $(if $(FIND_LINKS),--find-links $(FIND_LINKS))
$(STAMP): setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "uv>=0.13,<0.14"
	$(UV) -e ".[all,dev]" "torch==2.13.0"
	# real photos for the tests and the detector benchmark (crfiqa_tf/data/sample_photos.py): its images only
	$(UV) --no-deps "insightface==2.1"
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(STAMP)
	$(VENV)/bin/crfiqa-tf demo --out demo_out

# Two xdist workers (tests/conftest.py says why); tests/test_wheel.py builds and installs the wheel as users get it.
# The review report is tested in headless Chromium: Debian's package, installed here where it is missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
test: $(STAMP)
	command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null)
	$(PY) -m pytest -q -n 2 --dist loadgroup tests

# Mutation score of the NumPy-only modules (pyproject.toml [tool.mutmut]) → docs/MUTATION.md; not part of `make test`.
mutation: $(STAMP)
	$(PY) tests/mutation_score.py

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) -m benchmarks.run_all

# Beam worker requirements (Dataflow --requirements_file, beam_jobs/Dockerfile*) from setup.py's extras.
requirements:
	$(PYTHON) -c "import runpy; spec = runpy.run_path('setup.py'); core, extras = spec['CORE'], spec['EXTRAS']; \
	[open(f'beam_jobs/{name}', 'w').write(f'# Generated from setup.py (extra [{extra}]) by make requirements; do not edit.\n' \
	+ ''.join(r + '\n' for r in core + extras[extra])) for name, extra in (('requirements.txt', 'beam'), ('requirements-gpu.txt', 'beam-gpu'))]"

clean:
	rm -rf demo_out runs .pytest_cache
