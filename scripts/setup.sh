#!/usr/bin/env bash
# Installs the Debian packages covdefl needs to build, test and run its
# default job. Idempotent: installs only what is missing and prints nothing
# when everything is already there. Arguments name further packages to
# install the same way (bench/setup.sh passes the benchmark's).
set -euo pipefail

packages=(
    cmake g++ make clang-format
    libopenmpi-dev openmpi-bin
    libscalapack-openmpi-dev libopenblas-dev
    libboost-program-options-dev
    catch2 zlib1g-dev
    libhdf5-openmpi-dev
    dataset-fashion-mnist
    python3-numpy python3-matplotlib python3-h5py
    time
    "$@"
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
        grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} > 0)); then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then
        sudo_cmd=(sudo)
    fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        >/dev/null
fi
