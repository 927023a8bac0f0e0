#!/usr/bin/env bash
# Times onnxruntime-web 1.30 (wasm backend, one thread, SIMD) under node on the same model as `attnviz bench`, with
# every layer's attention probabilities as outputs, after checking the ONNX model against attnviz's native CLI.
# Then (scripts/bench-web.mjs) both in headless chromium on a cross-origin isolated page, at 1 and 2 threads: the
# in-page comparison. A benchmark, not a test (not in scripts/test.sh or CI): it installs ~150 MB of npm packages into
# bench/ort on first use. Run it on a quiet machine; the CPU-time column is steadier than wall time on shared cores.
#   scripts/bench-ort.sh [MODEL_DIR] [ITERS]        defaults: models/zh-bert-mini, 20
#   NATIVE=path/to/attnviz LM="all none" TOKENS="128 512" THREADS="1 2" WEB=0|1 WEB_LM="none all" WEB_ITERS=N \
#     scripts/bench-ort.sh
# BERT-base shape (the issue's figures): build/native/attnviz bench --make-model base /tmp/base &&
#   scripts/bench-ort.sh /tmp/base 5
# The ONNX model (opset 17, float32) is written from MODEL_DIR's safetensors by bench/ort/build_onnx.mjs into
# build/ort/MODEL_NAME/ (model-lm-all.onnx: logits at every position, as `attnviz bench --lm all`;
# model-lm-none.onnx: encoder only, as `--lm none`). Prints one JSON line per (tokens, lm), then a table.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
model=${1:-models/zh-bert-mini}
iters=${2:-20}
native=${NATIVE:-build/native/attnviz}
lm=${LM:-all none}
tokens=${TOKENS:-128 512}
out=build/ort/$(basename "$model")

if [ ! -d bench/ort/node_modules/onnxruntime-web ]; then
  echo "bench-ort: npm ci in bench/ort (onnxruntime-web, ~150 MB)..." >&2
  (cd bench/ort && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ ! -x "$native" ]; then
  echo "bench-ort: building the native CLI (for the correctness check)..." >&2
  cmake --preset native >/dev/null && cmake --build --preset native --target attnviz >/dev/null
fi
for lm_ in $lm; do  # (re)write the ONNX models when missing or older than their sources
  f=$out/model-lm-$lm_.onnx
  if [ ! -f "$f" ] || [ bench/ort/build_onnx.mjs -nt "$f" ] || [ "$model/model.safetensors" -nt "$f" ]; then
    node bench/ort/build_onnx.mjs "$model" "$out"
    break
  fi
done
node bench/ort/bench.mjs --model "$model" --onnx "$out" --cli "$native" --tokens "$tokens" --lm "$lm" --iters "$iters"

# In the browser: attnviz vs onnxruntime-web at 1 and 2 threads (THREADS), on a cross-origin isolated page in headless
# chromium (scripts/bench-web.mjs). WEB=0 skips it. Needs the web preset's bench wasm, built here when missing.
if [ "${WEB:-1}" != 0 ]; then
  echo "bench-ort: building the browser benchmark's wasm if out of date (web preset, target attnviz_bench_mt)..." >&2
  (export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}; [ -f build/web/CMakeCache.txt ] || cmake --preset web >/dev/null
   cmake --build --preset web --target attnviz_bench_mt >/dev/null)
  for lm_ in ${WEB_LM:-none}; do
    node scripts/bench-web.mjs --model "$model" --onnx "$out" --tokens "$tokens" --threads "${THREADS:-1 2}" \
      --iters "${WEB_ITERS:-$iters}" --lm "$lm_"
  done
fi
