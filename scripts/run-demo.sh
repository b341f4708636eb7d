#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: installs what it needs, builds the release preset,
# and runs inrarch on the built-in default model. Extra arguments go to the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
inrarch=build/release/inrarch
mkdir -p out
"$inrarch" info
"$inrarch" eval --grid 64x64 -o out/eval.npy
"$inrarch" grad --grid 64x64 --order 2 -o out/grad.npy
"$inrarch" graph --order 4 --stats
