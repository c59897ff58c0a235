# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by tests/e2e/t-outbound-*.sh and bench/outbound.sh: a stand-in for what
# the CLI and netd build (until `podnet run` exists): a holder keeping U and I,
# a bridge with a gateway in I, one "container" netns C behind a veth, and the
# nftables rules of docs/internals.md (forward/input/postrouting, host_allowed,
# and the TCP fast path's tproxy rules from docs/outbound.md). Runs as the
# unprivileged user. Source it; needs PODNET_BUILD.
# After ob_up: OB_HOLDER, OB_CTR (PIDs), ob_i CMD... (in I), ob_c CMD... (in C).

OB_CTL="$PODNET_BUILD/bin/podnet-slirp-ctl"
OB_OUT4=198.51.100.2
OB_OUT6=2001:db8:51::2
OB_CTR_ADDR=10.89.0.2

ob_i() { "$OB_CTL" exec "$OB_HOLDER" "$@"; }
ob_c() { "$OB_CTL" exec "$OB_CTR" "$@"; }

# The rules netd writes (docs/internals.md), for one non-internal bridge pnbr0.
ob_nft_rules() {
  cat <<NFT
table inet podnet {
  set host_allowed4 { type ipv4_addr; }
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    meta l4proto tcp socket transparent 1 meta mark set 0x504e accept
    iifname "pnbr0" meta l4proto tcp ip daddr != 10.0.2.0/24 fib daddr oifname "podnet-tap0" tproxy ip to 127.0.0.1:16001 meta mark set 0x504e accept
  }
  chain input {
    type filter hook input priority filter; policy accept;
    meta mark 0x504e accept
    iifname "pnbr0" ip daddr != 10.89.0.1 drop
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "pnbr0" oifname "podnet-tap0" ip daddr 10.0.2.2 ip saddr != @host_allowed4 drop
    iifname "pnbr0" oifname "podnet-tap0" accept
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "podnet-tap0" masquerade
  }
}
NFT
}

ob_up() {
  unshare --user --map-root-user --net sleep infinity &
  OB_HOLDER=$!
  local i
  for i in $(seq 100); do
    [[ "$(readlink /proc/$OB_HOLDER/ns/net 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ]] && break
    sleep 0.02
  done
  ob_i ip link set lo up
  ob_i sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
  ob_i ip link add pnbr0 type bridge
  ob_i ip addr add 10.89.0.1/24 dev pnbr0
  ob_i ip link set pnbr0 up
  "$OB_CTL" exec "$OB_HOLDER" unshare --net sleep infinity &
  OB_CTR=$!
  for i in $(seq 100); do
    [[ "$(readlink /proc/$OB_CTR/ns/net 2>/dev/null)" != "$(readlink /proc/$OB_HOLDER/ns/net)" ]] && break
    sleep 0.02
  done
  ob_i ip link add pnv0 type veth peer name eth0 netns "$OB_CTR"
  ob_i ip link set pnv0 master pnbr0 up
  ob_c ip link set lo up
  ob_c ip addr add "$OB_CTR_ADDR/24" dev eth0
  ob_c ip link set eth0 up
  ob_c ip route add default via 10.89.0.1
  ob_nft_rules | ob_i nft -f -
}

ob_down() {
  local p
  for p in ${OB_CTR:-} ${OB_HOLDER:-}; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  OB_CTR= OB_HOLDER=
  return 0
}

# PID of the running podnet-slirp from its pid file, or nothing.
ob_slirp_pid() {
  local f="$PODNET_RUNTIME_DIR/slirp/podnet-slirp.pid"
  [[ -s "$f" ]] && cut -d' ' -f1 "$f"
}
