# Quick start: `make demo` (set up + the embedded demo) and `make test` (set up + the test suite), both from the lock.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The set-up is locked: requirements/lock.txt (every package and version, with hashes) is what `make setup` installs,
# exactly (`uv pip sync`); `make lock` moves it on purpose and prints what moved. setup.py keeps the ranges users get.
LOCKS := requirements/lock.txt requirements/photos.lock
STAMP := $(VENV)/.installed-$(shell cat setup.py $(LOCKS) | cksum | cut -d' ' -f1)
UV_VERSION := 0.13.9

.PHONY: setup demo test test-latest lint bench clean requirements lock mutation

setup: $(STAMP)

# uv installs (pip would take three times as long: it unpacks and byte-compiles one file at a time), from the same
# local wheel folder pip is configured with where there is one: the lock's torch is the CPU build that lies there.
FIND_LINKS := $(or $(PIP_FIND_LINKS),$(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null))
uv_pip = $(1)/bin/uv pip $(2) --quiet --python $(1)/bin/python --compile-bytecode $(if $(FIND_LINKS),--find-links $(FIND_LINKS))
$(STAMP): setup.py $(LOCKS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "uv==$(UV_VERSION)"
	$(call uv_pip,$(VENV),sync) --require-hashes requirements/lock.txt
	$(call uv_pip,$(VENV),install) --no-deps -e .
	# real photos for the tests and the detector benchmark (crfiqa_tf/data/sample_photos.py): its images only
	$(call uv_pip,$(VENV),install) --no-deps --require-hashes -r requirements/photos.lock
	rm -f $(VENV)/.installed-*
	touch $@

# Re-resolve the lock to the newest releases within setup.py's ranges; prints what moved and rewrites the Beam worker
# files from it. Commit the result on its own, saying what moved.
lock: $(STAMP)
	$(PY) tools/lock.py refresh

demo: $(STAMP)
	$(VENV)/bin/crfiqa-tf demo --out demo_out

# Two xdist workers (tests/conftest.py says why); tests/project/test_wheel.py builds and installs the wheel as users get it.
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

# Beam worker files (Dataflow --requirements_file, beam_jobs/Dockerfile*) from setup.py's extras at the lock's versions.
requirements:
	$(PYTHON) tools/lock.py workers

# What the next lock refresh would break: a separate venv resolved afresh to the newest releases within setup.py's
# ranges, the suite run in it, the outcome written to docs/LATEST.md. Not part of `make test`. The one test left out
# compares the environment with the lock, which this environment is not by design.
LATEST := .venv-latest
test-latest:
	rm -rf $(LATEST) && $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(call uv_pip,$(LATEST),install) --upgrade -e ".[all,dev]" "torch==2.13.0+cpu" pip
	$(call uv_pip,$(LATEST),install) --upgrade --no-deps insightface
	command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null)
	$(LATEST)/bin/python tools/test_latest.py -q -n 2 --dist loadgroup tests \
		--deselect tests/beam_jobs/test_worker_install.py::test_the_launcher_runs_the_locks_versions

clean:
	rm -rf demo_out runs .pytest_cache $(LATEST)
