#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: installs what it needs, builds the release preset,
# and runs `inrarch demo` on the built-in default image. Extra arguments go to the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
build/release/inrarch demo "$@"
