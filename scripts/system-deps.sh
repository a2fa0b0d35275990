#!/usr/bin/env bash
# Makes sure the system packages the test suite needs are installed: `chromium` (the browser
# tests drive the system Chromium, never a downloaded one) and `redis-server` (the multi-node
# tests). Run by `npm test` before the tests.
#   - both present: nothing to do;
#   - missing, and this user may install (root, or password-less sudo) on Debian/Ubuntu:
#     installs them with apt-get;
#   - otherwise: prints the one command to run and stops, so the tests do not fail later
#     with a less clear message.
# SKIP_SYSTEM_DEPS=1 skips the check (e.g. CHROMIUM_PATH and REDIS_SERVER_BINARY point elsewhere).
set -euo pipefail

[ "${SKIP_SYSTEM_DEPS:-0}" = 1 ] && exit 0

missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
[ -x "${REDIS_SERVER_BINARY:-/usr/bin/redis-server}" ] || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0

install="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "npm test needs the system packages: ${missing[*]} (Debian/Ubuntu: sudo sh -c '${install}')." >&2
  echo "Elsewhere, install them and set CHROMIUM_PATH / REDIS_SERVER_BINARY." >&2
  exit 1
fi

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "npm test needs the system packages: ${missing[*]}. Install them with:" >&2
  echo "  sudo sh -c '${install}'" >&2
  echo "then run npm test again." >&2
  exit 1
fi

echo "Installing the system packages the tests need: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
