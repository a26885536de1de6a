# onsite.assurance — every target is self-sufficient on a fresh Debian 12 machine (root).
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export MOLECULE_GLOB := molecule/*/molecule.yml
STAMP_DEB := $(VENV)/.deb-installed
STAMP_PY := $(VENV)/.py-installed
HOTSOS_VENV := .venv-hotsos
STAMP_HOTSOS := $(HOTSOS_VENV)/.installed

.PHONY: help deps venv demo test lint sanity unit integration molecule lab-up lab-down lab-status bench bench-compare docs build clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(STAMP_DEB): lab/debian-packages.txt
	@mkdir -p $(VENV)
	scripts/install-debian-packages lab/debian-packages.txt
	@touch $@

$(STAMP_PY): requirements/runtime.txt requirements/test.txt requirements/constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements/test.txt -c requirements/constraints.txt
	@touch $@

deps: $(STAMP_DEB) $(STAMP_PY) ## install Debian packages and the pinned Python toolchain into .venv

venv: $(STAMP_PY)

demo: deps ## bring the lab up, run the health check, print the report path
	lab/cephlab up
	scripts/demo

lab-up: deps ## bring the real Ceph lab up (3 nodes, 3 mons, 2 mgrs, 6 OSDs)
	lab/cephlab up
	lab/cephlab status

lab-down: ## take the lab down, leaving nothing behind
	lab/cephlab down

lab-status: ## show the lab's state
	lab/cephlab status

lint: deps ## ansible-lint (production profile), changelog lint, docs freshness
	ansible-lint --profile production
	antsibull-changelog lint

sanity: deps ## ansible-test sanity on a copy laid out as ansible_collections/onsite/assurance
	scripts/sanity

unit: deps ## unit tests (no cluster needed)
	$(PY) -m pytest tests/unit -q

integration: deps ## integration tests on the real lab
	$(PY) -m pytest tests/integration -q

molecule: deps ## molecule default scenario (lab create, converge, idempotence, verify, destroy)
	molecule test

test: deps ## everything CI runs: lint, sanity, unit, integration on the lab, molecule
	scripts/test-all

bench: deps ## benchmarks; results into docs/performance.md
	$(PY) bench/run.py

$(STAMP_HOTSOS): requirements/hotsos.txt
	python3 -m venv $(HOTSOS_VENV)
	$(HOTSOS_VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements/hotsos.txt
	@touch $@

bench-compare: deps $(STAMP_HOTSOS) ## hotsos vs health_check.yml on 5 lab states; results into docs/comparison.md
	$(PY) bench/compare_hotsos.py run

build: deps ## build the collection tarball into build/
	ansible-galaxy collection build --force --output-path build .

clean: lab-down ## remove venv, build output, reports
	rm -rf $(VENV) $(HOTSOS_VENV) build reports snapshots tests/output
