#!/usr/bin/env bash
# Times the forward pass natively and as wasm under node (`attnviz bench`) and prints a table with the ratios.
# A benchmark, not a test: run it on a quiet machine (other processes on these cores change the numbers).
#   scripts/bench.sh [MODEL_DIR] [ITERS]        defaults: models/zh-bert-mini, 20
#   NATIVE=path/to/attnviz WASM=path/to/attnviz.js NATIVE128=path|none LM=all|none TOKENS="128 512" THREADS="1 2" \
#     ORT=1 scripts/bench.sh
# THREADS: extra native columns at those thread counts (the node CLI is single-threaded: the browser benchmark times
# wasm threads). ORT=1: then runs scripts/bench-ort.sh on the same model (onnxruntime-web under node, and attnviz vs
# onnxruntime-web at 1 and 2 threads in headless chromium).
# Three builds of the same code, one thread each:
#   native      the native preset, -march=native (AVX-512 / AVX2 + FMA where the CPU has them, Eigen's kernels);
#   native-128  the same code built for x86-64-v2 (SSE4.2: 128-bit vectors, no FMA), the vector width wasm SIMD has;
#               built here into build/native-v2 on first use (about half a minute); NATIVE128=none skips it;
#   wasm        the web preset's node CLI (-msimd128, our hand-written kernel).
# LM=all (default) runs the LM head at every position, as an exported ONNX model computing full logits does;
# LM=none times the encoder alone (what the page runs before it asks for predictions at a few positions).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:-$root/models/zh-bert-mini}
iters=${2:-20}
native=${NATIVE:-$root/build/native/attnviz}
wasm=${WASM:-$root/build/web/attnviz.js}
native128=${NATIVE128:-$root/build/native-v2/attnviz}
lm=${LM:-all}
tokens=${TOKENS:-128 512}
threads=${THREADS:-1}

if [ "$native128" = "$root/build/native-v2/attnviz" ] && [ ! -x "$native128" ]; then
  echo "bench: building the 128-bit native baseline (build/native-v2, -march=x86-64-v2)..." >&2
  if ! { cmake -S "$root" -B "$root/build/native-v2" -DCMAKE_BUILD_TYPE=Release -DATTNVIZ_MARCH=x86-64-v2 &&
         cmake --build "$root/build/native-v2" --target attnviz -j2; } >/dev/null; then
    echo "bench: could not build it; continuing without the native-128 column" >&2
  fi
fi

field() {  # field NAME JSON_LINE -> the number after "NAME":
  echo "$2" | sed -E "s/.*\"$1\":([0-9.]+).*/\1/"
}

names=()
cmds=()
[ -x "$native" ] && names+=(native) && cmds+=("$native")
for n in $threads; do [ "$n" != 1 ] && [ -x "$native" ] && names+=("native-x$n") && cmds+=("$native --threads $n"); done
[ "$native128" != none ] && [ -x "$native128" ] && names+=(native-128) && cmds+=("$native128")
[ -f "$wasm" ] && names+=(wasm) && cmds+=("node $wasm")
if [ ${#names[@]} = 0 ]; then
  echo "bench: none of $native, $native128, $wasm exists (build the native and web presets first)" >&2
  exit 1
fi

echo "model: $model   iters: $iters   lm head: $lm"
echo "one thread each unless -xN (N threads); ms = wall median (min); cpu = CPU-time median, steadier than wall on a busy machine"
header="tokens"
for n in "${names[@]}"; do header+=$(printf ' | %-32s' "$n ms: median (min) cpu GF/s"); done
[[ " ${names[*]} " == *" wasm "* ]] && header+=" | wasm vs each (cpu)"
echo "$header"
for t in $tokens; do
  row=$(printf '%-6s' "$t")
  declare -A cpu=()
  for i in "${!names[@]}"; do
    line=$(${cmds[$i]%% --threads*} bench --model "$model" --tokens "$t" --iters "$iters" --lm "$lm" \
      $([[ "${cmds[$i]}" == *--threads* ]] && echo "--threads ${cmds[$i]##*--threads }"))
    cpu[${names[$i]}]=$(field cpu_ms_median "$line")
    row+=$(printf ' | %-32s' "$(printf '%.1f (%.1f) cpu %.1f  %s' "$(field ms_median "$line")" "$(field ms_min "$line")" \
      "${cpu[${names[$i]}]}" "$(field gflops "$line")")")
  done
  if [ -n "${cpu[wasm]:-}" ]; then
    ratios=""
    for n in "${names[@]}"; do
      [ "$n" = wasm ] && continue
      ratios+=$(awk -v w="${cpu[wasm]}" -v b="${cpu[$n]}" -v n="$n" 'BEGIN { printf "%s%s %.2fx", "", n, w / b }')"  "
    done
    row+=" | $ratios"
  fi
  echo "$row"
  unset cpu
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${ORT:-0}" = 1 ]; then
  echo
  exec "$root/scripts/bench-ort.sh" "$model" "$iters"
fi
