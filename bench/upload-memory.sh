#!/usr/bin/env bash
# Issue 6's upload target: peak memory of `batchai submit` whose one provider batch file is about 200 MB (50,000
# OpenAI requests of about 4 KB each), uploaded to `batchai emulator` on 127.0.0.1, beside the same submit with
# --dry-run (everything but the upload). Peak resident memory from /usr/bin/time -v; the emulator is not counted.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/emulator.sh
start_emulator --processing-seconds 1

python3 - "$work/big.csv" <<'PY'
import csv, sys
with open(sys.argv[1], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["ticket_id", "body"])
    for i in range(1, 50_001):
        w.writerow([f"T-{i:07d}", (f"Ticket {i}: the printer on floor 3 jams, Zoë says. " * 80)[:4000]])
PY
for mode in dry-run upload; do
  extra=(); [ "$mode" = dry-run ] && extra=(--dry-run)
  /usr/bin/time -v $batchai submit --input "$work/big.csv" --model gpt-4o-mini --prompt '{body}' --id-column ticket_id \
    --base-url "$url" --max-queued-tokens 0 --store "$work/store-$mode" --quiet "${extra[@]}" > /dev/null 2> "$work/$mode.time" || { cat "$work/$mode.time" >&2; exit 1; }
  part=$(find "$work/store-$mode/jobs" -name 'part-0001.jsonl' -printf '%s')
  printf '%-8s batch file %5.0f MB   peak RSS %4.0f MB   %s s\n' "$mode" "$((part / 1000000))" \
    "$(awk -F': ' '/Maximum resident/ { print $2 / 1024 }' "$work/$mode.time")" \
    "$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$work/$mode.time")"
done
