#!/usr/bin/env bash
# System libraries the app uses beyond Python packages. Installs what is missing where it can
# (Debian/Ubuntu as root, or with password-less sudo); otherwise says what to install.
#   libseccomp2: the sandbox's seccomp layer (without it that layer is reported inactive).
#   tesseract-ocr (with its English data, tesseract-ocr-eng): text recognition of scanned PDF
#                pages and pictures of pages; without it those pages get a one-line warning.
#   Qt's X11 platform plugin (xcb): the libraries Qt 6.5+ lists for it (libxcb-cursor0 among
#                them); without them `rlm-desktop` says which one is missing and exits.
#   xvfb, xdotool: only for `make screenshots` and the tests (a virtual screen, driven as a
#                user would).
#   --test also: qemu-user (llama.cpp on emulated older processors), chromium (the HTML export
#                in a real browser), xvfb and xdotool, fonts-dejavu-core (the OCR tests print
#                their pages with a real font).
set -u
[ "$(uname -s)" = "Linux" ] || exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Not Debian/Ubuntu: make sure libseccomp, Tesseract OCR with English data and Qt 6's X11 libraries (xcb-cursor, xkbcommon-x11, xcb-icccm, xcb-keysyms, xcb-image, xcb-render-util) are installed." >&2
  exit 0
fi
want=()
ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2' || want+=(libseccomp2)
# library file → Debian package, for Qt's xcb platform plugin (Qt 6 "X11 requirements")
while read -r lib pkg; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || want+=("$pkg")
done <<'LIBS'
libxcb-cursor.so.0 libxcb-cursor0
libxkbcommon-x11.so.0 libxkbcommon-x11-0
libxkbcommon.so.0 libxkbcommon0
libxcb-icccm.so.4 libxcb-icccm4
libxcb-keysyms.so.1 libxcb-keysyms1
libxcb-image.so.0 libxcb-image0
libxcb-render-util.so.0 libxcb-render-util0
libxcb-xinerama.so.0 libxcb-xinerama0
libxcb-xkb.so.1 libxcb-xkb1
libxcb-randr.so.0 libxcb-randr0
libxcb-shape.so.0 libxcb-shape0
libxcb-xfixes.so.0 libxcb-xfixes0
libxcb-sync.so.1 libxcb-sync1
libxcb-shm.so.0 libxcb-shm0
libxcb-render.so.0 libxcb-render0
libxcb-util.so.1 libxcb-util1
libxcb-xinput.so.0 libxcb-xinput0
libX11-xcb.so.1 libx11-xcb1
libEGL.so.1 libegl1
libGL.so.1 libgl1
libOpenGL.so.0 libopengl0
libfontconfig.so.1 libfontconfig1
libdbus-1.so.3 libdbus-1-3
LIBS
command -v tesseract >/dev/null 2>&1 || want+=(tesseract-ocr)
if command -v tesseract >/dev/null 2>&1 && ! tesseract --list-langs 2>/dev/null | grep -qx eng; then
  want+=(tesseract-ocr-eng)
fi
if [ "${1:-}" = "--screenshots" ] || [ "${1:-}" = "--test" ]; then
  command -v Xvfb >/dev/null 2>&1 || want+=(xvfb)
  command -v xdotool >/dev/null 2>&1 || want+=(xdotool)
fi
if [ "${1:-}" = "--test" ]; then
  command -v qemu-x86_64 >/dev/null 2>&1 || want+=(qemu-user)
  command -v chromium >/dev/null 2>&1 || want+=(chromium)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ] || want+=(fonts-dejavu-core)
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
$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -q "${want[@]}" >/dev/null 2>&1 \
  || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -q "${want[@]}" >/dev/null; } \
  || echo "Could not install ${want[*]}; the app still runs (see README)." >&2
exit 0
