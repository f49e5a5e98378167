#!/usr/bin/env bash
# The benchmark (BENCHMARKS.md): bench/run.sh [--quick]
#   1. builds the jar and the JMH benchmark, installs wrk if it is missing;
#   2. JMH: CPU time per image for decode + preprocessing, and inference at batch 1, 8, 32;
#   3. the real server (java -jar, embedded PostgreSQL, shipped model) under wrk: POST /MRI at concurrency
#      1, 8, 32, 128; GET /MRI/{id}; GET /MRI; overload at twice the capacity; a 10-minute soak.
# Results: bench/results/<UTC time>/results.md (and .json, raw wrk outputs, server log, soak samples).
# --quick: 10 s per scenario, no soak, short JMH (a smoke run, not figures to quote).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
if [ "${1:-}" = "--quick" ]; then quick=true; shift; fi
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model="${MRI_MODEL_DIR:-model/default}"

if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
mvn -q -DskipTests package
mvn -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/classpath.txt"

jmh_args=()
$quick && jmh_args=(-wi 1 -w 1 -i 2 -r 1)
java -cp "target/test-classes:target/classes:$(cat "$work/classpath.txt")" org.openjdk.jmh.Main ComputeBenchmark \
  -jvmArgsAppend "-Dbench.model=$model -Dbench.data=../shared/datasets/brain-mri-253" \
  "${jmh_args[@]}" -rf json -rff "$out/jmh.json" | tee "$out/jmh.txt"

if $quick; then
  python3 bench/bench.py --out "$out" --work "$work" --jmh "$out/jmh.json" --duration 10s --soak-seconds 0 "$@"
else
  python3 bench/bench.py --out "$out" --work "$work" --jmh "$out/jmh.json" "$@"
fi
echo "results: $out/results.md"
