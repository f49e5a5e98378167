#!/usr/bin/env bash
# The cost of the event-bus hop (BENCHMARKS.md "Cluster"): bench/cluster.sh [bench/cluster.py options]
# Builds the jar, then POST /MRI under wrk through `all`, api + 1 inference node, api + 2 inference nodes, all on
# this machine, one PostgreSQL (Debian's postgresql 15, installed with wrk if missing). Runs as root (the database
# runs as the postgres user). Results: bench/results/cluster-<UTC time>/results.md (and .json, wrk outputs, logs).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1 || [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk postgresql >/dev/null
fi
out="bench/results/cluster-$(date -u +%Y%m%dT%H%M%SZ)"
mvn -q -DskipTests package
python3 bench/cluster.py --out "$out" "$@"
echo "results: $out/results.md"
