# GeoChem Prospector: two commands on a fresh Debian 12 machine: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SYSTEM_PYTHON := /usr/bin/python3
VENV := .venv
VPY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# python3-matplotlib only brings contourpy, the tests' independent reference for anomaly contours.
APT_PACKAGES := qgis python3-qgis qgis-providers python3-rasterio python3-geopandas python3-shapely \
	python3-scipy python3-pykdtree python3-venv gdal-bin xvfb python3-matplotlib python3-sklearn
# the optional SCHEDULER (local:N, tcp://host:port) runs on Dask
APT_PACKAGES += python3-dask python3-distributed
BUILD := build
PLUGIN_LINK := $(BUILD)/plugins/geochem_prospector

export QT_QPA_PLATFORM := offscreen
export PROJ_DATA := /usr/share/proj
export QGIS_PLUGINPATH := $(CURDIR)/$(BUILD)/plugins
export PYTHONDONTWRITEBYTECODE := 1

PYTEST := $(VPY) -m pytest -q

.PHONY: help deps apt venv demo test tier-core-then-qgis tier-headless test-core test-qgis test-headless test-desktop lint bench package install clean

help:
	@echo "make demo          install what is missing, run the workflow on the sample data -> demo_output/"
	@echo "make test          install what is missing, run every test tier"
	@echo "make test-core | test-qgis | test-headless | test-desktop | lint | bench | package | install | clean"

deps: apt venv $(PLUGIN_LINK)

# apt: only what is missing, so a second run downloads nothing.
apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

# --system-site-packages: QGIS, rasterio and geopandas come from Debian (they share QGIS's GDAL).
$(VENV)/.installed: requirements/torch.txt requirements/test.txt | apt
	@[ -x $(VPY) ] || $(SYSTEM_PYTHON) -m venv --system-site-packages $(VENV)
	$(VPY) -m pip install -q --disable-pip-version-check -r requirements/torch.txt -r requirements/test.txt
	@touch $@

$(PLUGIN_LINK):
	@mkdir -p $(dir $@) && ln -sfn "$(CURDIR)" $@

demo: deps
	$(VPY) scripts/demo.py --output demo_output

# The headless tier (one core, most of the time) runs beside core then qgis: the three in series took 70 minutes
# of a two-core machine. Each tier's report is printed whole when it ends, and written as it goes to
# build/test-<tier>.log (what a run stopped early leaves); a failure in either fails `make test`.
test: deps
	@echo "Running the core and QGIS tiers beside the headless tier; each report is printed when its tier ends"
	@echo "(follow them in build/test-core.log, build/test-qgis.log and build/test-headless.log)."
	@$(MAKE) --no-print-directory -j2 --output-sync=target tier-headless tier-core-then-qgis

tier-core-then-qgis:
	set -o pipefail; $(PYTEST) -p no:pytest_qgis tests/core 2>&1 | tee $(BUILD)/test-core.log
	set -o pipefail; $(PYTEST) tests/qgis 2>&1 | tee $(BUILD)/test-qgis.log

tier-headless:
	set -o pipefail; $(PYTEST) -p no:pytest_qgis tests/headless 2>&1 | tee $(BUILD)/test-headless.log

test-core: deps
	$(PYTEST) -p no:pytest_qgis tests/core

test-qgis: deps
	$(PYTEST) tests/qgis

test-headless: deps
	$(PYTEST) -p no:pytest_qgis tests/headless

# Real QGIS desktop under Xvfb (part of test-headless, so of test): the panel, and every algorithm's dialog
# opened with real layers (a dialog that kills QGIS fails here). PROSPECTOR_DESKTOP_OUT=dir keeps the screenshots.
test-desktop: deps
	$(PYTEST) -p no:pytest_qgis tests/headless/test_desktop_smoke.py tests/headless/test_desktop_dialogs.py

# mypy checks the package as QGIS imports it (build/plugins/geochem_prospector links to this checkout).
lint: venv $(PLUGIN_LINK)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	MYPYPATH=$(BUILD)/plugins $(VENV)/bin/mypy -p geochem_prospector.core -p geochem_prospector.algorithms

bench: deps
	$(VPY) bench/run.py $(BENCH)

# A zip the QGIS plugin manager installs: the plugin folder without tests and development files.
package:
	@rm -rf $(BUILD)/package && mkdir -p $(BUILD)/package/geochem_prospector dist
	git ls-files -z -- metadata.txt __init__.py plugin.py common.py core algorithms ui resources README.md LICENSE \
		| xargs -0 tar -cf - | tar -x -C $(BUILD)/package/geochem_prospector
	cd $(BUILD)/package && rm -f ../../dist/geochem_prospector.zip && \
		$(SYSTEM_PYTHON) -m zipfile -c ../../dist/geochem_prospector.zip geochem_prospector
	@echo "dist/geochem_prospector.zip"

# Link this checkout into the default QGIS profile and enable it there.
install:
	@profile=$${QGIS_PROFILE_DIR:-$$HOME/.local/share/QGIS/QGIS3/profiles/default}; \
	mkdir -p $$profile/python/plugins && ln -sfn "$(CURDIR)" $$profile/python/plugins/geochem_prospector && \
	$(SYSTEM_PYTHON) scripts/enable_plugin.py $$profile/QGIS/QGIS3.ini && \
	echo "Linked into $$profile/python/plugins and enabled; restart QGIS."

clean:
	rm -rf $(BUILD) dist demo_output .pytest_cache .ruff_cache
