#!/usr/bin/env bash
# The test command: every test that can run on this machine, and a plain statement about any that cannot.
set -euo pipefail
cd "$(dirname "$0")"

echo "==> npm packages of the contract checks (official OpenAI client, OpenAPI validator, PowerShell grammar)"
npm ci --prefix tests/contract

echo "==> .NET tests: engine, emulator, CLI (in-process, and as processes on 127.0.0.1), cmdlet contracts, contract checks"
dotnet test BatchAI.sln -c Release

if command -v pwsh >/dev/null 2>&1; then
  echo "==> PowerShell: the Pester suite and PSScriptAnalyzer"
  pwsh -NoProfile -NonInteractive -File ./build.ps1 -Task Test -PowerShellOnly
else
  echo "==> PowerShell is not installed here: the Pester suite (tests/Pester) and PSScriptAnalyzer did NOT run."
  echo "    Every .ps1/.psm1/.psd1 file was parsed by a PowerShell grammar instead (ContractCheckTests)."
  echo "    Where pwsh exists, this script runs them: ./build.ps1 -Task Test"
fi
