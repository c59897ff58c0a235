#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One command from a fresh clone: install the Debian packages (sudo when not
# root), build, and run the app/db example (examples/appdb/run.sh) without
# root. Run as root, the example runs as the unprivileged user podnet-test
# created by tests/e2e/setup-user.sh, since the rootless path is the product.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
$SUDO "$top/scripts/install-deps.sh"
cmake -S "$top" -B "$top/build" >/dev/null
cmake --build "$top/build" -j"$(nproc)" >/dev/null
echo "built $top/build/bin/podnet"
if [[ $(id -u) -eq 0 ]]; then
  "$top/tests/e2e/setup-user.sh"
  U=${PODNET_TEST_USER:-podnet-test}
  chmod o+rx "$top" "$top/build" "$top/build/bin" "$top/examples" "$top/examples/appdb" 2>/dev/null || true
  echo "running the example as the unprivileged user $U"
  exec runuser -u "$U" -- env -i PATH="$top/build/bin:/usr/bin:/bin:/usr/sbin:/sbin" HOME="$(getent passwd "$U" | cut -d: -f6)" \
    XDG_RUNTIME_DIR="/run/user/$(id -u "$U")" TERM="${TERM:-dumb}" APPDB_PORT="${APPDB_PORT:-8000}" "$top/examples/appdb/run.sh"
fi
PATH="$top/build/bin:$PATH" exec "$top/examples/appdb/run.sh"
