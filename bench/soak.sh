#!/usr/bin/env bash
# The reliability soak of issue 4: BATCHAI_SOAK_RECORDS records (default 100,000) through `batchai emulator` with
# --fault-rate 0.1 --error-rate 0.05 --expire-rate 0.2 --seed 2026, resubmitted (up to 10 attempts) until nothing
# retryable is left, then received; checks one result per custom id, in input order, and that only permanent
# failures remain, each with its reason. Prints the figures per attempt (the README quotes them).
# CI runs the same test with 5,000 records as part of ./test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export BATCHAI_SOAK_RECORDS="${BATCHAI_SOAK_RECORDS:-100000}"
dotnet build tests/BatchAI.Cli.Tests -c Release -v quiet -nologo
dotnet test tests/BatchAI.Cli.Tests -c Release --no-build --filter "FullyQualifiedName~SoakTests" --logger "console;verbosity=detailed" \
  | grep -E "records, fault|after attempt|final:|wall time|Passed|Failed" 
