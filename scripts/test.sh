#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what it needs, then builds and runs
# every test twice, in a debug build (verifier after every pass) and under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)
for preset in debug asan; do
  echo "== $preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== $preset: test"
  ctest --preset "$preset" -j "$jobs"
done
