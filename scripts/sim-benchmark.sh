#!/usr/bin/env bash
# Measures the simulator's must-reach figures in a release build and prints them as a table:
#
#   * scale-100k: 100,000 nodes join through the protocol, then 100,000 resolutions;
#   * scale-1m (with --full): 1,000,000 nodes join, then 1,000,000 resolutions;
#   * the hop table: the scale-100k scenario run at 1k, 10k and 100k nodes (and 1M with --full).
#
# Each run's wall time and peak resident memory come from the simulator itself (stderr); success and hops
# from its JSON summary, kept in $PNRP_BENCH_OUT (default .benchmarks/sim). Usage:
#
#   bash scripts/sim-benchmark.sh           # 100k and the 1k/10k/100k hop table: about 2 minutes after the build
#   bash scripts/sim-benchmark.sh --full    # adds 1M nodes: about 20 minutes, about 7 GB of memory
set -euo pipefail
cd "$(dirname "$0")/.."

full=0
for arg in "$@"; do
  case "$arg" in
    --full) full=1 ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "sim-benchmark: unknown argument '$arg' (try --help)" >&2; exit 64 ;;
  esac
done

out=${PNRP_BENCH_OUT:-.benchmarks/sim}
scratch=${PNRP_BENCH_SCRATCH:-.build-bench}
mkdir -p "$out"
bash scripts/setup.sh
echo "== building pnrp-sim (release)"
swift build -c release --scratch-path "$scratch" --product pnrp-sim
sim="$scratch/release/pnrp-sim"

# run NAME SCENARIO NODES: runs one scenario, keeps summary.json and the simulator's stderr.
run() {
  local name=$1 scenario=$2 nodes=$3
  echo "== $name: $scenario with $nodes nodes"
  "$sim" run "$scenario" --nodes "$nodes" --out "$out/$name" 2> >(tee "$out/$name.log" >&2) > "$out/$name.txt"
}

row() {  # row NAME: one markdown table row from a run's outputs
  local name=$1
  python3 - "$out/$name/summary.json" "$out/$name.log" "$name" <<'PY'
import json, re, sys
summary, log, name = json.load(open(sys.argv[1])), open(sys.argv[2]).read(), sys.argv[3]
wall = re.search(r"wall time ([0-9.]+) s, peak resident memory ([0-9]+) MiB", log)
h = summary["hops"]
print(f"| {name} | {summary['nodes']:,} | {summary['resolutionsStarted']:,} | {summary['successRate'] * 100:.2f} % "
      f"| {h['mean']:.2f} | {h['p99']:.0f} | {float(wall.group(1)):.0f} s | {int(wall.group(2)) / 1024:.2f} GiB "
      f"| {summary['nodes'] and int(wall.group(2)) * 1024 / summary['nodes']:.1f} KiB |")
PY
}

runs=(hops-1k:1000 hops-10k:10000 scale-100k:100000)
if [ "$full" = 1 ]; then runs+=(scale-1m:1000000); fi
for r in "${runs[@]}"; do
  name=${r%%:*}
  nodes=${r##*:}
  scenario=Simulations/scenarios/scale-100k.yaml
  if [ "$name" = scale-1m ]; then scenario=Simulations/scenarios/scale-1m.yaml; fi
  run "$name" "$scenario" "$nodes"
done

echo
echo "| run | nodes | resolutions | success | mean hops | p99 hops | wall | peak RSS | RSS per node |"
echo "|---|---|---|---|---|---|---|---|---|"
for r in "${runs[@]}"; do row "${r%%:*}"; done
