#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A stand-in API: an HTTP server on port 8000 that asks the database, found
# by its name "db", for a row and returns it. socat accepts the connections
# and runs this same script with --handle for each one.
if [ "${1:-}" = "--handle" ]; then
  read -r request_line
  row=$(socat -T2 - TCP:db:5432,connect-timeout=2 </dev/null 2>/dev/null)
  [ -n "$row" ] || row="database unreachable"
  printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\napp: %s\n' "$row"
  exit 0
fi
exec socat -T5 TCP-LISTEN:8000,reuseaddr,fork EXEC:"$0 --handle"
