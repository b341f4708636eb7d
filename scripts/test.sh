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
  if [[ $preset == debug ]]; then
    # The Python package as a user installs it (pytest ran against the build tree in ctest): pip
    # packages the module just built (INRARCH_BUILD_DIR, see setup.py) into a fresh venv, and it
    # must import and compute from another directory.
    echo "== debug: pip install into a venv"
    venv=build/debug/venv
    rm -rf "$venv"
    /usr/bin/python3 -m venv --system-site-packages "$venv"
    INRARCH_BUILD_DIR=build/debug "$venv/bin/pip" install --no-build-isolation --no-deps -q .
    (cd / && "$OLDPWD/$venv/bin/python" -c 'import inrarch, numpy as n; m = inrarch.load("siren:in=2,out=1,width=8,hidden=1"); assert m.derivatives(n.zeros((3, 2)), 2).shape == (3, 1, 6); print("pip install: import inrarch works from", inrarch.__file__)')
  fi
done
