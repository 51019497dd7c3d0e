# The kit's user interface. `make up` runs the kit, `make test` runs every test.
# Both install what they need (npm packages; Prometheus, Alertmanager, postgres_exporter from apt).

SHELL := /bin/bash
NODE_BIN := node_modules/.bin
STACK := node --import tsx stack/cli.ts
SCENARIO := node --import tsx scenarios/cli.ts
GAMEDAY := node --import tsx gameday/cli.ts
FORMATTED := '**/*.{ts,cjs,mjs}'

.PHONY: help install build up down status alerts haproxy logs test test-quick test-compose typecheck lint format scenarios \
        bench clean k8s-generate k8s-test k8s-kind screenshots gameday gameday-answer gameday-board gameday-reveal gameday-stop

help: ## list the targets, and the workshop cases scenario-N runs
	@grep -E '^[a-z0-9%-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{sub("%", "N", $$1); printf "  make %-12s %s\n", $$1, $$2}'
	@$(SCENARIO) list 2>/dev/null | awk -F'\t' '{printf "  make %-12s   %s\n", $$1, $$2}' || true

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed ## install npm dependencies (npm ci) when they changed

build: install ## compile TypeScript to dist/
	$(NODE_BIN)/tsc -p tsconfig.json

typecheck: install ## type-check without emitting
	$(NODE_BIN)/tsc -p tsconfig.json --noEmit

lint: install ## check the format (Prettier) and lint with type information (ESLint); make test runs it first
	$(NODE_BIN)/prettier --check --log-level warn $(FORMATTED)
	$(NODE_BIN)/eslint --max-warnings 0 .

format: install ## rewrite the code in the house format (Prettier)
	$(NODE_BIN)/prettier --write --log-level warn $(FORMATTED)

up: build ## run the kit: Docker Compose when a Docker engine is reachable, else the native stack (natively REPLICAS=3 puts API replicas behind HAProxy; Compose always runs three)
	@if $(STACK) has-docker 2>/dev/null; then docker compose up -d --build; else scripts/ensure-tools.sh && $(STACK) up; fi

down: install ## stop what `make up` started (the native stack, and the Compose stack where Docker runs)
	@$(STACK) down
	@if $(STACK) has-docker 2>/dev/null; then docker compose down; fi

status: install ## each component's URL and health
	@$(STACK) status

alerts: install ## alert notifications received from Alertmanager
	@$(STACK) alerts

haproxy: install ## send CMD to HAProxy's runtime API (make up REPLICAS=3), e.g. make haproxy CMD='show servers state'
	@$(STACK) haproxy $(CMD)

test: build lint ## lint, then run every test (installs and starts what the tests need; the container test only where Docker runs)
	scripts/ensure-tools.sh --compose --browser
	$(NODE_BIN)/mocha 'test/**/*.test.ts'

test-compose: install ## the container test alone: build, run and check the Compose stack, then remove it (needs Docker)
	REQUIRE_DOCKER=1 $(NODE_BIN)/mocha --no-config --node-option=import=tsx --reporter=test/support/reporter.cjs \
	  --timeout=30000 --forbid-only --forbid-pending --exit test/compose/stack.test.ts

test-quick: install ## the API, fault, kit, scenario-runner and config tests: no stack started (installs promtool, which the metrics test runs)
	scripts/ensure-tools.sh
	$(NODE_BIN)/mocha 'test/api/**/*.test.ts' 'test/faults/**/*.test.ts' 'test/kit/**/*.test.ts' 'test/scenarios/**/*.test.ts' test/config.test.ts

scenarios: install ## run every workshop scenario against the running stack
	$(SCENARIO) all

scenario-%: install ## run workshop case N against the running stack (the cases follow)
	$(SCENARIO) $*

gameday: install ## run a game day against the running stack: ROUNDS=3 ROUND_S=300 TEAMS=red,blue [SEED=n] [INCIDENTS=id,id] (docs/gameday.md)
	$(GAMEDAY) start --rounds $(or $(ROUNDS),3) --round-seconds $(or $(ROUND_S),300) --teams $(or $(TEAMS),red,blue) --seed "$(SEED)" --incidents "$(INCIDENTS)"

gameday-answer: install ## a team's diagnosis: TEAM=red FAMILY=latency SCOPE=/api/transfers STARTED=-90s
	@$(GAMEDAY) answer --team "$(TEAM)" --family "$(FAMILY)" --scope "$(SCOPE)" --started "$(STARTED)"

gameday-board: install ## the game day's leaderboard
	@$(GAMEDAY) board

gameday-reveal gameday-stop: install ## end the open round now / stop the game (facilitator; CHAOS_TOKEN when set)
	@$(GAMEDAY) $(subst gameday-,,$@)

bench: build ## measure overhead, fault precision, scrape cost and time to detect (not part of make test)
	scripts/ensure-tools.sh && node --import tsx bench/run.ts

k8s-generate: install ## rewrite deploy/kubernetes/base/generated/ (PrometheusRules, AlertmanagerConfig) from monitoring/
	node --import tsx deploy/kubernetes/generate.ts

k8s-test: install ## render and validate the Kubernetes manifests offline (part of make test; needs kubectl for the render)
	scripts/ensure-tools.sh
	$(NODE_BIN)/mocha test/kubernetes/manifests.test.ts

k8s-kind: ## the kit on a local kind cluster with kube-prometheus-stack (needs Docker, kind, kubectl, helm)
	deploy/kubernetes/kind.sh up

screenshots: install ## save the control room's main states as docs/images/control-room-*.png (starts its own stack)
	scripts/ensure-tools.sh --browser
	SCREENSHOTS_DIR=docs/images $(NODE_BIN)/mocha test/control-room/page.test.ts test/control-room/replicas.test.ts

clean: ## remove build output and reports (not the running stack's state)
	rm -rf dist reports bench-results
