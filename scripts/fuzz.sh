#!/usr/bin/env bash
# Builds the libFuzzer targets (preset fuzz: clang, ASan + UBSan) and runs each for a bounded time.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s; all targets of build/fuzz/fuzz_targets.txt)
# Seeds are made from the test data by fuzz/make_seeds.py; each target's corpus grows in build/fuzz/corpus/NAME
# between runs. A crash, leak, timeout or UB report is written to build/fuzz/crashes/NAME-* (reproduce with
# build/fuzz/fuzz/fuzz_NAME FILE). Prints "fuzz: NAME: ok|FOUND ..." per target; exits 1 when anything was found
# or a build failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-60}
shift || true
case "$secs" in (*[!0-9]*|'') echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2;; esac

out=build/fuzz
mkdir -p "$out/crashes" "$out/corpus" "$out/logs"
if ! { cmake --preset fuzz >"$out/logs/config.log" 2>&1 && cmake --build --preset fuzz >"$out/logs/build.log" 2>&1; }; then
  tail -n 40 "$out/logs/config.log" "$out/logs/build.log" >&2
  echo "fuzz: build failed" >&2
  exit 1
fi
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < "$out/fuzz_targets.txt"; fi
rm -rf "$out/seeds"
python3 fuzz/make_seeds.py "$out/seeds" "${targets[@]}" >/dev/null || { echo "fuzz: seeds failed" >&2; exit 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
found=0
for t in "${targets[@]}"; do
  bin="$out/fuzz/fuzz_$t"
  if [ ! -x "$bin" ]; then echo "fuzz: $t: FOUND no such target ($bin)"; found=1; continue; fi
  mkdir -p "$out/corpus/$t"
  dict=(); [ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
  opts=(); [ -f "fuzz/options/$t" ] && read -ra opts < "fuzz/options/$t"  # per-target flags (later ones win)
  log="$out/logs/$t.log"
  before=$(ls "$out/crashes" | grep -c "^$t-" || true)
  # -max_len as in make_seeds.py; -timeout: one input slower than 25 s is a finding; -rss_limit_mb / -malloc_limit_mb:
  # an input of at most 64 KiB that makes the reader allocate more than 1 GiB is a finding (sizes unchecked).
  "$bin" "${dict[@]}" -max_total_time="$secs" -max_len=65536 -timeout=25 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -print_final_stats=1 "${opts[@]}" -artifact_prefix="$out/crashes/$t-" "$out/corpus/$t" "$out/seeds/$t" >"$log" 2>&1
  rc=$?
  after=$(ls "$out/crashes" | grep -c "^$t-" || true)
  runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
  if [ "$rc" = 0 ] && [ "$after" = "$before" ]; then
    echo "fuzz: $t: ok (${runs:-?} runs in ${secs}s, coverage ${cov:-?} edges)"
  else
    found=1
    echo "fuzz: $t: FOUND (exit $rc; log $log; artifacts $out/crashes/$t-*)"
    grep -E 'ERROR: |FUZZ_CHECK|runtime error|SUMMARY' "$log" | head -n 8 >&2
  fi
done
exit $found
