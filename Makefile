# The course's commands. Every target creates .venv first if it is missing.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
IMAGE  ?= lab_support/data/sample_images/grace_hopper.jpg
STAMP  := $(VENV)/.installed

.PHONY: install lab up down status demo test lint package bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lab: $(STAMP)
	$(PY) -m lab_support lab

up: $(STAMP)
	$(PY) -m lab_support up

down: $(STAMP)
	$(PY) -m lab_support down

status: $(STAMP)
	$(PY) -m lab_support status

demo: $(STAMP)
	$(PY) -m lab_support demo $(IMAGE)

bench: $(STAMP)
	$(PY) -m lab_support bench

package: $(STAMP)
	$(PY) -m lab_support package

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest tests notebooks --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg

clean:
	rm -rf build output .lab
