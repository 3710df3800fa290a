#!/usr/bin/env bash
# Process-level figures of issue 6: `batchai submit --dry-run` (everything up to the upload: requests read, built,
# validated, split into provider batch files, ledger written) and `batchai receive` (download the results from
# `batchai emulator` on 127.0.0.1, parse, check, join to the records, write the CSV), each beside the Python script a
# user would write for the same transform (bench/baseline/prepare.py and join.py: the csv and json modules; the join
# both from files already on disk and downloading them from the emulator as batchai does). Wall time
# and peak resident memory come from /usr/bin/time -v; the emulator runs as its own process and is not counted.
# Usage: bench/versus-python.sh [rows ...]        (default: 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(100000 1000000); fi
source bench/emulator.sh
start_emulator --processing-seconds 1
prompt=$'Classify: {subject}\n{body}'

# measure <label> <command...>: runs it under /usr/bin/time -v; sets $seconds and $megabytes.
measure() {
  local label=$1; shift
  /usr/bin/time -v "$@" > "$work/$label.out" 2> "$work/$label.time" || { cat "$work/$label.time" >&2; exit 1; }
  seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$work/$label.time")
  megabytes=$(awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' "$work/$label.time")
}

printf '| rows | step | batchai s | batchai peak MB | Python s | Python peak MB | Python / batchai |\n|---:|---|---:|---:|---:|---:|---:|\n'
for n in "${sizes[@]}"; do
  input="$work/rows-$n.csv"
  python3 bench/baseline/rows.py "$n" "$input"

  measure dry-run $batchai submit --input "$input" --model gpt-4o-mini --prompt "$prompt" --id-column ticket_id \
    --provider openai --dry-run --store "$work/dry-$n" --quiet
  ours=$seconds; ours_mb=$megabytes
  measure prepare-py python3 bench/baseline/prepare.py "$input" "$work/requests-$n.jsonl"
  printf '| %s | prepare | %.2f | %s | %.2f | %s | %.1fx |\n' "$n" "$ours" "$ours_mb" "$seconds" "$megabytes" "$(echo "$seconds / $ours" | bc -l)"

  # A real run on the emulator, provider files kept so the Python join can read the same output files.
  store="$work/store-$n"
  $batchai submit --input "$input" --model gpt-4o-mini --prompt "$prompt" --id-column ticket_id --base-url "$url" \
    --max-queued-tokens 0 --keep-provider-files --store "$store" --quiet > "$work/submit.out"
  job=$(tail -1 "$work/submit.out")
  $batchai wait "$job" --store "$store" --quiet > /dev/null
  measure receive $batchai receive "$job" --out "$work/out-$n.csv" --store "$store" --quiet
  ours=$seconds; ours_mb=$megabytes
  mapfile -t ids < <(python3 - "$store/jobs/$job/manifest.json" <<'PY'
import json, sys
for part in json.load(open(sys.argv[1]))["parts"]:
    print(part["resultLocations"]["output_file_id"])
PY
)
  outputs=("${ids[@]/#/$work/emulator/files/}"); outputs=("${outputs[@]/%/.bin}")
  measure join-py python3 bench/baseline/join.py "$input" "$work/joined-$n.csv" "${outputs[@]}"
  printf '| %s | receive (Python reads the files from disk) | %.2f | %s | %.2f | %s | %.1fx |\n' "$n" "$ours" "$ours_mb" "$seconds" "$megabytes" "$(echo "$seconds / $ours" | bc -l)"
  measure join-py-download python3 bench/baseline/join.py "$input" "$work/joined-$n.csv" --download "$url" "${ids[@]}"
  printf '| %s | receive (Python downloads them too) | %.2f | %s | %.2f | %s | %.1fx |\n' "$n" "$ours" "$ours_mb" "$seconds" "$megabytes" "$(echo "$seconds / $ours" | bc -l)"
  [ "$(wc -l < "$work/joined-$n.csv")" -gt 0 ] && rm -rf "$work/dry-$n" "$store" "$work"/requests-*.jsonl
done
