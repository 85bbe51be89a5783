# s3pot — the two commands of the README:
#   make repro   set everything up (venv, packages, data/) and run the default pipeline (`dvc repro`)
#   make test    set everything up and run every check CI runs
# and `make lab` to read and run the notebooks in JupyterLab.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
PY := $(BIN)/python
export PATH := $(BIN):$(PATH)
export HF_HUB_OFFLINE := 1
export DVC_NO_ANALYTICS := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONHASHSEED := 0
# The same CPU kernels on every x86-64 machine with AVX2 (an AVX-512 machine would otherwise pick other kernels and
# round differently): torch's ATen vector kernels, oneDNN (convolutions) and MKL (matrix products) are capped at
# AVX2, the code path these results were made with. The stages set the same defaults themselves
# (s3pot.core.pin_cpu_kernels); `S3POT_NATIVE_KERNELS=1` keeps each library's own choice.
ifeq ($(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo y),y)
export ATEN_CPU_CAPABILITY ?= avx2
export ONEDNN_MAX_CPU_ISA ?= AVX2
export MKL_CBWR ?= AVX2
endif
STAMP := $(VENV)/.s3pot-installed

.PHONY: install data repro test test-nb test-py test-sync test-quick lab readme bench clean-venv

# The venv is created only when missing; packages are (re)installed when the requirement files change.
$(STAMP): requirements.txt constraints.txt setup.py settings.ini
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt -c constraints.txt
	# mediapipe (BlazeFace + face mesh for real photos, s3pot.landmarks) without its declared dependencies: it asks for
	# opencv-contrib-python, which would install a second cv2 over opencv-python-headless (both provide the module cv2),
	# and for jax/jaxlib/sounddevice, which its solutions API never imports; its real runtime needs (absl-py, attrs,
	# flatbuffers, protobuf<5, matplotlib, numpy) are pinned in requirements.txt. Version: constraints.txt.
	$(PY) -m pip install -q --no-deps -c constraints.txt mediapipe
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	@touch $@

# s3pot/_modidx.py (nbdev's symbol index, for doc links) is generated and not committed: it is rewritten by every
# export and only conflicts in merges. Every target that may read it makes it first.
s3pot/_modidx.py: $(STAMP) $(wildcard nbs/*.ipynb)
	@$(BIN)/nbdev_export

install: $(STAMP) s3pot/_modidx.py

# data/ is materialised offline from installed packages; its hash must equal the committed data.dvc.
# `dvc commit` then fills the local DVC cache so that `dvc status` is clean. check_render.py then renders a small
# fixed SynthOcc sample and says plainly whether this machine renders the committed bytes (if not, `dvc repro`
# would retrain the foundation models).
data: install
	s3pot-assets data
	@cp data.dvc $(VENV)/.data.dvc.expected
	@dvc commit -f -q data.dvc
	@cmp -s data.dvc $(VENV)/.data.dvc.expected || { cp $(VENV)/.data.dvc.expected data.dvc; \
	  echo "error: data/ does not match data.dvc (a different scikit-image, or files added by hand: run 'dvc add data' to accept them)" >&2; exit 1; }
	@$(PY) scripts/check_render.py

# `dvc repro` with a wall time per stage (metrics/pipeline_time.json); `make repro REPRO_ARGS=-f` rebuilds everything.
# `make repro PROFILE=paper`: the paper-scale profile (profiles/paper/: official SAM, BiSeNet, diffusers, your photos);
# it first checks that every user file it names exists (s3pot-check-profile) and times into runs/paper/pipeline_time.json.
PROFILE ?= default
repro: data
ifeq ($(PROFILE),paper)
	s3pot-check-profile --params profiles/paper/params.yaml
	S3POT_TIME_OUT=runs/paper/pipeline_time.json $(PY) scripts/repro_timed.py profiles/paper/dvc.yaml $(REPRO_ARGS)
else ifeq ($(PROFILE),default)
	$(PY) scripts/repro_timed.py $(REPRO_ARGS)
	@dvc status dvc.yaml
else
	$(error unknown PROFILE=$(PROFILE): use 'default' or 'paper')
endif

# ---- tests -------------------------------------------------------------------------------------------
test: install data test-sync test-nb test-py test-quick
	@echo "make test: all checks passed"

# nbdev_clean and nbdev_export must leave the committed notebooks and library unchanged
test-sync: install
	bash scripts/check_sync.sh

test-nb: install data
	S3POT_QUIET=1 nbdev_test --n_workers 2 --timing

test-py: install data
	S3POT_QUIET=1 $(PY) -m pytest tests -q -p no:cacheprovider -n 2 --dist loadfile --durations=12

# the whole DVC pipeline at smoke size (profiles/quick.yaml), in a throw-away copy of the repo
test-quick: install data
	bash scripts/quick_repro.sh

lab: install
	jupyter lab --notebook-dir=nbs

# README.md is generated from nbs/index.ipynb
readme: install
	$(PY) scripts/readme.py

clean-venv:
	rm -rf $(VENV)
