#!/usr/bin/env bash
# System libraries the app uses beyond Python packages. Installs what is missing where it can
# (Debian/Ubuntu as root, or with password-less sudo); otherwise says what to install.
#   libseccomp2: the sandbox's seccomp layer (without it that layer is reported inactive).
#   xvfb, libxcb-icccm4, libxcb-keysyms1: only for `make screenshots` (a virtual screen
#                and the libraries Qt's xcb plugin needs on it).
set -u
[ "$(uname -s)" = "Linux" ] || exit 0
command -v apt-get >/dev/null 2>&1 || exit 0
want=()
ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2' || want+=(libseccomp2)
if [ "${1:-}" = "--screenshots" ]; then
  command -v Xvfb >/dev/null 2>&1 || want+=(xvfb)
  ldconfig -p 2>/dev/null | grep -q 'libxcb-icccm\.so\.4' || want+=(libxcb-icccm4)
  ldconfig -p 2>/dev/null | grep -q 'libxcb-keysyms\.so\.1' || want+=(libxcb-keysyms1)
fi
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ]; then
  SUDO=""
elif sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "Please install: ${want[*]} (e.g. sudo apt-get install -y ${want[*]})." >&2
  exit 0
fi
echo "Installing system packages: ${want[*]}"
$SUDO apt-get install -y -q "${want[@]}" >/dev/null 2>&1 \
  || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q "${want[@]}" >/dev/null; } \
  || echo "Could not install ${want[*]}; the app still runs (see README)." >&2
exit 0
