#!/usr/bin/env bash
# Peak memory (RSS) and wall time of 'batchai submit' and 'batchai receive' as the number of rows grows, against
# 'batchai emulator' on 127.0.0.1 (a separate process, so its memory is not counted). Needs /usr/bin/time and python3.
# Usage: bench/measure-memory.sh [rows ...]        (default: 20000 100000 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(20000 100000 200000); fi
source bench/emulator.sh
start_emulator --processing-seconds 1

printf '%-8s %-8s %12s %10s\n' rows verb "peak RSS MB" "seconds"
for n in "${sizes[@]}"; do
  python3 bench/baseline/rows.py "$n" "$work/rows-$n.csv"
  store="$work/store-$n"
  /usr/bin/time -v $batchai submit --input "$work/rows-$n.csv" --model gpt-4o-mini --prompt $'Classify: {subject}\n{body}' \
    --id-column ticket_id --base-url "$url" --store "$store" --quiet > "$work/submit.out" 2> "$work/submit.time"
  job=$(tail -1 "$work/submit.out")
  $batchai wait "$job" --store "$store" --quiet > /dev/null
  /usr/bin/time -v $batchai receive "$job" --out "$work/out-$n.csv" --store "$store" --quiet > /dev/null 2> "$work/receive.time"
  for verb in submit receive; do
    rss=$(awk -F: '/Maximum resident/ {print $2}' "$work/$verb.time")
    wall=$(awk '/Elapsed/ {print $NF}' "$work/$verb.time")
    printf '%-8s %-8s %12.0f %10s\n' "$n" "$verb" "$((rss / 1024))" "$wall"
  done
done
