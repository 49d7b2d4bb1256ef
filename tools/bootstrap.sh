#!/usr/bin/env bash
# Install everything the kiosk and its tests need on Debian 12 with Python 3.11, run as root:
# Debian packages, then a .venv at the repository root with the project installed editable.
# Safe to run again: it installs only what is missing and skips pip when setup.cfg is unchanged.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

APT_PACKAGES=(
  python3-venv          # venv for Debian's python3
  xvfb xauth            # a virtual screen for the app's tests and screen-less demos
  fonts-wqy-microhei    # CJK font: Kivy ships none
  libgl1 libegl1 libmtdev1   # OpenGL for Kivy's SDL2 window; multitouch screens
  socat                 # serial/TCP plumbing for field checks
  libzbar0              # QR decoding fallback (pyzbar)
  pcscd libpcsclite-dev swig vsmartcard-vpcd  # social security card over PC/SC
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "bootstrap: $PYTHON is $("$PYTHON" -V 2>&1); Python 3.11 or newer is needed" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum setup.cfg | cut -c1-16)
if [ ! -e "$stamp" ]; then
  echo "bootstrap: installing the project into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
