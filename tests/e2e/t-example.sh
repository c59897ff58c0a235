#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's first command runs examples/appdb/run.sh: it must keep doing
# what it shows (two networks, a published port, lookup by name, isolation),
# and leave nothing behind.
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"
example=$(cd "$(dirname "$0")/../../examples/appdb" && pwd)/run.sh

t_case "examples/appdb/run.sh passes every one of its checks"
port=$(t_free_port_base 1)
expect_ok env PODNET="$PODNET" APPDB_PORT="$port" bash "$example"
expect_match "Done: two networks, a published port, lookup by name, isolation" "$T_LAST"
n=$(grep -c "✓" <<<"$T_LAST"); expect_eq 6 "$n" "checks passed"
expect_nomatch "✗" "$T_LAST" "failed checks"

t_case "it removes what it created"
expect_ok $PODNET ps -a -q
expect_eq "" "$T_LAST" "containers left"
expect_ok $PODNET network ls
expect_nomatch "frontend|backend" "$T_LAST" "networks left"

t_case "a check that fails makes it fail: the app without the database"
# db-server.sh replaced by a command that never serves: the app cannot reach
# "db", so the first check fails and the example exits non-zero
fake=$T_OUT/appdb; mkdir -p "$fake"
cp "$example" "$(dirname "$example")/app-server.sh" "$fake/"
printf '#!/bin/sh\nexec sleep 300\n' >"$fake/db-server.sh"; chmod +x "$fake"/*.sh
expect_fail 1 env PODNET="$PODNET" APPDB_PORT="$port" bash "$fake/run.sh"
expect_match "✗ the published port answers" "$T_LAST"
expect_ok $PODNET ps -a -q
expect_eq "" "$T_LAST" "containers left after the failed run"

t_done
