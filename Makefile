# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv and installs on first use.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
REQS   := requirements.txt requirements-dev.txt $(wildcard requirements-tdw.txt)
STAMP  := $(VENV)/.installed
QUIET  := 2>&1 | { grep -v -E '^WARNING: Location' || true; }
SHELL  := /bin/bash
.SHELLFLAGS := -o pipefail -ec

.PHONY: demo test bench install clean-venv

$(STAMP): $(REQS)
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11 is required; set PYTHON=...)" >&2; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements-dev.txt $(QUIET)
	if [ -f requirements-tdw.txt ]; then $(PY) -m pip install -q -r requirements-tdw.txt $(QUIET); fi
	$(PY) -c "import torch, torchvision, timm, moderngl; print('installed torch', torch.__version__)"
	@/sbin/ldconfig -p 2>/dev/null | grep -q 'libEGL.so.1' || echo "warning: libEGL.so.1 not found: the embedded renderer needs EGL + Mesa (apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1)" >&2
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/engine_throughput.py

clean-venv:
	rm -rf $(VENV)
