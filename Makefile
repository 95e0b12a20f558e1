# csi-snapshotter — the two commands a newcomer needs: `make demo` and `make test`.
# Everything is installed by these targets from the package registries (npm, the Go module proxy);
# built Go components are cached outside the repo (test/world/build.sh), so a second run is fast.

NODE := node_modules/.bin/node
WORLD := $(NODE) --import ./test/world/register-ts.ts
STAMP := node_modules/.install-stamp

.PHONY: all build typecheck test test-unit demo world components docs bench bench-quick dashboard-picture clean

all: build

# npm ci when package.json or the lock changed (brings Node 24 itself: npm package `node`).
# The lock records every platform's optional packages (@swc/core-*, @unrs/resolver-binding-*),
# so `npm ci` accepts it anywhere; regenerate it only without node_modules present
# (`npm install --package-lock-only` in a clean clone, npm/cli#4828), or those entries are lost.
$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: $(STAMP)
	npm run build --silent

typecheck: $(STAMP)
	npm run typecheck --silent

# Unit, integration and e2e suites; integration and e2e run against the real test world.
test: build
	bash test/run-all.sh

test-unit: $(STAMP)
	npm run test:unit --silent

# Build (or find in the cache) kube-apiserver, etcd, kubectl, the CSI driver and the upstream
# snapshot-controller / csi-snapshotter.
components:
	bash test/world/build.sh

# The world in the foreground until Ctrl-C: make world RUN_DIR=/tmp/w  (writes $(RUN_DIR)/world.json)
world: build components
	$(WORLD) test/world/cli.ts up --no-build $(if $(RUN_DIR),--run-dir $(RUN_DIR),)

# The main job: a local world, our sidecar, a snapshot taken and shown ready, then deleted.
demo: build components
	$(WORLD) test/world/demo.ts

# Regenerates the README flag reference from the flag table.
docs: build
	$(NODE) dist/cli/print-flag-reference.js README.md

bench: build components
	$(WORLD) bench/run.ts

bench-quick: build components
	$(WORLD) bench/run.ts --quick

# The Grafana dashboard's picture from a real run (docs/dashboard.svg, docs/dashboard-metrics-excerpt.txt)
# and manifests/grafana-dashboard.json, both from bench/dashboard-panels.ts.
dashboard-picture: build components
	$(WORLD) bench/dashboard-picture.ts

# The random-kill soak against a private world: make soak [SOAK_N=40] [SOAK_K=12] [SOAK_SEED=n]
.PHONY: soak
soak: build components
	SOAK_N=$(SOAK_N) SOAK_K=$(SOAK_K) SOAK_SEED=$(SOAK_SEED) $(WORLD) test/e2e/soak-run.ts

clean:
	rm -rf dist .jest-results
