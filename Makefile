# CT Citizen. `make run` serves the site; `make test` runs the whole suite. `make help` lists the rest.

PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app course
TRANSLATIONS := course/translations
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.test-installed
FUZZ_INSTALLED := $(VENV)/.fuzz-installed
#: Seconds each fuzz harness runs for: `make fuzz FUZZ_SECONDS=600`.
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES := content_validator invitation_csv
#: Where the fuzzers grow their corpora and write findings (ignored by git, as build/ is).
FUZZ_WORK := build/fuzz

.PHONY: help run test lint bench fuzz install messages translations clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_INSTALLED): $(INSTALLED) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(INSTALLED) ## Create .venv and install the app

translations: $(INSTALLED) ## Compile the message catalogues
	$(BIN)/pybabel compile --use-fuzzy -d $(TRANSLATIONS) 2>/dev/null

messages: $(INSTALLED) ## Extract every translatable string and update the catalogues
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --sort-by-file --no-wrap --no-location \
		--project "CT Citizen" --omit-header -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-wrap --ignore-obsolete

run: $(INSTALLED) translations ## Serve the site on http://127.0.0.1:$(PORT)
	$(FLASK) db upgrade
	$(FLASK) content import modules
	COURSE_MAIL_BACKGROUND_SENDER=true $(FLASK) run --host 127.0.0.1 --port $(PORT)

serve: $(INSTALLED) translations ## Serve for production with gunicorn (migrates once first; see docs/deployment.md)
	bin/serve

test: $(TEST_INSTALLED) translations ## Run the whole test suite (browser tests need /usr/bin/chromium)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

bench: $(TEST_INSTALLED) translations ## Run the benchmarks and write docs/performance.md
	$(BIN)/python -m bench.run

$(FUZZ_INSTALLED): $(INSTALLED) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[fuzz]'
	touch $@

# Each harness starts from its seeds in fuzz/corpus/ and adds what it finds to $(FUZZ_WORK); an
# input that raises anything but the expected refusal, or runs over 10 s, fails the target and is
# saved as $(FUZZ_WORK)/HARNESS/findings/crash-* or timeout-* (replay: python fuzz/HARNESS.py FILE).
fuzz: $(FUZZ_INSTALLED) ## Fuzz the content validator and CSV invitation parser (FUZZ_SECONDS=60 each)
	@status=0; for harness in $(FUZZ_HARNESSES); do \
		echo "== fuzz/$$harness.py for $(FUZZ_SECONDS) s"; \
		mkdir -p $(FUZZ_WORK)/$$harness/corpus $(FUZZ_WORK)/$$harness/findings; \
		$(BIN)/python fuzz/$$harness.py $(FUZZ_WORK)/$$harness/corpus fuzz/corpus/$$harness \
			$$(test -f fuzz/$$harness.dict && echo -dict=fuzz/$$harness.dict) \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_WORK)/$$harness/findings/ || status=1; \
	done; exit $$status

lint: $(TEST_INSTALLED) ## Check style with ruff
	$(BIN)/ruff check .

clean: ## Remove the virtual environment and caches (keeps instance/)
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/browser/artifacts
