#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A stand-in API: an HTTP server on port 8000 that asks the database, found
# by its name "db", for a row and returns it.
exec socat -T5 TCP-LISTEN:8000,reuseaddr,fork SYSTEM:'
  head -n1 >/dev/null
  row=$(socat -T2 - TCP:db:5432,connect-timeout=2 </dev/null 2>/dev/null || echo "database unreachable")
  printf "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\napp: %s\n" "$row"'
