#!/usr/bin/env bash
# Installs the Debian packages smh builds and tests with, if any are missing.
# Idempotent: when everything is present it only asks dpkg once and exits.
set -euo pipefail

packages=(
  cmake g++ ninja-build git
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev librapidcheck-dev libcli11-dev libzstd-dev
  gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib   # Cortex-M build of the core
  g++-multilib                                        # -m32 layout check
  qemu-user                                           # runs it where the kernel cannot run i386 programs
  qemu-system-arm                                     # the core on a Cortex-M4 (mps2-an386)
  clang
  python3                                             # cmake/scripts/function_length.py
  chromium                                            # renders smh run --html (ctest label browser)
)

# One dpkg-query call for all packages; a package that is unknown to dpkg is
# simply absent from the output.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for package in "${packages[@]}"; do
  if ! grep -qx "${package} install ok installed" <<<"${installed}"; then
    missing+=("${package}")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if ((EUID == 0)); then
  as_root=()
elif command -v sudo >/dev/null; then
  as_root=(sudo)
else
  echo "bootstrap: missing packages (${missing[*]}) and not root; run this script as root" >&2
  exit 1
fi

echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
