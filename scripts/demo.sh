#!/usr/bin/env bash
# The README's main job: a real PNRP cloud of five `pnrp node` processes on this machine, and an Easy
# Connect session over it.
#
#   1. installs the system libraries (scripts/setup.sh) and builds `pnrp` and `easy-connect` in release mode;
#   2. starts five nodes on 127.0.0.2 ... 127.0.0.6, UDP port 3540, each with its own temporary state
#      directory, no link-local clouds, no multicast; the first is the seed of the others;
#   3. registers a secured name on one node and resolves it from another, printing the path;
#   4. Easy Connect: a User (`easy-connect invite --json`, through node 2) publishes an invitation; a Helper
#      (`easy-connect help --json`, through node 4) types its password; the User accepts, each sends a chat
#      line and a file, the Helper disconnects; every event of both sides is printed; then the same two
#      meet again by contact (`invite --contact`, `help --contact`), with no password;
#   5. shows `pnrp clouds` of a node, then stops every node with `pnrp stop` and checks they exited.
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
"${build[@]}" --product easy-connect
pnrp="$("${build[@]}" --show-bin-path)/pnrp"
easy_connect="$("${build[@]}" --show-bin-path)/easy-connect"

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

step "Easy Connect: a User asks for help, a Helper connects"
user="$root/user"; helper="$root/helper"
mkdir -p "$user/files" "$helper/files"
mkfifo "$user/in" "$helper/in"
ec_common() { # side node -> the options both sides share
  echo --json --pnrp-state-dir "$root/node$2" --data-dir "$1/data" --download-dir "$1/downloads"
}
# The User's listener and published address are on loopback: the Helper runs on this machine too.
"$easy_connect" invite --listen 127.0.0.1 --name "Demo User" $(ec_common "$user" 2) <"$user/in" >"$user/out" 2>"$user/err" &
pids+=($!); user_pid=$!
exec 5>"$user/in"
show_events() { # side file from-line: prints the events of one side from a line on, readable
  tail -n +"$3" "$2" | sed -e "s/^/  $1 ▸ /"
}
wait_event() { # file event [seconds]: waits for a JSON line with that event, prints nothing
  local file=$1 event=$2 limit=${3:-30} waited=0
  until grep -q "\"event\":\"$event\"" "$file" 2>/dev/null; do
    if [ $waited -ge $((limit * 10)) ]; then
      echo "demo: no $event event within $limit s in $file:" >&2; cat "$file" "${file%out}err" >&2; exit 1
    fi
    sleep 0.1; waited=$((waited + 1))
  done
}
field() { # file event key: the value of a string or number field of the first such event
  grep "\"event\":\"$2\"" "$1" | head -1 | sed -n -e "s/.*\"$3\":\"\([^\"]*\)\".*/\1/p" -e "s/.*\"$3\":\([0-9][0-9]*\).*/\1/p" | head -1
}
wait_event "$user/out" invitation
password=$(field "$user/out" invitation password)
echo "the User reads the password to the Helper: $password"
EASY_CONNECT_PASSWORD="$password" "$easy_connect" help --name "Demo Helper" $(ec_common "$helper" 4) <"$helper/in" >"$helper/out" 2>"$helper/err" &
pids+=($!); helper_pid=$!
exec 6>"$helper/in"
wait_event "$user/out" consent-request
echo '{"command":"accept"}' >&5
wait_event "$user/out" connected
wait_event "$helper/out" connected
echo '{"command":"chat","text":"Hello, I can see your screen now."}' >&6
echo '{"command":"chat","text":"Thanks! The printer says offline."}' >&5
wait_event "$user/out" chat
wait_event "$helper/out" chat
head -c 300000 /dev/urandom >"$helper/files/driver.bin"
printf 'printer: offline\nqueue: 3 jobs\n' >"$user/files/printer-status.txt"
echo "{\"command\":\"send-file\",\"path\":\"$helper/files/driver.bin\"}" >&6
echo "{\"command\":\"send-file\",\"path\":\"$user/files/printer-status.txt\"}" >&5
wait_event "$user/out" file-offer
wait_event "$helper/out" file-offer
echo "{\"command\":\"accept-file\",\"id\":$(field "$user/out" file-offer id)}" >&5
echo "{\"command\":\"accept-file\",\"id\":$(field "$helper/out" file-offer id)}" >&6
wait_event "$user/out" file-received
wait_event "$helper/out" file-received
echo '{"command":"disconnect"}' >&6
wait_event "$user/out" disconnected
wait_event "$helper/out" disconnected
exec 5>&- 6>&-
user_status=0; helper_status=0
wait "$user_pid" || user_status=$?
wait "$helper_pid" || helper_status=$?
echo "events of the User (easy-connect invite --json):"
show_events user "$user/out" 1
echo "events of the Helper (easy-connect help --json):"
show_events helper "$helper/out" 1
cmp -s "$helper/files/driver.bin" "$user/downloads/driver.bin" && echo "driver.bin arrived intact at the User's"
cmp -s "$user/files/printer-status.txt" "$helper/downloads/printer-status.txt" && echo "printer-status.txt arrived intact at the Helper's"
echo "easy-connect invite exited with $user_status, easy-connect help with $helper_status (0: the session ended normally)"
if [ "$user_status" -ne 0 ] || [ "$helper_status" -ne 0 ]; then echo "demo: an Easy Connect process failed" >&2; exit 1; fi

step "Next time: the same two, by contact, with no password"
# Each side kept the other in RAContactHistory.xml when the session started.
helper_address=$(field "$user/out" contact-saved address)
user_address=$(field "$helper/out" contact-saved address)
echo "the User asks $helper_address; the Helper answers $user_address"
mkfifo "$user/in2" "$helper/in2"
"$easy_connect" invite --contact "$helper_address" --listen 127.0.0.1 --name "Demo User" $(ec_common "$user" 2) <"$user/in2" >"$user/out2" 2>"$user/err2" &
pids+=($!); user_pid=$!
exec 5>"$user/in2"
wait_event "$user/out2" contact-invitation
"$easy_connect" help --contact "$user_address" --name "Demo Helper" $(ec_common "$helper" 4) <"$helper/in2" >"$helper/out2" 2>"$helper/err2" &
pids+=($!); helper_pid=$!
exec 6>"$helper/in2"
wait_event "$user/out2" consent-request
echo '{"command":"accept"}' >&5
wait_event "$user/out2" connected
wait_event "$helper/out2" connected
echo '{"command":"chat","text":"No password this time."}' >&6
wait_event "$user/out2" chat
echo '{"command":"disconnect"}' >&5
wait_event "$user/out2" disconnected
wait_event "$helper/out2" disconnected
exec 5>&- 6>&-
user_status=0; helper_status=0
wait "$user_pid" || user_status=$?
wait "$helper_pid" || helper_status=$?
echo "events of the User (easy-connect invite --contact --json):"
show_events user "$user/out2" 1
echo "events of the Helper (easy-connect help --contact --json):"
show_events helper "$helper/out2" 1
if [ "$user_status" -ne 0 ] || [ "$helper_status" -ne 0 ]; then echo "demo: a contact session failed" >&2; exit 1; fi
echo "the User's contacts and session logs:"
"$easy_connect" contacts --data-dir "$user/data"
"$easy_connect" logs --data-dir "$user/data"

step "pnrp clouds and pnrp status of node 5"
"$pnrp" clouds --state-dir "$root/node5"
"$pnrp" status --state-dir "$root/node5"

step "stopping every node"
for i in $(seq 1 $count); do "$pnrp" stop --wait 15 --state-dir "$root/node$i"; done
for pid in "${pids[@]}"; do
  if kill -0 "$pid" 2>/dev/null; then echo "demo: node process $pid is still running" >&2; exit 1; fi
done
echo "all $count nodes stopped; their names were revoked and their caches saved."
