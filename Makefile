# Two commands for a newcomer: `make run` and `make test`. Each creates .venv when it is missing,
# installs what it needs (a no-op when nothing changed), then does its job.
#
# torch is pinned once, in constraints/torch-cpu.txt (2.13.0, CPU build). On a machine with an
# NVIDIA GPU:  make run TORCH_CONSTRAINTS=constraints/torch-cuda.txt   (see docs/install.md)

PYTHON ?= python3
VENV ?= .venv
TORCH_CONSTRAINTS ?= constraints/torch-cpu.txt
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c $(TORCH_CONSTRAINTS)
STAMP = $(VENV)/.installed-$(1)-$(notdir $(TORCH_CONSTRAINTS))

.PHONY: run test test-all lint demo bench binary clean

run: $(call STAMP,run)
	$(BIN)/segue serve

demo: $(call STAMP,run)
	$(BIN)/segue demo -o demo-out

NODE_STAMP := tests/node/node_modules/.installed
MAGENTA_STAMP := tests/magenta/node_modules/.installed

# The fast tier: everything but the binary build (slow) and the optional TensorFlow cross-check.
# No Python change makes it rebuild the binary. bench/bench_test_time.py measures it.
test: $(call STAMP,test) $(NODE_STAMP) $(MAGENTA_STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest

# Everything CI checks: the fast tier, then the slow tests (the PyInstaller build and its smoke test).
test-all: test
	$(BIN)/pytest -m "slow and not tensorflow"

lint: $(call STAMP,test)
	$(BIN)/ruff check .

bench: $(call STAMP,test)
	$(BIN)/python bench/bench_decode.py

# The standalone engine: a onedir PyInstaller build, CPU torch, from a non-editable install in its
# own venv (build/venv); see build_spec/build.py and docs/install.md. The executable is the stamp.
BINARY := dist/segue-engine/segue-engine
BINARY_INPUTS := $(wildcard build_spec/* models/*.py models/formats/*.py models/training/*.py \
	models/examples/*.mid models/weights/* engine/*.py engine/*/*.py engine/panel/static/* bridge/*.py \
	maxpatch/build/Segue.amxd)

binary: $(BINARY)

$(BINARY): pyproject.toml $(TORCH_CONSTRAINTS) $(BINARY_INPUTS) $(wildcard maxpatch/*.maxpat) $(wildcard maxpatch/js/*.js)
	$(PYTHON) build_spec/build.py --constraints $(TORCH_CONSTRAINTS)
	touch $@

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(call STAMP,run): pyproject.toml $(TORCH_CONSTRAINTS) | $(BIN)/python
	$(PIP) -e .
	touch $@

$(call STAMP,test): pyproject.toml $(TORCH_CONSTRAINTS) | $(BIN)/python
	$(PIP) -e '.[dev,train]'
	touch $@ $(call STAMP,run)

# The Max for Live devices (git-ignored): maxpatch/build/Segue.amxd and the MIDI Tools "Segue
# Transform.amxd" and "Segue Generate.amxd", built together from their patches and the JS that
# build.py embeds in each [v8] box (Live 12.2+ / Max 9); see docs/device.md.
DEVICE := maxpatch/build/Segue.amxd

.PHONY: device
device: $(DEVICE)

$(DEVICE): maxpatch/build.py $(wildcard maxpatch/*.maxpat) $(wildcard maxpatch/js/*.js)
	$(PYTHON) maxpatch/build.py

# Node tools for the tests (a second OSC implementation). Without node the tests that need it
# skip on a laptop and fail in CI (SEGUE_REQUIRE_TOOLS=1).
$(NODE_STAMP): tests/node/package.json tests/node/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/node --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the Node-based tests will be skipped (or fail in CI)"; fi

# The real Magenta.js (@magenta/music 1.23.1, tone 14.7.77) for the checkpoint parity tests
# (tests/test_magenta_js.py); about 170 packages, 260 MB. npm ci needs the registry; the tests then run offline.
$(MAGENTA_STAMP): tests/magenta/package.json tests/magenta/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/magenta --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the Magenta.js parity tests will be skipped (or fail in CI)"; fi

clean:
	rm -rf $(VENV) demo-out .pytest_cache .hypothesis .ruff_cache build *.egg-info tests/node/node_modules tests/magenta/node_modules
