#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The "outside world" for the outbound tests and benchmark: a network namespace
# pn-outside, routed from the host over a veth with documentation addresses
# (TEST-NET-2 198.51.100.0/24, 2001:db8:51::/64), running the servers that
# containers reach through podnet-slirp. Root only; scripts/test.sh runs
# `up` before the unprivileged tests and `down` after.
#   bench/outbound-outside.sh up|down|status
# Servers in pn-outside (198.51.100.2 / 2001:db8:51::2):
#   tcp/8080  HTTP, serves /blob (100 MiB, sha256 in /blob.sha256)
#   tcp/7070  says "outside-tcp-ok"
#   tcp/7071  echo
#   udp/7007  echo
#   tcp/5201  iperf3 server
set -euo pipefail
NS=pn-outside
DIR=/var/tmp/pn-outside
H4=198.51.100.1 O4=198.51.100.2 H6=2001:db8:51::1 O6=2001:db8:51::2

[[ $(id -u) -eq 0 ]] || { echo "outbound-outside: must run as root" >&2; exit 1; }

in_ns() { ip netns exec "$NS" "$@"; }

up() {
  ip netns list | grep -qw "$NS" && down
  mkdir -p "$DIR/www"
  if [[ ! -s "$DIR/www/blob" ]]; then
    head -c $((100 * 1024 * 1024)) /dev/urandom >"$DIR/www/blob.tmp"
    mv "$DIR/www/blob.tmp" "$DIR/www/blob"
  fi
  sha256sum <"$DIR/www/blob" | cut -d' ' -f1 >"$DIR/www/blob.sha256"
  chmod -R a+rX "$DIR"
  ip netns add "$NS"
  ip link add pn-out-h type veth peer name pn-out-o
  ip link set pn-out-o netns "$NS"
  ip addr add "$H4/24" dev pn-out-h
  ip link set pn-out-h up
  in_ns ip link set lo up
  in_ns ip addr add "$O4/24" dev pn-out-o
  in_ns ip link set pn-out-o up
  in_ns ip route add default via "$H4"
  if [[ -e /proc/sys/net/ipv6 ]]; then
    ip addr add "$H6/64" dev pn-out-h nodad
    in_ns ip addr add "$O6/64" dev pn-out-o nodad
    in_ns ip -6 route add default via "$H6" || true
  fi
  # servers, as nobody, each with its pid recorded for `down`
  local u=nobody
  in_ns runuser -u "$u" -- python3 -m http.server --bind :: --directory "$DIR/www" 8080 \
    >"$DIR/http.log" 2>&1 &
  echo $! >"$DIR/http.pid"
  # -t 20: a client that half-closes at once (stdin at EOF) must still get the
  # line; socat's default 0.5 s after the first EOF lost it when the machine was
  # so loaded that the forked shell took longer to start
  in_ns runuser -u "$u" -- socat -t 20 TCP6-LISTEN:7070,ipv6only=0,reuseaddr,backlog=256,fork SYSTEM:'echo outside-tcp-ok' \
    >/dev/null 2>&1 &
  echo $! >"$DIR/tcp.pid"
  in_ns runuser -u "$u" -- socat TCP6-LISTEN:7071,ipv6only=0,reuseaddr,backlog=256,fork PIPE >/dev/null 2>&1 &
  echo $! >"$DIR/echo.pid"
  in_ns runuser -u "$u" -- socat -T5 UDP6-LISTEN:7007,ipv6only=0,reuseaddr,fork PIPE >/dev/null 2>&1 &
  echo $! >"$DIR/udp.pid"
  in_ns runuser -u "$u" -- iperf3 -s -p 5201 >/dev/null 2>&1 &
  echo $! >"$DIR/iperf.pid"
  for _ in $(seq 100); do
    in_ns ss -ltn | grep -q ':8080 ' && in_ns ss -ltn | grep -q ':5201 ' && in_ns ss -ltn | grep -q ':7070 ' && break
    sleep 0.1
  done
  echo "outbound-outside: $NS up ($O4, $O6)"
}

down() {
  for f in "$DIR"/*.pid; do
    [[ -e "$f" ]] || continue
    pid=$(cat "$f"); rm -f "$f"
    # the recorded pid is runuser's or python's: stop it and what it started
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
  ip link del pn-out-h 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
}

case "${1:-}" in
  up) up ;;
  down) down; echo "outbound-outside: $NS down" ;;
  status) ip netns list | grep -qw "$NS" && ip netns exec "$NS" ss -ltnup ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
