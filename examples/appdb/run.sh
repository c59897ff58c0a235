#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The app/db example, as an unprivileged user: two networks, a published
# port, lookup by name, isolation shown. Every step is printed as the
# command a user would type, followed by what happened; a step that does not
# behave as promised stops the example with a non-zero exit.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PODNET=${PODNET:-podnet}
PORT=${APPDB_PORT:-8000}   # the host port published to the app's 8000
bad=0
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }
show() { [[ -z "$1" ]] || printf '%s\n' "$1"; }
expect() { # description command...
  local what=$1; shift
  if "$@"; then echo "  ✓ $what"; else echo "  ✗ $what"; bad=1; fi
}
cleanup() {
  $PODNET rm -f web app db >/dev/null 2>&1
  $PODNET network rm frontend backend >/dev/null 2>&1
}
trap cleanup EXIT
cleanup

run $PODNET network create frontend
run $PODNET network create backend
run $PODNET run -d --name db --network backend -- "$here/db-server.sh"
run $PODNET run -d --name app --network frontend,backend -p "$PORT":8000 -- "$here/app-server.sh"
run $PODNET run -d --name web --network frontend -- sleep 300
run $PODNET ps
# the servers inside take a moment to listen: wait for them (at most 5 s)
for ((i = 0; i < 50; i++)); do
  [[ $(curl -s --max-time 1 "http://127.0.0.1:$PORT/") == *"row 42"* ]] && break
  sleep 0.1
done

say "curl http://127.0.0.1:$PORT/      # from the host, no root"
out=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/"); echo "$out"
expect "the published port answers, and app reached db by name" grep -q "row 42" <<<"$out"

# each command runs once; what it printed is shown and then checked
say "$PODNET exec web -- getent hosts app"
out=$($PODNET exec web -- getent hosts app); show "$out"
expect "web resolves app (they share frontend)" grep -q " app" <<<"$out"

say "$PODNET exec web -- getent hosts db"
out=$($PODNET exec web -- getent hosts db); rc=$?; show "$out"
expect "web cannot resolve db (no shared network)" test "$rc" -ne 0 -a -z "$out"
db_ip=$($PODNET inspect db | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["networks"]["backend"]["ips"][0].split("/")[0])')
say "$PODNET exec web -- socat -T2 - TCP:$db_ip:5432      # not even by address"
out=$($PODNET exec web -- socat -T2 - TCP:"$db_ip":5432,connect-timeout=2 </dev/null); show "$out"
expect "web cannot connect to db's address" bash -c "! grep -q row <<<\"\$1\"" _ "$out"

run $PODNET network disconnect backend app
out=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/"); echo "$out"
expect "after disconnect, app no longer reaches db" grep -q "database unreachable" <<<"$out"
run $PODNET network connect backend app
out=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/"); echo "$out"
expect "after connect, app reaches db again" grep -q "row 42" <<<"$out"

run $PODNET rm -f web app db
run $PODNET network rm frontend backend
trap - EXIT
if ((bad)); then echo; echo "The example did not behave as described."; exit 1; fi
echo; echo "Done: two networks, a published port, lookup by name, isolation."
