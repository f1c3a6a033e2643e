# claimbot: `make run` starts everything locally, `make test` runs the tests.
# Both install what they need first (a virtualenv with pinned packages); nothing else is needed
# but Python 3.11 and access to the package registries.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint unit bench clean help fonts browser

help:
	@echo "make run    start claimbot locally (AWS emulator, WeChat emulator, webhook, simulator)"
	@echo "make test   lint and run every test"
	@echo "make bench  run the benchmarks and update bench/RESULTS.md"

$(STAMP): requirements.txt requirements-dev.txt requirements-ocr.txt requirements-ocr-nodeps.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "claimbot needs Python 3.11 (Lambda runtime python3.11); set PYTHON=...")'
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

run: $(STAMP)
	$(BIN)/claimbot dev

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit -q

test: lint browser
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .devstack
