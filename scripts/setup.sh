#!/usr/bin/env bash
# Installs what attnviz needs on Debian 12, idempotently: Debian packages, Dear ImGui 1.86 sources (from Debian's
# source package, through a private apt configuration that never touches the machine's sources), npm packages.
# Fast when everything is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

pkgs=(emscripten libeigen3-dev doctest-dev libglfw3-dev nlohmann-json3-dev libutf8proc-dev unicode-data
      fonts-wqy-microhei chromium xz-utils
      clang libclang-rt-14-dev llvm)  # clang + libclang-rt: the libFuzzer targets (fuzz/, scripts/fuzz.sh)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Dear ImGui 1.86 sources into third_party/imgui (git-ignored).
if [ ! -f third_party/imgui/imgui.cpp ]; then
  echo "setup: fetching Dear ImGui 1.86 sources (Debian source package)"
  scratch=$(mktemp -d)
  mkdir -p "$scratch/sources.list.d" "$scratch/lists/partial" "$scratch/dl"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed 's/^Types:.*/Types: deb-src/' "$f" > "$scratch/sources.list.d/$(basename "$f")"
  done
  if [ -f /etc/apt/sources.list ]; then
    grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > "$scratch/sources.list.d/main.list" || true
  fi
  aptopts=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$scratch/sources.list.d"
           -o Dir::State::Lists="$scratch/lists" -o APT::Sandbox::User=root)
  apt-get "${aptopts[@]}" update -qq
  (cd "$scratch/dl" && apt-get "${aptopts[@]}" source --download-only imgui=1.86+ds-1 -qq)
  mkdir -p third_party/imgui
  tar -xJf "$scratch"/dl/imgui_1.86+ds.orig.tar.xz -C third_party/imgui --strip-components=1
  rm -rf "$scratch"
  [ -f third_party/imgui/imgui.cpp ] || { echo "setup: imgui.cpp missing after unpacking" >&2; exit 1; }
fi

# playwright-core (browser tests), tokenizers (Hugging Face's Node binding, the tokenizer oracle) and
# coi-serviceworker (shipped with the page: isolation where headers cannot be set) from the committed lockfile.
if [ ! -d node_modules/playwright-core ] || [ ! -f node_modules/tokenizers/package.json ] ||
   [ ! -f node_modules/coi-serviceworker/coi-serviceworker.min.js ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup: ok"
