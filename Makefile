# Two entry points for a newcomer: `make app` and `make test`. Both set everything up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Starts the page on the bundled seeds; the index is built on first start.
app: setup
	$(BIN)/streamlit run app.py

# Debian's Chromium drives the end-to-end browser test (never a downloaded browser).
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# All tests, then the eval harness on the seed resolution (gated by eval/thresholds.toml) and on
# the blind batches about it (eval/blind: questions written before looking at the answers), then
# the library eval (eval/library: questions written blind over 250 Security Council resolutions and
# the Declaration in six languages, gated by eval/library/thresholds.toml; then the same questions
# asked as one conversation, gated by eval/library/conversation-thresholds.toml), then
# the out-of-domain eval on the syntec labour-law corpus (2,108 articles, indexed from scratch:
# about 15 minutes of embedding on 2 cores; gated by eval/syntec/thresholds.toml), then the
# benchmark at its smallest sizes so it cannot rot (the full run: `resqa bench --sizes
# seed,1000,10000,50000`). For a quick loop while coding: `.venv/bin/python -m pytest -q`.
test: setup chromium
	$(BIN)/python -m pytest -q
	IDX=$$(mktemp -d)/index && RESQA_INDEX=$$IDX $(BIN)/resqa eval --report eval/reports && \
	  RESQA_INDEX=$$IDX $(BIN)/resqa eval --set eval/blind/cases.jsonl --thresholds eval/blind/thresholds.toml \
	  --report eval/reports/blind
	LIB=$$(mktemp -d)/index && RESQA_INDEX=$$LIB $(BIN)/resqa eval --set eval/library/cases.jsonl \
	  --corpus eval/library/corpus/un-security-council-slice.jsonl eval/library/corpus/udhr \
	  --thresholds eval/library/thresholds.toml --report eval/reports/library && \
	  RESQA_INDEX=$$LIB $(BIN)/resqa eval --set eval/library/cases.jsonl --conversation --no-baseline \
	  --thresholds eval/library/conversation-thresholds.toml --report eval/reports/library-conversation
	RESQA_INDEX=$$(mktemp -d)/index $(BIN)/resqa eval --set eval/syntec/cases.jsonl \
	  --corpus eval/syntec/articles.jsonl --thresholds eval/syntec/thresholds.toml --no-baseline \
	  --report eval/reports/syntec
	$(BIN)/resqa bench --sizes seed,1000 --repeats 2 --out artifacts/bench

lint: setup
	$(BIN)/ruff check src tests app.py

.PHONY: setup app chromium test lint
