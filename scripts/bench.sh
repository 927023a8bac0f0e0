#!/usr/bin/env bash
# Times the forward pass natively and as wasm under node (`attnviz bench`) and prints a table with the ratio.
# A benchmark, not a test: run it on a quiet machine (other processes on these cores change the numbers).
#   scripts/bench.sh [MODEL_DIR] [ITERS]        defaults: models/zh-bert-mini, 20
#   NATIVE=path/to/attnviz WASM=path/to/attnviz.js LM=all|none TOKENS="128 512" scripts/bench.sh
# LM=all (default) runs the LM head at every position, as an exported ONNX model computing full logits does;
# LM=none times the encoder alone (what the page runs before it asks for predictions at a few positions).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:-$root/models/zh-bert-mini}
iters=${2:-20}
native=${NATIVE:-$root/build/native/attnviz}
wasm=${WASM:-$root/build/web/attnviz.js}
lm=${LM:-all}
tokens=${TOKENS:-128 512}

field() {  # field NAME JSON_LINE -> the number after "NAME":
  echo "$2" | sed -E "s/.*\"$1\":([0-9.]+).*/\1/"
}

have_native=0
have_wasm=0
[ -x "$native" ] && have_native=1
[ -f "$wasm" ] && have_wasm=1
if [ $have_native = 0 ] && [ $have_wasm = 0 ]; then
  echo "bench: neither $native nor $wasm exists (build the native and web presets first)" >&2
  exit 1
fi

echo "model: $model   iters: $iters   lm head: $lm   (one thread; cpu = CPU time of the pass, steadier than wall on a busy machine)"
row='%-6s | %-34s | %-34s | %-16s\n'
printf "$row" tokens "native ms: median (min) cpu GF/s" "wasm ms: median (min) cpu GF/s" "wasm/native"
printf "$row" ------ ---------------------------------- ---------------------------------- ----------------
for n in $tokens; do
  nat="-"
  was="-"
  ratio="-"
  if [ $have_native = 1 ]; then
    line=$("$native" bench --model "$model" --tokens "$n" --iters "$iters" --lm "$lm")
    nmed=$(field ms_median "$line")
    ncpu=$(field cpu_ms_median "$line")
    nat=$(printf '%.1f (%.1f) cpu %.1f  %s' "$nmed" "$(field ms_min "$line")" "$ncpu" "$(field gflops "$line")")
  fi
  if [ $have_wasm = 1 ]; then
    line=$(node "$wasm" bench --model "$model" --tokens "$n" --iters "$iters" --lm "$lm")
    wmed=$(field ms_median "$line")
    wcpu=$(field cpu_ms_median "$line")
    was=$(printf '%.1f (%.1f) cpu %.1f  %s' "$wmed" "$(field ms_min "$line")" "$wcpu" "$(field gflops "$line")")
  fi
  if [ $have_native = 1 ] && [ $have_wasm = 1 ]; then
    ratio=$(awk -v a="$wmed" -v b="$nmed" -v c="$wcpu" -v d="$ncpu" 'BEGIN { printf "%.2fx (cpu %.2fx)", a / b, c / d }')
  fi
  printf "$row" "$n" "$nat" "$was" "$ratio"
done
