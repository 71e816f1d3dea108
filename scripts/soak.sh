#!/usr/bin/env bash
# Soak benchmark of `pnrp node` (not a unit test): a 20-node cloud on 127.0.1.1 … 127.0.1.20 (UDP 3540),
# each node publishing a name; for DURATION seconds (default 1800) one node after another among 3 … 20 is
# stopped and started again (churn, one every 15 s) while the observed node (node 2) resolves five names every
# 10 s. Every 30 s the observed node's resident memory, open file descriptors and CPU time are sampled.
# Prints the samples (CSV, also in $root/soak.csv) and a summary: RSS and descriptors after the first minutes
# and at the end, CPU use, resolutions that succeeded.
#   bash scripts/soak.sh            # 30 minutes
#   SOAK_SECONDS=300 bash scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${SOAK_SECONDS:-1800}
count=20
bash scripts/setup.sh >/dev/null
swift build -c release --product pnrp >/dev/null
pnrp="$(swift build -c release --show-bin-path)/pnrp"
root=$(mktemp -d /tmp/pnrp-soak.XXXXXX)
declare -a pids
cleanup() {
  for i in $(seq 1 $count); do "$pnrp" stop --wait 5 --state-dir "$root/node$i" >/dev/null 2>&1 || true; done
  for pid in "${pids[@]:-}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
address() { echo "127.0.1.$1"; }
start_node() { # i
  local i=$1 seed=()
  if [ "$i" -ne 1 ]; then seed=(--seed "$(address 1):3540"); fi
  "$pnrp" node --address "$(address "$i")" --port 3540 --state-dir "$root/node$i" --no-link-local --no-multicast --log-level warning \
    "${seed[@]}" >"$root/node$i.out" 2>>"$root/node$i.err" &
  pids[$i]=$!
  for _ in $(seq 1 300); do grep -q "pnrp node ready:" "$root/node$i.out" 2>/dev/null && return 0; sleep 0.1; done
  echo "soak: node $i not ready" >&2; cat "$root/node$i.err" >&2; exit 1
}
register() { "$pnrp" register "0.soak-node$1" --state-dir "$root/node$1" >/dev/null 2>&1 || true; }
for i in $(seq 1 $count); do start_node "$i"; done
sleep 5
for i in $(seq 1 $count); do register "$i"; done
observed=${pids[2]}
hz=$(getconf CLK_TCK)
sample() { # elapsed -> CSV line of the observed node
  local rss fds ticks
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$observed/status")
  fds=$(ls "/proc/$observed/fd" | wc -l)
  ticks=$(awk '{print $14 + $15}' "/proc/$observed/stat")
  echo "$1,$rss,$fds,$(awk -v t="$ticks" -v h="$hz" 'BEGIN {printf "%.2f", t / h}')"
}
echo "seconds,rss_kib,fds,cpu_seconds" >"$root/soak.csv"
start=$(date +%s); ok=0; asked=0; next_churn=15; next_resolve=0; next_sample=0; victim=3
while :; do
  elapsed=$(( $(date +%s) - start ))
  [ "$elapsed" -ge "$duration" ] && break
  if [ "$elapsed" -ge "$next_sample" ]; then sample "$elapsed" | tee -a "$root/soak.csv"; next_sample=$((next_sample + 30)); fi
  if [ "$elapsed" -ge "$next_resolve" ]; then
    for _ in 1 2 3 4 5; do
      n=$(( (RANDOM % count) + 1 )); asked=$((asked + 1))
      if "$pnrp" resolve "0.soak-node$n" --timeout 3 --state-dir "$root/node2" >/dev/null 2>&1; then ok=$((ok + 1)); fi
    done
    next_resolve=$((next_resolve + 10))
  fi
  if [ "$elapsed" -ge "$next_churn" ]; then
    "$pnrp" stop --wait 10 --state-dir "$root/node$victim" >/dev/null 2>&1 || true
    start_node "$victim"; register "$victim"
    victim=$(( victim == count ? 3 : victim + 1 )); next_churn=$((next_churn + 15))
  fi
  sleep 1
done
sample "$duration" | tee -a "$root/soak.csv"
echo
echo "resolutions from the observed node: $ok of $asked succeeded (names of stopped nodes may be gone for a while)"
awk -F, 'NR == 2 {first = $0} NR > 1 && $1 >= 180 && !m {m = $0} {last = $0} END {
  split(m, a, ","); split(last, b, ",")
  printf "after %s s: RSS %d KiB, %d descriptors; at %s s: RSS %d KiB, %d descriptors\n", a[1], a[2], a[3], b[1], b[2], b[3]
  printf "CPU: %.1f s in %s s (%.2f %% of one core) from minute 3 on\n", b[4] - a[4], b[1] - a[1], 100 * (b[4] - a[4]) / (b[1] - a[1])
}' "$root/soak.csv"
echo "samples: $root/soak.csv"
