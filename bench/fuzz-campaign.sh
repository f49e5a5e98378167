#!/usr/bin/env bash
# A longer Jazzer campaign over every fuzz target, one after the other, and a report of what it found.
#
#   bench/fuzz-campaign.sh [--minutes 60] [--report bench/results/fuzz-campaign.md] [--only Target1,Target2]
#                          [--keep-going 20]
#
# The minutes are shared among the targets by weight (the server and OpenCV targets are slower per input and
# get more). Each target runs as mvn test's bounded run does (surefire execution fuzz-bounded, one JVM per
# target, JAZZER_FUZZ=1), only longer. Findings land where Jazzer puts them, next to the target's seeds in
# src/test/resources/**/<Target>Inputs/<method>/ (crash-*, timeout-*): fix each, rename it to say what it is,
# commit it, and mvn test replays it from then on. Nice it: nice -n 10 bench/fuzz-campaign.sh
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=60
keep_going=20
report=bench/results/fuzz-campaign.md
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --report) report="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --keep-going) keep_going="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

# target class and weight (share of the minutes)
targets=(
  "HttpInputsFuzzTest 14"
  "DecodeFuzzTest 10"
  "MetadataStripperFuzzTest 10"
  "ImageHeaderFuzzTest 6"
  "UploadJsonFuzzTest 6"
  "ListFiltersFuzzTest 4"
  "BearerFormatFuzzTest 3"
  "TokenShapeFuzzTest 4"
  "EntityTagsFuzzTest 3"
)
if [ -n "$only" ]; then
  kept=()
  for t in "${targets[@]}"; do
    case ",$only," in *",${t%% *},"*) kept+=("$t") ;; esac
  done
  targets=("${kept[@]}")
fi
total_weight=0
for t in "${targets[@]}"; do total_weight=$((total_weight + ${t##* })); done

logs=target/fuzz-campaign
mkdir -p "$logs" "$(dirname "$report")"
mvn -B -q test-compile
findings_before=$(find src/test/resources -path '*Inputs/*' \( -name 'crash-*' -o -name 'timeout-*' -o -name 'slow-unit-*' \) | sort)
started=$(date -u +%FT%TZ)
rows=""
for t in "${targets[@]}"; do
  name=${t%% *}
  seconds=$(( minutes * 60 * ${t##* } / total_weight ))
  echo "== $name: $seconds s" >&2
  begin=$(date +%s)
  set +e
  # keep_going: a target fuzzes on past a finding (findings with the same stack count once), up to that many
  mvn -B surefire:test@fuzz-bounded -Dfuzz.test="$name" -Dfuzz.seconds="$seconds" -Djazzer.keep_going="$keep_going" \
    >"$logs/$name.log" 2>&1
  rc=$?
  set -e
  wall=$(( $(date +%s) - begin ))
  done_line=$(grep -a -E '^#[0-9]+[[:space:]]+DONE' "$logs/$name.log" | tail -1 || true)
  runs=$(echo "$done_line" | sed -E 's/^#([0-9]+).*/\1/')
  cov=$(echo "$done_line" | sed -nE 's/.*cov: ([0-9]+).*/\1/p')
  corp=$(echo "$done_line" | sed -nE 's/.*corp: ([0-9]+)\/.*/\1/p')
  eps=$(echo "$done_line" | sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p')
  if [ -z "$done_line" ]; then
    # stopped at a finding: libFuzzer's last status line says how far it got
    last=$(grep -a -E '^#[0-9]+' "$logs/$name.log" | tail -1 || true)
    runs=$(echo "$last" | sed -nE 's/^#([0-9]+).*/\1/p'); cov=$(echo "$last" | sed -nE 's/.*cov: ([0-9]+).*/\1/p')
    corp=$(echo "$last" | sed -nE 's/.*corp: ([0-9]+)\/.*/\1/p'); eps=$(echo "$last" | sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p')
  fi
  verdict=$([ $rc -eq 0 ] && echo "no finding" || echo "FINDING (see below)")
  failure=$(grep -a -m1 -E 'FuzzTestFinding|» ' "$logs/$name.log" | sed -E 's/^\[ERROR\][[:space:]]*//' | cut -c1-300 || true)
  rows+="| $name | $seconds | $wall | ${runs:-?} | ${eps:-?} | ${cov:-?} | ${corp:-?} | $verdict |"$'\n'
  if [ -n "$failure" ] && [ $rc -ne 0 ]; then
    rows_failures+="- **$name**: \`${failure//|/\\|}\`"$'\n'
  fi
done
finished=$(date -u +%FT%TZ)
findings_after=$(find src/test/resources -path '*Inputs/*' \( -name 'crash-*' -o -name 'timeout-*' -o -name 'slow-unit-*' \) | sort)
new_findings=$(comm -13 <(echo "$findings_before") <(echo "$findings_after") | sed '/^$/d' || true)

{
  echo "# Fuzzing campaign"
  echo
  echo "Command: \`nice -n 10 bench/fuzz-campaign.sh --minutes $minutes --keep-going $keep_going${only:+ --only $only}\`"
  echo "(Jazzer 0.24.0 through JUnit, one JVM per target; started $started, finished $finished, on $(nproc) cores"
  echo "shared with other work; commit ${FUZZ_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)})."
  echo
  echo "| target | fuzzing s | wall s | inputs run | inputs/s | coverage edges | corpus | result |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s' "$rows"
  echo
  if [ -n "${rows_failures:-}" ] || [ -n "$new_findings" ]; then
    echo "## Findings"
    echo
    printf '%s\n' "${rows_failures:-(past a finding with --keep-going the target passes: see the inputs below and the logs)}"
    echo
    echo "New inputs kept by Jazzer (commit each with its fix, renamed to say what it is):"
    echo
    echo "$new_findings" | sed 's/^/- /'
  else
    echo "No target found anything: every input ran gave a valid result or a clear refusal."
  fi
  echo
  echo "Logs: \`$logs/<target>.log\` (not committed)."
} >"$report"
echo "report: $report" >&2
