#!/usr/bin/env bash
# Runs the tokenizer oracle (tests/oracle) on new random seeds until SECONDS run out: every tokenizer of
# tests/oracle/oracle.mjs against Hugging Face's tokenizers (npm). Writes each mismatch, shrunk to a minimal case,
# as a JSON line to OUT (default build/fuzz-tokenizers/mismatches.jsonl); exits 1 if there was any.
#   scripts/fuzz-tokenizers.sh SECONDS [OUT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -le 0 ]; then
  echo "usage: scripts/fuzz-tokenizers.sh SECONDS [OUT.jsonl]" >&2
  exit 2
fi
if [ ! -f node_modules/tokenizers/package.json ]; then bash scripts/setup.sh; fi
if [ ! -x build/native/attnviz ]; then
  cmake --preset native >/dev/null && cmake --build --preset native --target attnviz >/dev/null
fi
exec node tests/oracle/fuzz.mjs "$@"
