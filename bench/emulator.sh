# Sourced by the bench scripts that time `batchai` as a process against `batchai emulator` on 127.0.0.1.
# start_emulator [options...]: builds the CLI, makes $work (a temporary folder), starts the emulator there on a free
# port with the options given, and sets $batchai (the command to time) and $url (the OpenAI base URL). On exit the
# emulator is stopped (it is a process of its own, so its memory is never counted) and $work removed.
start_emulator() {
  work=$(mktemp -d)
  trap 'kill "$emulator" 2>/dev/null; wait "$emulator" 2>/dev/null || true; rm -rf "$work"' EXIT
  dotnet build src/BatchAI.Cli -c Release -v quiet -nologo >/dev/null
  batchai="dotnet src/BatchAI.Cli/bin/Release/net10.0/batchai.dll"
  $batchai emulator --port 0 --state "$work/emulator" "$@" > "$work/emulator.out" 2>&1 &
  emulator=$!
  for _ in $(seq 100); do grep -q 'OpenAI base URL' "$work/emulator.out" && break; sleep 0.2; done
  url=$(grep -o 'OpenAI base URL: [^)]*' "$work/emulator.out" | sed 's/OpenAI base URL: //')
  [ -n "$url" ] || { echo "batchai emulator did not start:" >&2; cat "$work/emulator.out" >&2; exit 1; }
  export OPENAI_API_KEY=sk-bench-emulator
}
