#!/usr/bin/env bash
# The scale scenario (BENCHMARKS.md, "At scale"): bench/scale.sh [--sizes 0,1000000,10000000] [--duration 15s]
#   builds the jar, starts it on a fresh embedded PostgreSQL, fills the data set in bulk (generate_series) to each
#   size and measures GET /MRI (first page, filtered, by cursor), GET /MRI/{id} and POST /MRI there, with the
#   database's size per row. Needs wrk and psql (the PostgreSQL client).
# Results: bench/results/<UTC time>-scale/results.md (and .json, raw wrk outputs, server log).
set -euo pipefail
cd "$(dirname "$0")/.."
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)-scale"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v psql >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null; }
[ "${SKIP_BUILD:-}" = 1 ] || mvn -q -DskipTests package
python3 bench/scale.py --out "$out" --work "$work" "$@"
echo "results: $out/results.md"
