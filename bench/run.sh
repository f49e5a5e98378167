#!/usr/bin/env bash
# The benchmark (BENCHMARKS.md): bench/run.sh [--quick | --compare] [bench.py options]
#   1. builds the jar and the JMH benchmark, installs wrk and the Debian packages of the original's stand-in
#      (../shared/peer-original, never changed) if they are missing;
#   2. JMH: CPU time per image for decode + preprocessing, and inference at batch 1, 8, 32;
#   3. the real server (java -jar, embedded PostgreSQL, shipped model) under wrk: POST /MRI at concurrency
#      1, 8, 32, 128; GET /MRI/{id}; GET /MRI; overload at twice the capacity; a 10-minute soak; first of all,
#      side by side with the original's stand-in on the same 64 images, interleaved round by round: POST /MRI at
#      32 clients, GET /MRI/{id}, 128 clients ignoring Retry-After, with the ratios and CPU per answer.
# Results: bench/results/<UTC time>/results.md (and .json, raw wrk outputs, server log, soak samples).
# --quick: 10 s per scenario, no soak, short JMH (a smoke run, not figures to quote).
# --compare: only the side-by-side table (no JMH, no other scenario): about 4 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
compare=false
if [ "${1:-}" = "--quick" ]; then quick=true; shift; fi
if [ "${1:-}" = "--compare" ]; then compare=true; shift; fi
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model="${MRI_MODEL_DIR:-model/default}"

peer_packages=(postgresql python3-flask python3-opencv python3-pandas python3-sqlalchemy python3-psycopg2 python3-bcrypt
  python3-jwt gunicorn)
if ! command -v wrk >/dev/null 2>&1 || ! command -v gunicorn >/dev/null 2>&1 || [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk "${peer_packages[@]}" >/dev/null
fi
peer=(--peer --distinct-images 64)
mvn -q -DskipTests package
if $compare; then
  python3 bench/bench.py --out "$out" --work "$work" "${peer[@]}" --compare-only "$@"
  echo "results: $out/results.md"
  exit 0
fi
mvn -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/classpath.txt"

jmh_args=()
$quick && jmh_args=(-wi 1 -w 1 -i 2 -r 1)
java -cp "target/test-classes:target/classes:$(cat "$work/classpath.txt")" org.openjdk.jmh.Main ComputeBenchmark \
  -jvmArgsAppend "-Dbench.model=$model -Dbench.data=../shared/datasets/brain-mri-253" \
  "${jmh_args[@]}" -rf json -rff "$out/jmh.json" | tee "$out/jmh.txt"

if $quick; then
  python3 bench/bench.py --out "$out" --work "$work" --jmh "$out/jmh.json" --duration 10s --soak-seconds 0 \
    "${peer[@]}" --compare-duration 10s --rounds 1 "$@"
else
  python3 bench/bench.py --out "$out" --work "$work" --jmh "$out/jmh.json" "${peer[@]}" "$@"
fi
echo "results: $out/results.md"
