# Chibo — the targets are the interface; the README documents each.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/chibo-vn/chibo/server/app.Version=$(VERSION)
TESTFLAGS ?= -race -count=1 -timeout 30m

.PHONY: run build test test-sqlite test-postgres postgres pwa pwa-deps budgets bench-device lint bench soak sim drill drill-failover drill-backup drill-load drill-deps clean help

help:
	@echo "make run            start the server with demo data on http://localhost:8080"
	@echo "make test           every test on SQLite and on PostgreSQL"
	@echo "make test-sqlite    the tests on SQLite only"
	@echo "make test-postgres  the tests on PostgreSQL only"
	@echo "make build          static binary in bin/chibo"
	@echo "make pwa            rebuild the officials' app into pwa/dist (commit it)"
	@echo "make budgets        the app's size and Lighthouse budgets against a fresh demo server"
	@echo "make bench-device   the app's sync at province scale (CPU 4x) against the province benchmark database"
	@echo "make lint           go vet, gofmt, staticcheck, govulncheck"
	@echo "make bench          benchmarks on both databases, as a table"
	@echo "make soak           the sync convergence test over many seeds, both databases; 20 min of lock waits and kills"
	@echo "make sim            the sync simulator against a server started here with the demo data"
	@echo "make drill          the province's reference deployment on loopback: failover, backup and restore, load"

## run: build and start the server on SQLite in ./data, seeding the demo data set on first start.
run:
	$(GO) run -ldflags "$(LDFLAGS)" ./server -demo

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/chibo ./server

## test: the whole suite on both databases (-race needs cgo: a C compiler, e.g. Debian's gcc). The two halves run
## at once: each is mostly its browser tests, which leave a third of two cores idle (waits on timers, the network and
## the browser); the PostgreSQL half prints as it goes, the SQLite half's output follows when both are done.
test: postgres pwa-deps
	@log=$$(mktemp); start=$$(date +%s); \
	 $(MAKE) --no-print-directory test-sqlite >$$log 2>&1 & pid=$$!; \
	 echo "── the PostgreSQL half (the SQLite half runs beside it; its output follows) ──"; \
	 status=0; $(MAKE) --no-print-directory test-postgres || status=1; \
	 wait $$pid || status=1; echo "── the SQLite half ──"; cat $$log; rm -f $$log; \
	 if [ $$status = 0 ]; then echo "make test: all tests passed on SQLite and PostgreSQL in $$(( $$(date +%s) - start )) s"; \
	 else echo "make test: tests failed (see above)"; fi; exit $$status

## test-sqlite: the suite on SQLite, under the race detector but for the packages of NORACE_SQLITE, whose tests run
## beside the rest without it: the detector instruments the pure-Go SQLite (translated from C) as well, and made them
## take several times the CPU (server/api 6 minutes of a core instead of half of one; server/app 5.5 minutes and
## server/demo 1.5 beside the browser tests, against 45 and 17 seconds on PostgreSQL; server/store 355 s of CPU
## against 31 without it, sync/engine 226 against 43, measured alone on 07/12/2026). Their Go code runs under the
## detector in the PostgreSQL half.
NORACE_SQLITE := server/api server/app server/demo server/store sync/engine
empty :=
space := $(empty) $(empty)
# NORACE_SKIP matches the import paths of NORACE_SQLITE, for grep -E: /server/api$|/server/app$|…
NORACE_SKIP := $(subst $(space),|,$(patsubst %,/%$$,$(NORACE_SQLITE)))
test-sqlite: pwa-deps
	@norace=$$(mktemp); \
	 CHIBO_TEST_DB=sqlite $(GO) test $(filter-out -race,$(TESTFLAGS)) $(addprefix ./,$(NORACE_SQLITE)) >$$norace 2>&1 & pid=$$!; \
	 status=0; CHIBO_TEST_DB=sqlite $(GO) test $(TESTFLAGS) $$($(GO) list ./... | grep -Ev '$(NORACE_SKIP)') || status=1; \
	 wait $$pid || status=1; cat $$norace; rm -f $$norace; exit $$status

test-postgres: postgres pwa-deps
	CHIBO_TEST_DB=postgres $(GO) test $(TESTFLAGS) ./...

## postgres: make sure a PostgreSQL server answers for the tests: CHIBO_TEST_POSTGRES_URL, or the local server on
## 127.0.0.1:5432, started here when it is installed but stopped. Otherwise the tests fail and say what to do.
postgres:
	@if [ -z "$$CHIBO_TEST_POSTGRES_URL" ] && command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then \
		if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then \
			echo "PostgreSQL is not running on 127.0.0.1:5432: starting the local cluster"; \
			pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | tail -n 1) main start || true; \
			for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
		fi; \
	fi

## pwa-deps: what the app's build and browser tests need: the npm packages (npm ci) and Debian's Chromium
## (installed with apt-get when running as root; otherwise the command to run is printed).
pwa-deps:
	@if [ ! -d pwa/node_modules/playwright-core ] || [ pwa/package-lock.json -nt pwa/node_modules/.package-lock.json ]; then \
		command -v npm >/dev/null 2>&1 || { echo "npm is missing: install Node.js 20 and npm (Debian: apt-get install nodejs npm)"; exit 1; }; \
		echo "installing the app's npm packages (npm ci)"; npm ci --prefix pwa --no-audit --no-fund; \
	fi
	@if [ -z "$$CHIBO_CHROMIUM" ] && [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Debian's chromium for the browser tests"; \
			apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y chromium; }; \
		else \
			echo "the browser tests need Chromium: run 'sudo apt-get install chromium' (or set CHIBO_CHROMIUM)"; exit 1; \
		fi; \
	fi

## pwa: rebuild pwa/dist from pwa/src (esbuild through go tool); commit the result.
pwa: pwa-deps
	$(GO) run ./pwa/build

## budgets: the app's budgets (sizes, Lighthouse 12.8.2 mobile) against a server with the demo data.
budgets: pwa-deps
	@rm -rf /tmp/chibo-budget-data; $(GO) build -o bin/chibo ./server
	@CHIBO_DATA_DIR=/tmp/chibo-budget-data CHIBO_ADDR=127.0.0.1:8098 bin/chibo -demo >/dev/null 2>&1 & pid=$$!; \
	 for i in $$(seq 50); do curl -sf http://127.0.0.1:8098/readyz >/dev/null && break; sleep 0.2; done; \
	 node pwa/tests/budgets.mjs http://127.0.0.1:8098; status=$$?; kill $$pid; exit $$status

## bench-device: the app's sync at province scale, in Chromium with the CPU throttled 4x, for the province's
## supervisor and an official (pwa/tests/device-scale.mjs: prints the figures, fails on a missed goal), against the
## real server on the province benchmark database in PostgreSQL: 100 communes x 100 cells, generated on the first
## run only (about 10 minutes) and kept as BENCH_DEVICE_DB; drop it to regenerate.
BENCH_DEVICE_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_DEVICE_DB ?= chibo_bench_device_v1
BENCH_DEVICE_ADDR ?= 127.0.0.1:8097
bench-device: postgres pwa-deps
	@$(GO) build -o bin/chibo ./server
	@pg="$(BENCH_DEVICE_PG)"; db="$(BENCH_DEVICE_DB)"; \
	 if ! psql "$$pg/postgres?sslmode=disable" -tAc "SELECT 1 FROM pg_database WHERE datname = '$$db'" | grep -q 1; then \
		echo "generating the province into $$db (once)"; \
		psql -q "$$pg/postgres?sslmode=disable" -c "DROP DATABASE IF EXISTS $${db}_new" -c "CREATE DATABASE $${db}_new" && \
		bin/chibo demo -database-url "$$pg/$${db}_new?sslmode=disable" -communes 100 -cells 100 -officials 3300 -supervisors 101 && \
		psql -q "$$pg/postgres?sslmode=disable" -c "ALTER DATABASE $${db}_new RENAME TO $$db" || exit 1; \
	 fi; \
	 CHIBO_DATABASE_URL="$$pg/$$db?sslmode=disable" CHIBO_ADDR=$(BENCH_DEVICE_ADDR) CHIBO_LOG_LEVEL=warn bin/chibo >/tmp/chibo-bench-device.log 2>&1 & pid=$$!; \
	 for i in $$(seq 300); do curl -sf http://$(BENCH_DEVICE_ADDR)/readyz >/dev/null && break; sleep 0.2; done; \
	 node pwa/tests/device-scale.mjs http://$(BENCH_DEVICE_ADDR); status=$$?; kill $$pid; exit $$status

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) tool staticcheck ./...
	@$(GO) tool govulncheck ./... || { echo "govulncheck failed (it needs https://vuln.go.dev; offline machines cannot run it)"; exit 1; }

## bench: every benchmark once on each database; the figures come out as a Markdown table. The first run builds the
## province (4.5 min) and national (8 min, 14 GB) benchmark databases, kept on the server for the next runs. One
## package at a time (-p 1): go test runs two packages' benchmarks at once on this 2-core machine otherwise, and each
## then times the other's work too.
BENCHFLAGS ?= -p 1 -run '^$$' -bench . -benchtime 1x -timeout 60m
bench: postgres
	@{ echo "# SQLite"; CHIBO_TEST_DB=sqlite $(GO) test $(BENCHFLAGS) ./...; \
	   echo "# PostgreSQL"; CHIBO_TEST_DB=postgres $(GO) test $(BENCHFLAGS) ./...; } | $(GO) run ./sync/cmd/benchtable

## soak: the sync convergence test with many random seeds (SOAK seeds on SQLite, SOAK_PG on PostgreSQL), then
## the randomized lock-wait test for SOAK_MINUTES minutes on PostgreSQL against the real binary, SIGKILLed now and then.
SOAK ?= 1000
SOAK_PG ?= 1000
SOAK_MINUTES ?= 20
soak: postgres
	CHIBO_SOAK=$(SOAK) CHIBO_TEST_DB=sqlite $(GO) test -count=1 -timeout 2h -run 'TestDevicesConverge|TestReplayed|TestPullIsGapFree' ./sync/engine/
	CHIBO_SOAK=$(SOAK_PG) CHIBO_TEST_DB=postgres $(GO) test -count=1 -timeout 2h -run 'TestDevicesConverge|TestReplayed|TestPullIsGapFree' ./sync/engine/
	CHIBO_SOAK_MINUTES=$(SOAK_MINUTES) CHIBO_TEST_DB=postgres $(GO) test -count=1 -timeout 2h -v -run 'TestVersionsOnlyGrowUnderRandomLockWaits' ./sync/engine/

## sim: run the server on a fresh SQLite database with the demo data and 12 simulated devices against it.
sim:
	@rm -rf /tmp/chibo-sim-data; $(GO) build -o bin/chibo ./server && $(GO) build -o bin/chibo-sim ./sync/cmd/chibo-sim
	@CHIBO_DATA_DIR=/tmp/chibo-sim-data CHIBO_ADDR=127.0.0.1:8099 bin/chibo -demo >/dev/null 2>&1 & pid=$$!; \
	 for i in $$(seq 50); do curl -sf http://127.0.0.1:8099/readyz >/dev/null && break; sleep 0.2; done; \
	 bin/chibo-sim -url http://127.0.0.1:8099 -devices 12 -rounds 20; status=$$?; kill $$pid; exit $$status

## drill: the reference deployment of deploy/province run on this machine's loopback (ports 20000-20999): etcd,
## two Patroni nodes, HAProxy, two chibo instances, Caddy; drill 1 a failover under simulated devices, drill 2
## pgBackRest point-in-time restore and the commune's SQLite backup and restore, drill 3 the load generator when
## deploy/load exists. Prints the figures as a table. DRILL_FLAGS=-keep keeps its directory and logs.
DRILL_PACKAGES := patroni etcd-server haproxy caddy pgbackrest prometheus prometheus-node-exporter
DRILL_FLAGS ?=
drill: drill-deps
	$(GO) run ./deploy/drill $(DRILL_FLAGS)

drill-failover: drill-deps
	$(GO) run ./deploy/drill -only failover $(DRILL_FLAGS)

drill-backup: drill-deps
	$(GO) run ./deploy/drill -only backup $(DRILL_FLAGS)

drill-load: drill-deps
	$(GO) run ./deploy/drill -only load $(DRILL_FLAGS)

## drill-deps: Debian's packages for the drill, installed with apt-get when running as root; otherwise the command
## to run is printed.
drill-deps:
	@missing=""; for p in $(DRILL_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	 if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Debian packages for the drill:$$missing"; \
			apt-get install -y $$missing || { apt-get update && apt-get install -y $$missing; }; \
		else \
			echo "the drill needs Debian packages: run 'sudo apt-get install -y$$missing'"; exit 1; \
		fi; \
	 fi

clean:
	rm -rf bin data
