#!/usr/bin/env bash
# Installs every Debian package that building, testing and benchmarking inrarch needs.
# Idempotent and non-interactive: safe to run on every CI run and on a fresh Debian 12 machine.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libeigen3-dev libonnx-dev libprotobuf-dev protobuf-compiler
  nlohmann-json3-dev libcli11-dev libstb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-torch python3-onnx python3-matplotlib
  libopenblas0-openmp  # PyTorch baselines on an optimised BLAS, not netlib's reference one
  # The Python package (python/): pybind11 module, pip install from the source tree, pytest.
  python3-dev pybind11-dev python3-pybind11 python3-pytest python3-setuptools python3-wheel python3-pip python3-venv
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
