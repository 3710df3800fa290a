#!/usr/bin/env bash
# Process-level figures of issue 6: `batchai submit --dry-run` (everything up to the upload: requests read, built,
# validated, split into provider batch files, ledger written) and `batchai receive` (download the results from
# `batchai emulator` on 127.0.0.1, parse, check, join to the records, write the CSV), each beside the Python script a
# user would write for the same transform (bench/baseline/prepare.py and join.py: the csv and json modules; the join
# both from files already on disk and downloading them from the emulator as batchai does). Wall time
# and peak resident memory come from /usr/bin/time -v; the emulator runs as its own process and is not counted.
# This machine's speed drifts from minute to minute, so each step runs RUNS times (default 3), ours and Python's in
# turn, and the table gives the median of each (the range beside it) and the ratio of the medians.
# Usage: [RUNS=3] bench/versus-python.sh [rows ...]        (default: 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(100000 1000000); fi
source bench/emulator.sh
start_emulator --processing-seconds 1
prompt=$'Classify: {subject}\n{body}'

# measure <label> <command...>: runs it under /usr/bin/time -v; sets $seconds and $megabytes.
measure() {
  local label=$1; shift
  # Each timed run, ours and the script's, starts with nothing waiting to be written to disk, so that no run pays for
  # writing back what the set-up, the copies between runs or the run before wrote (gigabytes at 1,000,000 rows).
  sync
  /usr/bin/time -v "$@" > "$work/$label.out" 2> "$work/$label.time" || { cat "$work/$label.time" >&2; exit 1; }
  seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$work/$label.time")
  megabytes=$(awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' "$work/$label.time")
}

runs=${RUNS:-3}

# median <numbers...> and range <numbers...>: of the seconds one step took in each run.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'; }

# compare <rows> <step> <our command's array> <their command's array>: both, in turn, $runs times; one table row.
# "$before" is run ahead of each of ours (to put the store back as it was).
compare() {
  local n=$1 step=$2 ours=() theirs=() ours_mb=0 theirs_mb=0
  local -n ours_cmd=$3 theirs_cmd=$4
  for _ in $(seq "$runs"); do
    eval "${before:-true}"
    measure ours "${ours_cmd[@]}"; ours+=("$seconds"); [ "$megabytes" -gt "$ours_mb" ] && ours_mb=$megabytes
    measure theirs "${theirs_cmd[@]}"; theirs+=("$seconds"); [ "$megabytes" -gt "$theirs_mb" ] && theirs_mb=$megabytes
  done
  echo "  $n $step, each run in order: batchai ${ours[*]} | Python ${theirs[*]}" >&2 # the table gives medians; this shows drift
  local a b; a=$(median "${ours[@]}"); b=$(median "${theirs[@]}")
  printf '| %s | %s | %.2f (%s) | %s | %.2f (%s) | %s | %.1fx |\n' "$n" "$step" "$a" "$(range "${ours[@]}")" "$ours_mb" "$b" "$(range "${theirs[@]}")" "$theirs_mb" "$(echo "$b / $a" | bc -l)"
}

printf '| rows | step | batchai s, median (range) | batchai peak MB | Python s, median (range) | Python peak MB | Python / batchai |\n|---:|---|---:|---:|---:|---:|---:|\n'
for n in "${sizes[@]}"; do
  input="$work/rows-$n.csv"
  python3 bench/baseline/rows.py "$n" "$input"

  before="rm -rf '$work/dry-$n'"
  ours_prepare=($batchai submit --input "$input" --model gpt-4o-mini --prompt "$prompt" --id-column ticket_id --provider openai --dry-run --store "$work/dry-$n" --quiet)
  python_prepare=(python3 bench/baseline/prepare.py "$input" "$work/requests-$n.jsonl")
  compare "$n" prepare ours_prepare python_prepare

  # A real run on the emulator, provider files kept so the Python join can read the same output files.
  store="$work/store-$n"
  $batchai submit --input "$input" --model gpt-4o-mini --prompt "$prompt" --id-column ticket_id --base-url "$url" \
    --max-queued-tokens 0 --keep-provider-files --store "$store" --quiet > "$work/submit.out"
  job=$(tail -1 "$work/submit.out")
  $batchai wait "$job" --store "$store" --quiet > /dev/null
  cp -a "$store" "$store.waited" # each receive starts from the job as waiting left it: nothing downloaded
  mapfile -t ids < <(python3 - "$store/jobs/$job/manifest.json" <<'PY'
import json, sys
for part in json.load(open(sys.argv[1]))["parts"]:
    print(part["resultLocations"]["output_file_id"])
PY
)
  outputs=("${ids[@]/#/$work/emulator/files/}"); outputs=("${outputs[@]/%/.bin}")
  before="rm -rf '$store' && cp -a '$store.waited' '$store'"
  ours_receive=($batchai receive "$job" --out "$work/out-$n.csv" --store "$store" --quiet)
  python_join=(python3 bench/baseline/join.py "$input" "$work/joined-$n.csv" "${outputs[@]}")
  python_download=(python3 bench/baseline/join.py "$input" "$work/joined-$n.csv" --download "$url" "${ids[@]}")
  compare "$n" "receive (Python reads the files from disk)" ours_receive python_join
  compare "$n" "receive (Python downloads them too)" ours_receive python_download
  before=
  [ "$(wc -l < "$work/joined-$n.csv")" -gt 0 ] && rm -rf "$work/dry-$n" "$store" "$store.waited" "$work"/requests-*.jsonl
done
