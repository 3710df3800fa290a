#!/usr/bin/env bash
# The test command: every test that can run on this machine, and a plain statement about any that cannot.
set -euo pipefail
cd "$(dirname "$0")"

echo "==> npm packages of the contract checks (official OpenAI client, OpenAPI validator, PowerShell grammar)"
npm ci --prefix tests/contract

echo "==> .NET tests: engine, emulator, CLI (in-process, and as processes on 127.0.0.1), cmdlet contracts, contract checks,"
echo "    and the module in PowerShell 7.6 hosted in-process (BatchAI.Module.Tests), which also runs the Pester suite"
dotnet test BatchAI.sln -c Release

if command -v pwsh >/dev/null 2>&1; then
  echo "==> pwsh: the Pester suite in this machine's own PowerShell, and PSScriptAnalyzer"
  pwsh -NoProfile -NonInteractive -File ./build.ps1 -Task Test -PowerShellOnly
else
  echo "==> pwsh is not installed here: PSScriptAnalyzer did NOT run (it is not served as a package here), and the"
  echo "    Pester suite ran only in the hosted PowerShell 7.6 above, not in Windows PowerShell 5.1."
  echo "    Where pwsh exists, this script runs both: ./build.ps1 -Task Test"
fi
