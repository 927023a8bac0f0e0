#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test: the doctest suite natively, the same suite as
# wasm under node, the CLI checks (native and wasm), and the browser tests (playwright-core driving Debian's
# chromium). Ends with one line: "N passed, N failed".
#   ATTNVIZ_ASAN=1  also builds the asan preset and runs the suite under AddressSanitizer + UBSan.
#   ATTNVIZ_FUZZ_SECONDS=N  seconds per libFuzzer target in the fuzz stage (default 30; 0 skips the stage).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export NODE_PATH=/usr/share/nodejs

passed=0
failed=0
log_dir=build/test-logs
mkdir -p "$log_dir"

fail_stage() {  # a stage that could not even run counts as one failure
  echo "test: FAILED: $1" >&2
  failed=$((failed + 1))
}

# doctest's summary: "[doctest] test cases: 40 | 39 passed | 1 failed | 0 skipped"
count_doctest() {
  local name=$1 log=$2 rc=$3 line p f
  line=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^\[doctest\] test cases:' | tail -n 1)
  if [ -z "$line" ]; then
    tail -n 30 "$log" >&2
    fail_stage "$name crashed before its summary (exit $rc; log $log)"
    return
  fi
  p=$(echo "$line" | sed -E 's/.*\| *([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.*\| *([0-9]+) failed.*/\1/')
  echo "test: $name: $p passed, $f failed"
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" != 0 ]; then grep -E 'ERROR|FAILED|CHECK|REQUIRE' "$log" | head -n 40 >&2; fi
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then fail_stage "$name exited $rc"; fi
}

# node --test summary: "# pass 12" / "# fail 0"
count_node() {
  local name=$1 log=$2 rc=$3 p f s c
  p=$(grep -E '^# pass [0-9]+' "$log" | tail -n 1 | awk '{print $3}')
  f=$(grep -E '^# fail [0-9]+' "$log" | tail -n 1 | awk '{print $3}')
  if [ -z "$p" ] || [ -z "$f" ]; then
    tail -n 30 "$log" >&2
    fail_stage "$name gave no summary (exit $rc; log $log)"
    return
  fi
  s=$(grep -E '^# skipped [0-9]+' "$log" | tail -n 1 | awk '{print $3}')
  c=$(grep -E '^# cancelled [0-9]+' "$log" | tail -n 1 | awk '{print $3}')
  f=$((f + ${c:-0}))  # a cancelled test (a hook that threw or timed out) did not pass
  echo "test: $name: $p passed, $f failed${s:+, $s skipped}"
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" != 0 ]; then grep -E '^not ok|error:|expected|actual' "$log" | head -n 60 >&2; fi
  # In CI everything a test needs is installed and built: a skipped test there hides a missing step.
  if [ "${CI:-}" = true ] && [ "${s:-0}" != 0 ]; then
    grep -E '# SKIP' "$log" | head -n 10 >&2
    fail_stage "$name skipped $s tests in CI"
  fi
}

if ! bash scripts/setup.sh; then
  fail_stage "setup"
  echo "$passed passed, $failed failed"
  exit 1
fi

# 1. native: Release CLI + doctest suite
echo "test: building native"
if cmake --preset native >"$log_dir/native-config.log" 2>&1 && \
   cmake --build --preset native --target attnviz attnviz_tests >"$log_dir/native-build.log" 2>&1; then
  build/native/attnviz_tests --no-colors=true >"$log_dir/native-tests.log" 2>&1; rc=$?
  count_doctest "native doctest" "$log_dir/native-tests.log" $rc
else
  tail -n 40 "$log_dir/native-build.log" "$log_dir/native-config.log" >&2
  fail_stage "native build"
fi

# 2. optional: the same suite under ASan + UBSan
if [ "${ATTNVIZ_ASAN:-0}" = 1 ]; then
  echo "test: building asan"
  if cmake --preset asan >"$log_dir/asan-config.log" 2>&1 && \
     cmake --build --preset asan --target attnviz attnviz_tests >"$log_dir/asan-build.log" 2>&1; then
    build/asan/attnviz_tests --no-colors=true >"$log_dir/asan-tests.log" 2>&1; rc=$?
    count_doctest "asan doctest" "$log_dir/asan-tests.log" $rc
  else
    tail -n 40 "$log_dir/asan-build.log" >&2
    fail_stage "asan build"
  fi
fi

# 3. web: the page, the node CLI and the suite as wasm under node
echo "test: building web (emscripten)"
if cmake --preset web >"$log_dir/web-config.log" 2>&1 && \
   cmake --build --preset web >"$log_dir/web-build.log" 2>&1; then
  node build/web/attnviz_tests.js --no-colors=true >"$log_dir/wasm-tests.log" 2>&1; rc=$?
  count_doctest "wasm doctest (node)" "$log_dir/wasm-tests.log" $rc
  web_ok=1
else
  tail -n 40 "$log_dir/web-build.log" "$log_dir/web-config.log" >&2
  fail_stage "web build"
  web_ok=0
fi

# 4. CLI checks (native and wasm CLI against the reference vectors) and browser tests
if ls tests/cli/*.test.mjs >/dev/null 2>&1; then
  node --test --test-reporter=tap tests/cli/ >"$log_dir/cli-tests.log" 2>&1; rc=$?
  count_node "CLI" "$log_dir/cli-tests.log" $rc
fi
# The tokenizer oracle: Hugging Face's tokenizers (npm) against the native CLI on seeded odd text (tests/oracle).
if [ -x build/native/attnviz ] && ls tests/oracle/*.test.mjs >/dev/null 2>&1; then
  node --test --test-reporter=tap tests/oracle/ >"$log_dir/oracle-tests.log" 2>&1; rc=$?
  count_node "tokenizer oracle" "$log_dir/oracle-tests.log" $rc
fi
if [ "$web_ok" = 1 ] && ls tests/browser/*.test.mjs >/dev/null 2>&1; then
  node --test --test-concurrency=1 --test-reporter=tap tests/browser/ >"$log_dir/browser-tests.log" 2>&1; rc=$?
  count_node "browser" "$log_dir/browser-tests.log" $rc
fi

# 5. fuzz: every libFuzzer target (fuzz/, clang + ASan + UBSan) for a bounded time; each target is one test
fuzz_secs=${ATTNVIZ_FUZZ_SECONDS:-30}
if [ "$fuzz_secs" != 0 ]; then
  echo "test: fuzzing (${fuzz_secs}s per target)"
  bash scripts/fuzz.sh "$fuzz_secs" >"$log_dir/fuzz.log" 2>&1; rc=$?
  p=$(grep -cE '^fuzz: [a-z0-9_]+: ok' "$log_dir/fuzz.log")
  f=$(grep -cE '^fuzz: [a-z0-9_]+: FOUND' "$log_dir/fuzz.log")
  echo "test: fuzz: $p passed, $f failed"
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" != 0 ]; then grep -E 'FOUND|ERROR|FUZZ_CHECK|runtime error' "$log_dir/fuzz.log" | head -n 30 >&2; fi
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then tail -n 30 "$log_dir/fuzz.log" >&2; fail_stage "fuzz exited $rc"; fi
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
