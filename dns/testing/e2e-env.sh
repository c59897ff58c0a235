# SPDX-License-Identifier: GPL-2.0-or-later
# Namespaces for podnet-dns's black-box tests (tests/e2e/t-dns-*.sh), built
# with util-linux alone so the tests do not depend on the podnet CLI:
#   dns_infra_up                 a holder process owning U (user ns, root mapped
#                                to the test user) and I (its network ns)
#   dns_network NAME BR GW4 [GW6]  a bridge BR in I with the gateway addresses,
#                                and the records file $RUN/dns/NAME (line 1)
#   dns_container VAR BR IP4 [IP6] a network namespace C with eth0 on BR; its
#                                PID goes into VAR (for in_ctr)
#   dns_record NAME LINE...      append record lines to $RUN/dns/NAME (atomic)
#   dns_start [ARGS...]          start podnet-dns into U+I, wait until it serves
#   in_infra CMD / in_ctr PID CMD  run CMD in I / in C
# Every process started here is stopped by PID when the test exits.
: "${PODNET_RUNTIME_DIR:?run through tests/e2e/run.sh}"
DNS_DIR=$PODNET_RUNTIME_DIR/dns
DNS_TESTING=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$DNS_DIR"

_wait_netns_differs() { # PID: until the process runs in its own network namespace
  local i
  for ((i = 0; i < 200; i++)); do
    [[ "$(readlink "/proc/$1/ns/net" 2>/dev/null)" != "$(readlink /proc/self/ns/net)" &&
       -n "$(readlink "/proc/$1/ns/net" 2>/dev/null)" ]] && return 0
    sleep 0.01
  done
  return 1
}

dns_infra_up() {
  unshare --user --map-root-user --net sleep infinity </dev/null >/dev/null 2>&1 &
  DNS_HOLDER=$!
  t_on_exit "kill $DNS_HOLDER"
  _wait_netns_differs "$DNS_HOLDER" || { echo "holder did not start" >&2; return 1; }
  DNS_HOLDER_START=$(awk '{print $22}' "/proc/$DNS_HOLDER/stat")
  in_infra ip link set lo up
}

in_infra() { nsenter --user --net --target "$DNS_HOLDER" --preserve-credentials -- "$@"; }
in_ctr() { local pid=$1; shift; nsenter --user --net --target "$pid" --preserve-credentials -- "$@"; }

dns_network() { # NAME BRIDGE GW4 [GW6]
  local name=$1 br=$2 gw4=$3 gw6=${4:-}
  in_infra ip link add "$br" type bridge
  # a bridge takes the lowest MAC of its ports unless its own is set: a container
  # added later would change it under the ARP entries of the others (unreachable)
  in_infra ip link set "$br" address "$(in_infra ip -br link show "$br" | awk '{print $3}')"
  in_infra ip addr add "$gw4/24" dev "$br"
  [[ -n "$gw6" ]] && in_infra ip addr add "$gw6/64" dev "$br" nodad
  in_infra ip link set "$br" up
  printf '%s\n' "$gw4${gw6:+,$gw6}" >"$DNS_DIR/.$name.new"
  mv "$DNS_DIR/.$name.new" "$DNS_DIR/$name"
}

_veth_n=0
dns_container() { # VAR BRIDGE IP4 [IP6]
  local var=$1 br=$2 ip4=$3 ip6=${4:-} pid
  nsenter --user --net --target "$DNS_HOLDER" --preserve-credentials -- unshare --net sleep infinity </dev/null >/dev/null 2>&1 &
  pid=$!
  t_on_exit "kill $pid"
  _wait_netns_differs "$pid" || return 1
  # unshare inside nsenter: wait until the sleep itself is in a namespace other than I's
  local i
  for ((i = 0; i < 200; i++)); do
    [[ "$(readlink "/proc/$pid/ns/net")" != "$(readlink "/proc/$DNS_HOLDER/ns/net")" ]] && break
    sleep 0.01
  done
  _veth_n=$((_veth_n + 1))
  in_infra ip link add "pnv$_veth_n" type veth peer name eth0 netns "$pid"
  in_infra ip link set "pnv$_veth_n" master "$br" up
  in_ctr "$pid" ip link set lo up
  in_ctr "$pid" ip addr add "$ip4/24" dev eth0
  [[ -n "$ip6" ]] && in_ctr "$pid" ip addr add "$ip6/64" dev eth0 nodad
  in_ctr "$pid" ip link set eth0 up
  printf -v "$var" '%s' "$pid"
}

dns_record() { # NAME LINE...: rewrite the file with more lines, atomically
  local name=$1; shift
  { cat "$DNS_DIR/$name"; printf '%s\n' "$@"; } >"$DNS_DIR/.$name.new"
  mv "$DNS_DIR/.$name.new" "$DNS_DIR/$name"
}

dns_set_records() { # NAME LINE...: keep line 1, replace the records
  local name=$1; shift
  { head -n1 "$DNS_DIR/$name"; printf '%s\n' "$@"; } >"$DNS_DIR/.$name.new"
  mv "$DNS_DIR/.$name.new" "$DNS_DIR/$name"
}

dns_start() { # ARGS...: podnet-dns into U and I; DNS_PID, DNS_LOG
  DNS_LOG=$T_OUT/podnet-dns.log
  : >"$T_OUT/ready"
  podnet-dns --config "$DNS_DIR" --userns-fd 3 --netns-fd 4 --ready-fd 5 \
    --holder "$DNS_HOLDER:$DNS_HOLDER_START" "$@" \
    3<"/proc/$DNS_HOLDER/ns/user" 4<"/proc/$DNS_HOLDER/ns/net" 5>"$T_OUT/ready" 2>>"$DNS_LOG" </dev/null >/dev/null &
  DNS_PID=$!
  t_on_exit "kill $DNS_PID"
  local i
  for ((i = 0; i < 1000; i++)); do
    [[ -s "$T_OUT/ready" ]] && break
    kill -0 "$DNS_PID" 2>/dev/null || break
    sleep 0.01
  done
  [[ "$(cat "$T_OUT/ready")" == "R" ]] || { echo "podnet-dns did not start: $(tail -3 "$DNS_LOG")" >&2; return 1; }
}

dns_reload() { kill -HUP "$DNS_PID"; }

fake_upstream() { # VAR TAG [MODE [ADDR PORT [CTR_PID]]]: start a fake upstream on 127.0.0.1 (or ADDR:PORT,
                  # in the container CTR_PID when given: a DNS container); its port goes into VAR
  local var=$1 tag=$2 mode=${3:-answer} pf="$T_OUT/upstream-$2.port" pid i in=()
  [[ -n "${6:-}" ]] && in=(nsenter --user --net --target "$6" --preserve-credentials --)
  "${in[@]}" python3 "$DNS_TESTING/fake_upstream.py" --tag "$tag" --mode "$mode" --port-file "$pf" \
    --addr "${4:-127.0.0.1}" --port "${5:-0}" \
    --log "$T_OUT/upstream-$tag.log" </dev/null >/dev/null 2>&1 &
  pid=$!
  t_on_exit "kill $pid"
  for ((i = 0; i < 1000; i++)); do [[ -s "$pf" ]] && break; sleep 0.01; done
  [[ -s "$pf" ]] || { echo "fake upstream $tag did not start" >&2; return 1; }
  printf -v "$var" '%s' "$(cat "$pf")"
}

dnsq() { python3 "$DNS_TESTING/dnsclient.py" "$@"; }
