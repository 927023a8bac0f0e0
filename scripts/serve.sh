#!/usr/bin/env bash
# Installs what is missing, builds the page (Emscripten) and serves it on http://127.0.0.1:8080/ with the default
# model (zh-bert-mini). PORT=... to change the port. The page is served cross-origin isolated (COOP/COEP headers: the
# engine uses threads); ATTNVIZ_NO_ISOLATION=1 serves it without them (single-threaded, like a plain static host).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
export NODE_PATH=/usr/share/nodejs
cmake --preset web >/dev/null
cmake --build --preset web --target attnviz_web
port=${PORT:-8080}
echo "attnviz: open http://127.0.0.1:${port}/"
exec node scripts/serve.mjs build/web/page "$port"
