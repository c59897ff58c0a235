# SPDX-License-Identifier: GPL-2.0-or-later
# Namespaces for the published-port tests, built by hand with unshare so the
# forwarder can be tested without the CLI: a holder keeping U (user namespace,
# we are root in it) and I (infra netns), a "container" netns C owned by U
# with a veth into I, and a test server (peer.py) in C.
#   I: pnveth0 10.77.0.1/24 fd77::1/64     C: eth0 10.77.0.2/24 fd77::2/64, default via I
# Source after tests/e2e/lib.sh. Every process started is recorded with
# t_on_exit and stopped by PID.

PORTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEER="python3 $PORTS_DIR/peer.py"
TESTCTL=${TESTCTL:-$PODNET_BUILD/bin/podnet-portfwd-testctl}
C4=10.77.0.2
C6=fd77::2

_ns_of() { readlink "/proc/$1/ns/$2" 2>/dev/null; }

# wait until process $1 has namespace $2 different from ours
_wait_ns() {
  local i mine
  mine=$(_ns_of $$ "$2")
  for ((i = 0; i < 100; i++)); do
    local theirs
    theirs=$(_ns_of "$1" "$2")
    [[ -n "$theirs" && "$theirs" != "$mine" ]] && return 0
    sleep 0.05
  done
  return 1
}

in_infra() { nsenter -t "$HOLDER" -U -n --preserve-credentials -- "$@"; }
in_ctr() { nsenter -t "$CTR" -U -n --preserve-credentials -- "$@"; }

# ports_env_up: sets HOLDER, CTR, SERVER. Call it directly, not in $(...) or expect_ok:
# it starts background processes and sets variables.
ports_env_up() {
  unshare --user --map-root-user --net -- sleep 3600 </dev/null >/dev/null 2>&1 &
  HOLDER=$!
  t_on_exit "kill $HOLDER"
  _wait_ns "$HOLDER" net || { echo "holder did not start" >&2; return 1; }
  nsenter -t "$HOLDER" -U --preserve-credentials -- unshare --net -- sleep 3600 </dev/null >/dev/null 2>&1 &
  CTR=$!
  t_on_exit "kill $CTR"
  for ((i = 0; i < 100; i++)); do
    [[ "$(_ns_of "$CTR" net)" != "$(_ns_of "$HOLDER" net)" && "$(_ns_of "$CTR" net)" != "$(_ns_of $$ net)" &&
      "$(_ns_of "$CTR" user)" == "$(_ns_of "$HOLDER" user)" ]] && break
    sleep 0.05
  done
  in_infra sh -ec "
    ip link set lo up
    ip link add pnveth0 type veth peer name eth0 netns $CTR
    ip addr add 10.77.0.1/24 dev pnveth0
    ip -6 addr add fd77::1/64 dev pnveth0 nodad
    ip link set pnveth0 up" || return 1
  in_ctr sh -ec "
    ip link set lo up
    ip addr add $C4/24 dev eth0
    ip -6 addr add $C6/64 dev eth0 nodad
    ip link set eth0 up
    ip route add default via 10.77.0.1
    ip -6 route add default via fd77::1" || return 1
  ports_server_start 80
}

# ports_server_start PORT: peer.py serve in C (sets SERVER)
ports_server_start() {
  nsenter -t "$CTR" -U -n --preserve-credentials -- python3 "$PORTS_DIR/peer.py" serve "$1" </dev/null >/dev/null 2>&1 &
  SERVER=$!
  t_on_exit "kill $SERVER"
  wait_for 10 in_ctr python3 "$PORTS_DIR/peer.py" who 127.0.0.1 "$1"
}

# pf_start OWNER SPEC...: start a forwarder for C through the client library
pf_start() {
  local owner=$1; shift
  "$TESTCTL" start --owner "$owner" --watch "$CTR" --holder "$HOLDER" --target4 "$C4" --target6 "$C6" "$@"
}
