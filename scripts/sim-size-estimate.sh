#!/usr/bin/env bash
# Measures the cloud size estimate (docs/deviations.md N21) in simulated clouds, release build: for each
# size, the cloud forms (joins 1 ms apart, two minutes to settle), then one report row gives the mean
# of up to 1,000 nodes' own estimates (`estimated_cloud_size`) next to the true size. The unit tests
# cover 10 to 10,000 nodes; this covers the large clouds:
#
#   bash scripts/sim-size-estimate.sh                 # 100,000 nodes: about 2 minutes after the build
#   bash scripts/sim-size-estimate.sh --full          # adds 1,000,000 nodes: about half an hour, 7.2 GB
#   bash scripts/sim-size-estimate.sh 1000 10000      # any sizes
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=()
for arg in "$@"; do
  case "$arg" in
    --full) sizes+=(100000 1000000) ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *[!0-9]* | '') echo "sim-size-estimate: unknown argument '$arg' (try --help)" >&2; exit 64 ;;
    *) sizes+=("$arg") ;;
  esac
done
if [ ${#sizes[@]} -eq 0 ]; then sizes=(100000); fi

out=${PNRP_BENCH_OUT:-.benchmarks/size-estimate}
scratch=${PNRP_BENCH_SCRATCH:-.build-bench}
mkdir -p "$out"
bash scripts/setup.sh
echo "== building pnrp-sim (release)"
swift build -c release --scratch-path "$scratch" --product pnrp-sim
sim="$scratch/release/pnrp-sim"

scenario="$out/size-estimate.yaml"
cat > "$scenario" <<'YAML'
name: size-estimate
description: "The cloud forms, then one report row: estimated and true cloud size"
seed: 1
nodes: 1000
duration: 1s
join:
  interval: 1ms
  settle: 2m
workload:
  resolutions: 0
report:
  interval: 1s
YAML

echo "| nodes | mean estimate | estimate / truth | nodes within 1.5x | truth in the node's likely range | wall time |"
echo "|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
  "$sim" run "$scenario" --nodes "$n" --out "$out/n$n" > "$out/n$n.txt" 2> "$out/n$n.log"
  python3 - "$out/n$n/timeseries.csv" "$out/n$n.log" <<'PY'
import csv, re, sys
row = list(csv.DictReader(open(sys.argv[1])))[-1]
wall = re.search(r"wall time ([0-9.]+) s", open(sys.argv[2]).read())
est, true = float(row["estimated_cloud_size"]), float(row["true_cloud_size"])
close = float(row["estimates_within_1_5x"])
in_range = float(row["estimates_in_likely_range"])
print(f"| {int(true):,} | {est:,.0f} | {est / true:.3f} | {close:.1%} | {in_range:.1%} | {float(wall.group(1)):.0f} s |")
PY
done
