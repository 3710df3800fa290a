#!/usr/bin/env bash
# The comparison to run before changing a workflow (issue 5): the same 2,000 ticket rows once through the real-time
# lane and once as a batch, against `batchai emulator` on 127.0.0.1 with a rate limit of 600 requests a minute on its
# synchronous endpoints and 60-second batches. Run twice: the real-time lane kept under the limit on the client side,
# then without that (so it meets the provider's 429s and retries). Prints both reports as JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'kill "${emulator:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet build src/BatchAI.Cli -c Release -v quiet -nologo >/dev/null
cli=(dotnet src/BatchAI.Cli/bin/Release/net10.0/batchai.dll)
python3 - "$work/tickets.csv" <<'PY'
import csv, random, sys
random.seed(7)
subjects = ["Login fails", "Charged twice", "Export says Error 500", "Cannot reset password", "Invoice missing",
            "App crashes on start", "Feature request: dark mode", "Slow dashboard"]
with open(sys.argv[1], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["ticket_id", "subject", "body"])
    for i in range(1, 2001):
        s = random.choice(subjects)
        w.writerow([f"T-{i:05d}", s, f"Ticket {i}: {s}. Customer says it started yesterday; priority {i % 5}."])
PY
port=18183
"${cli[@]}" emulator --port "$port" --processing-seconds 60 --requests-per-minute 600 >"$work/emulator.log" 2>&1 &
emulator=$!
sleep 3
common=(--input "$work/tickets.csv" --model gpt-4o-mini --prompt "Triage this ticket: {subject}\n{body}" --id-column ticket_id
        --base-url "http://127.0.0.1:$port/v1" --max-concurrency 8 --store "$work/store" --json)
echo "== the real-time lane kept under 600 requests a minute"
"${cli[@]}" side-by-side "${common[@]}" --requests-per-minute 600
sleep 61   # let the emulator's window empty before the next run
echo "== the real-time lane with no client-side limit"
"${cli[@]}" side-by-side "${common[@]}"
