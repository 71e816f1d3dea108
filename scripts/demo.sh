#!/usr/bin/env bash
# The README's main job: a real PNRP cloud of five `pnrp node` processes on this machine.
#
#   1. installs the system libraries (scripts/setup.sh) and builds `pnrp` in release mode;
#   2. starts five nodes on 127.0.0.2 ... 127.0.0.6, UDP port 3540, each with its own temporary state
#      directory, no link-local clouds, no multicast; the first is the seed of the others;
#   3. registers a secured name on one node and resolves it from another, printing the path;
#   4. shows `pnrp clouds` of a node, then stops every node with `pnrp stop` and checks they exited.
#
# Everything is bounded in time; on exit (normal, error or Ctrl-C) leftover nodes are killed and the
# temporary directories removed. Environment: PNRP_DEMO_PORT (default 3540); PNRP_DEMO_CONFIGURATION
# (release, or debug for a quicker build); PNRP_DEMO_SCRATCH (a --scratch-path for swift build).
# On macOS only 127.0.0.1 exists by default: the nodes then share it on ports 3540-3544.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${PNRP_DEMO_PORT:-3540}
count=5
root=$(mktemp -d "${TMPDIR:-/tmp}/pnrp-demo.XXXXXX")
pids=()

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$root"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }

configuration=${PNRP_DEMO_CONFIGURATION:-release}
build=(swift build -c "$configuration")
if [ -n "${PNRP_DEMO_SCRATCH:-}" ]; then build+=(--scratch-path "$PNRP_DEMO_SCRATCH"); fi

step "setup and $configuration build"
bash scripts/setup.sh
"${build[@]}" --product pnrp
pnrp="$("${build[@]}" --show-bin-path)/pnrp"

address() { # node number (1-based) -> its address
  if [ "$(uname)" = Darwin ]; then echo 127.0.0.1; else echo "127.0.0.$(($1 + 1))"; fi
}
node_port() { # node number -> its UDP port
  if [ "$(uname)" = Darwin ]; then echo $((port + $1 - 1)); else echo "$port"; fi
}

wait_ready() { # i: waits at most 30 s for node i's ready line
  local i=$1 waited=0
  until grep -q "pnrp node ready:" "$root/node$i.out" 2>/dev/null; do
    if ! kill -0 "${pids[$((i - 1))]}" 2>/dev/null; then
      echo "demo: node $i exited before it was ready:" >&2; cat "$root/node$i.err" >&2; exit 1
    fi
    if [ $waited -ge 300 ]; then echo "demo: node $i not ready after 30 s:" >&2; cat "$root/node$i.err" >&2; exit 1; fi
    sleep 0.1; waited=$((waited + 1))
  done
  cat "$root/node$i.out"
}

start_node() { # i [seed]
  local i=$1; shift
  local seed=()
  if [ $# -gt 0 ]; then seed=(--seed "$1"); fi
  "$pnrp" node --address "$(address "$i")" --port "$(node_port "$i")" --state-dir "$root/node$i" \
    --no-link-local --no-multicast "${seed[@]}" >"$root/node$i.out" 2>"$root/node$i.err" &
  pids+=($!)
}

step "starting $count nodes"
first="$(address 1):$(node_port 1)"
start_node 1
wait_ready 1
# The seed publishes a name first, so the nodes that join find an entry to cache.
"$pnrp" register node1 --secured --state-dir "$root/node1" >/dev/null
for i in $(seq 2 $count); do start_node "$i" "$first"; done
wait_active() { # i: waits at most 20 s until node i has joined the cloud (so its names are announced at once)
  local i=$1 waited=0
  until "$pnrp" clouds --state-dir "$root/node$i" | grep -q " active "; do
    if [ $waited -ge 200 ]; then echo "demo: node $i did not join the cloud in 20 s:" >&2; cat "$root/node$i.err" >&2; exit 1; fi
    sleep 0.1; waited=$((waited + 1))
  done
}
for i in $(seq 2 $count); do wait_ready "$i"; done
for i in $(seq 2 $count); do
  wait_active "$i"
  "$pnrp" register "node$i" --secured --state-dir "$root/node$i" >/dev/null
done

step "node 3 registers a secured name"
"$pnrp" register printer --secured --port 631 --payload "2nd floor" --state-dir "$root/node3"
name="$("$pnrp" identity show --authority --state-dir "$root/node3").printer"

step "node 5 resolves $name"
# The registration is announced once node 3 has found its neighbours: retry for at most 30 s.
for attempt in $(seq 1 15); do
  if "$pnrp" resolve "$name" --timeout 2 --state-dir "$root/node5" 2>"$root/resolve.err"; then break; fi
  if [ "$attempt" -eq 15 ]; then echo "demo: the name did not resolve:" >&2; cat "$root/resolve.err" >&2; exit 1; fi
  if [ "$attempt" -eq 1 ]; then echo "(not announced yet: $(cat "$root/resolve.err"); retrying for up to 30 s)"; fi
  sleep 1
done

step "pnrp clouds and pnrp status of node 5"
"$pnrp" clouds --state-dir "$root/node5"
"$pnrp" status --state-dir "$root/node5"

step "stopping every node"
for i in $(seq 1 $count); do "$pnrp" stop --wait 15 --state-dir "$root/node$i"; done
for pid in "${pids[@]}"; do
  if kill -0 "$pid" 2>/dev/null; then echo "demo: node process $pid is still running" >&2; exit 1; fi
done
echo "all $count nodes stopped; their names were revoked and their caches saved."
