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

echo "model: $model   iters: $iters   lm head: $lm   (one thread)"
printf '%-7s | %-22s | %-22s | %-11s\n' tokens "native ms med (min)" "wasm ms med (min)" "wasm/native"
printf '%-7s-+-%-22s-+-%-22s-+-%-11s\n' ------- ---------------------- ---------------------- -----------
for n in $tokens; do
  nat="-"
  was="-"
  ratio="-"
  if [ $have_native = 1 ]; then
    line=$("$native" bench --model "$model" --tokens "$n" --iters "$iters" --lm "$lm")
    nmed=$(field ms_median "$line")
    nat=$(printf '%.1f (%.1f) %s GF/s' "$nmed" "$(field ms_min "$line")" "$(field gflops "$line")")
  fi
  if [ $have_wasm = 1 ]; then
    line=$(node "$wasm" bench --model "$model" --tokens "$n" --iters "$iters" --lm "$lm")
    wmed=$(field ms_median "$line")
    was=$(printf '%.1f (%.1f) %s GF/s' "$wmed" "$(field ms_min "$line")" "$(field gflops "$line")")
  fi
  if [ $have_native = 1 ] && [ $have_wasm = 1 ]; then
    ratio=$(awk -v a="$wmed" -v b="$nmed" 'BEGIN { printf "%.2fx", a / b }')
  fi
  printf '%-7s | %-22s | %-22s | %-11s\n' "$n" "$nat" "$was" "$ratio"
done
