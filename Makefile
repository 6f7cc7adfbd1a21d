# StyleLedger: `make demo` tells the whole story, `make test` runs every test.
# Two environments on purpose: brownie pins every dependency exactly, so it lives in
# .venv-brownie (compile, contract tests, deploy); the product (generator, indexer, service)
# lives in .venv with torch 2.13.0 and current packages. See ../shared/TOOLCHAIN.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV         := .venv
BVENV        := .venv-brownie
PY           := $(VENV)/bin/python
BROWNIE      := $(BVENV)/bin/brownie
SOLC_VERSION := 0.8.28
BROWNIE_PKGS := eth-brownie==1.22.2 pytest-timeout==2.4.0
WEB_DIST     := indexer/web/dist/index.html

export PATH              := $(CURDIR)/node_modules/@foundry-rs/anvil-linux-amd64/bin:$(CURDIR)/node_modules/.bin:$(CURDIR)/bin:$(PATH)
export SOLCX_BINARY_PATH := $(CURDIR)/.solcx
export HF_HUB_OFFLINE    := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install compile test test-contracts test-python bench bench-gpu demo dev docs deploy lint clean

help:
	@echo "make install         environments, npm packages and the solc command (idempotent)"
	@echo "make test            every test: contracts on anvil and ganache, then the Python suite"
	@echo "make demo            the whole story on a local anvil, end to end"
	@echo "make dev             live locally: anvil + contracts + index + render worker + the app (Ctrl-C stops)"
	@echo "make bench           gas, speed and quality figures -> bench/results.json"
	@echo "make bench-gpu       on a CUDA device: training throughput, SD-1.5-size attribution cost (else says so, exits 0)"
	@echo "make docs            the README's pictures (samples, heat-map overlay, demo page)"
	@echo "make deploy RPC_URL=...  deploy and wire the contracts -> deployments/<chainId>.json"
	@echo "make lint            ruff; solhint and prettier on contracts/; tsc on web/ (pinned npm tools, offline)"

install: $(VENV)/.installed $(BVENV)/.installed node_modules/.installed .solcx/solc-v$(SOLC_VERSION) \
         $(WEB_DIST)

# torch first, from the CPU wheel on disk: a bare `torch` requirement would pull CUDA packages.
# constraints.txt pins the canonical render environment (what the pixels depend on).
$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	touch $@

$(BVENV)/.installed:
	test -x $(BVENV)/bin/python || python3 -m venv $(BVENV)
	$(BVENV)/bin/python -m pip install -q --upgrade pip
	$(BVENV)/bin/python -m pip install -q $(BROWNIE_PKGS)
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The wallet app (web/: TypeScript + viem, an npm workspace) built by Vite into the package,
# where `styleledger serve` serves it at / (about 2 s; nothing is fetched at run time).
$(WEB_DIST): node_modules/.installed web/package.json web/index.html web/vite.config.ts \
             $(shell find web/src -type f 2>/dev/null)
	npm run --silent build -w web
	test -f $@

# A native solc of the pinned version wins; otherwise bin/solc, our command over solcjs.
.solcx/solc-v$(SOLC_VERSION): node_modules/.installed
	mkdir -p .solcx
	if command -v solc >/dev/null && [ "$$(realpath "$$(command -v solc)")" != "$(CURDIR)/bin/solc" ] \
	   && solc --version | grep -q "Version: $(SOLC_VERSION)"; then \
	  ln -sfn "$$(command -v solc)" $@; else ln -sfn ../bin/solc $@; fi

compile: install
	$(BROWNIE) compile

test: install compile
	$(MAKE) --no-print-directory test-contracts test-python

test-contracts:
	$(BROWNIE) test --network anvil
	$(BROWNIE) test --network ganache-cli

test-python:
	$(PY) -m pytest -q

# The API figures want wrk (Debian): a Python load generator would share the 2 cores with the
# server and measure itself. Installed when we may (root with apt), else said and done without.
bench: install compile
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get install -y -qq wrk >/dev/null 2>&1 || \
	    { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }; } || \
	  echo "wrk not installed (apt-get install wrk): API figures from the Python load generator"
	$(BROWNIE) run scripts/bench_gas.py --network anvil
	$(PY) -m bench.generator_speed
	$(PY) -m bench.keyword_control
	$(PY) -m bench.adapters
	$(PY) -m bench.steps_study
	$(PY) -m bench.portability
	$(PY) -m bench.reference_renders
	$(PY) -m bench.api_load
	$(PY) -m bench.settlement
	$(PY) -m bench.indexer_sync
	$(PY) -m bench.demo
	$(PY) -m bench.report --readme README.md

# On a CUDA device (bench/gpu.py): the default model's training throughput and the attribution
# overhead on an SD-1.5-size UNet, into bench/results.json; without one it says so and exits 0.
# Not part of `make bench`, whose figures are this machine's CPU.
bench-gpu: $(VENV)/.installed
	$(PY) -m bench.gpu

demo: install compile
	$(VENV)/bin/styleledger demo

# Live locally in one command: a persistent anvil (state in .state/dev), the contracts, the
# demo's story (DEMO=0 skips it), index + render worker + serve; Ctrl-C stops everything.
DEMO ?= 1
dev: install compile
	$(VENV)/bin/styleledger dev $(if $(filter 0,$(DEMO)),--no-demo,)

# The README's pictures: sample sheet and one token's heat-map overlay (generator/training/samples.py),
# then the demo's page in Debian's chromium (indexer/demo/screenshot.py).
docs: install compile
	$(PY) -m generator.training.samples docs
	$(VENV)/bin/styleledger demo --quiet
	$(PY) -m indexer.demo.screenshot out/demo/index.html docs/demo.png

# Any JSON-RPC endpoint; the deployer's key, role holders and delays come from the environment
# (DEPLOYER_PRIVATE_KEY, SETTLER_ADDRESS, CHALLENGE_DELAY...: see scripts/deploy.py).
RPC_URL ?= $(STYLELEDGER_RPC_URL)
deploy: install compile
	@test -n "$(RPC_URL)" || { echo "usage: make deploy RPC_URL=https://... (or set STYLELEDGER_RPC_URL)"; exit 2; }
	$(BVENV)/bin/python scripts/deploy.py --rpc-url "$(RPC_URL)" --no-compile

# solhint's --disc skips its update check: nothing is fetched; --no-install: nor by npx.
lint: $(VENV)/.installed node_modules/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	npx --no-install solhint --disc --noPoster -c .solhintrc.yml --max-warnings 0 'contracts/**/*.sol'
	npx --no-install prettier --check 'contracts/**/*.sol'
	npx --no-install tsc --noEmit -p web

clean:
	rm -rf build reports out .pytest_cache .ruff_cache .hypothesis
