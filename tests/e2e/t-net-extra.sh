#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# More of the network surface: dual-stack networks, static MAC, mtu, labels
# and filters, prune, info, the default network, and the source guard (a
# container sends from its own addresses only, and announces only its own).
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"
insp() { $PODNET inspect "$1" | python3 -c "import json,sys; d=json.load(sys.stdin)[0]; print($2)"; }

t_case "an --ipv6 network gives containers both families, and they talk over IPv6"
expect_ok $PODNET network create --ipv6 dual
expect_ok $PODNET network inspect dual
expect_match '"subnet": "fd89:7f3a:e0c1:[0-9a-f:]*/64"' "$T_LAST" "IPv6 subnet"
expect_ok $PODNET run -d --name v6a --network dual -- socat -T5 TCP6-LISTEN:7000,reuseaddr,fork SYSTEM:'echo v6-here'
expect_ok $PODNET run -d --name v6b --network dual -- sleep 60
a6=$(insp v6a "[i for i in d['networks']['dual']['ips'] if ':' in i][0].split('/')[0]")
expect_match "^fd89:" "$a6" "IPv6 address"
expect_ok $PODNET exec v6b -- ping -6 -c1 -W2 "$a6"
expect_ok $PODNET exec v6b -- socat -t2 -T2 - "TCP6:[$a6]:7000"
expect_eq "v6-here" "$T_LAST" "TCP over IPv6"
expect_ok $PODNET exec v6b -- ip -6 route show default
expect_match "default via fd89:" "$T_LAST" "IPv6 default route"

t_case "bridge ports in I have no IPv6 of their own (attach cost stays flat); the IPv6 bridge has it; no multicast snooping"
hp=$($PODNET info | python3 -c 'import json,sys; print(json.load(sys.stdin)["infra"]["holder_pid"])')
in_i() { nsenter -t "$hp" -U -n --preserve-credentials -- "$@"; }
br=$($PODNET network inspect dual | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["network_interface"])')
expect_ok in_i ip -o link show master "$br"
ports=$(awk -F': ' '{print $2}' <<<"$T_LAST" | cut -d@ -f1)
expect_eq 2 "$(wc -w <<<"$ports")" "ports on $br"
for p in $ports; do
  expect_eq 1 "$(in_i cat "/proc/sys/net/ipv6/conf/$p/disable_ipv6")" "disable_ipv6 on port $p"
  expect_ok in_i ip -6 route show table local dev "$p"
  expect_eq "" "$T_LAST" "IPv6 routes of port $p"
done
expect_eq 0 "$(in_i cat "/proc/sys/net/ipv6/conf/$br/disable_ipv6")" "disable_ipv6 on bridge $br"
expect_ok in_i ip -6 addr show dev "$br"
expect_match "inet6 fd89:" "$T_LAST" "the bridge holds the IPv6 gateway"
expect_ok in_i ip -d link show "$br"
expect_match "mcast_snooping 0" "$T_LAST" "multicast snooping off (no querier: memberships would expire)"
# a bridge that was there before its network (made by hand here) keeps its own settings
expect_ok in_i ip link add handbr type bridge mcast_snooping 1
expect_ok $PODNET network create --interface-name handbr handnet
expect_ok $PODNET run --rm --network handnet -- true
expect_ok in_i ip -d link show handbr
expect_match "mcast_snooping 1" "$T_LAST" "a bridge podnet did not create is left as it was"
expect_ok $PODNET network rm handnet
in_i ip link del handbr 2>/dev/null

t_case "--mac-address and --opt mtu are applied"
expect_ok $PODNET network create --opt mtu=1400 --label tier=back --label team=db small
expect_ok $PODNET run -d --name m1 --network small --mac-address 02:11:22:33:44:55 -- sleep 60
expect_ok $PODNET exec m1 -- cat /sys/class/net/eth0/address
expect_eq "02:11:22:33:44:55" "$T_LAST" "MAC"
expect_ok $PODNET exec m1 -- cat /sys/class/net/eth0/mtu
expect_eq "1400" "$T_LAST" "MTU"
expect_fail 125 $PODNET run --network small --mac-address 02:11:22:33:44:55 -- true
expect_match "MAC address 02:11:22:33:44:55 is already in use" "$T_ERR"
expect_fail 125 $PODNET run --network small --mac-address 02:11:22:33:44:5 -- true

t_case "--network NET:ip=,ip6=,mac=,alias= gives each network its own (Podman's syntax); start keeps them; --ip6"
sub() { $PODNET network inspect "$1" | python3 -c "import json,sys; print([s['subnet'] for s in json.load(sys.stdin)[0]['subnets'] if (':' in s['subnet']) == ('$2' == '6')][0].split('/')[0])"; }
d4=$(sub dual 4); d6=$(sub dual 6); s4=$(sub small 4)
a_d4=${d4%.0}.77 a_d6=${d6}77 a_s4=${s4%.0}.77
expect_ok $PODNET run -d --name pdual --network dual -- sleep 120
expect_ok $PODNET run -d --name psmall --network small -- sleep 120
expect_ok $PODNET run -d --name multi --network "dual:ip=$a_d4,ip=$a_d6,alias=dualname" \
  --network "small:ip=$a_s4,mac=02:aa:bb:cc:dd:01,alias=smallname" -- sleep 120
multi_ok() {
  expect_ok $PODNET exec multi -- ip -o addr show dev eth0
  expect_match "inet $a_d4/24" "$T_LAST" "$1: static IPv4 on dual"
  expect_match "inet6 $a_d6/64" "$T_LAST" "$1: static IPv6 on dual"
  expect_ok $PODNET exec multi -- ip -o addr show dev eth1
  expect_match "inet $a_s4/24" "$T_LAST" "$1: static IPv4 on small"
  expect_ok $PODNET exec multi -- cat /sys/class/net/eth1/address
  expect_eq "02:aa:bb:cc:dd:01" "$T_LAST" "$1: static MAC on small"
  # an alias= resolves on its own network only
  wait_for 5 $PODNET exec pdual -- getent ahostsv4 dualname
  expect_ok $PODNET exec pdual -- getent ahostsv4 dualname
  expect_match "^$a_d4 " "$T_LAST" "$1: dualname on dual"
  expect_fail 2 $PODNET exec pdual -- getent ahostsv4 smallname
  expect_ok $PODNET exec psmall -- getent ahostsv4 smallname
  expect_match "^$a_s4 " "$T_LAST" "$1: smallname on small"
  expect_fail 2 $PODNET exec psmall -- getent ahostsv4 dualname
  expect_ok $PODNET exec psmall -- ping -c1 -W2 "$a_s4"
}
multi_ok "run"
expect_ok $PODNET stop -t 0 multi
expect_ok $PODNET start multi
multi_ok "start"
expect_ok $PODNET run -d --name six --network dual --ip6 "${d6}78" -- sleep 120
expect_ok $PODNET exec six -- ip -o -6 addr show dev eth0 scope global
expect_match "inet6 ${d6}78/64" "$T_LAST" "--ip6"
expect_ok $PODNET network connect --ip6 "${d6}79" dual psmall
expect_ok $PODNET exec psmall -- ip -o -6 addr show dev eth1 scope global
expect_match "inet6 ${d6}79/64" "$T_LAST" "connect --ip6"
expect_fail 125 $PODNET run --network dual --ip6 "${d6}78" -- true
expect_match "already in use" "$T_ERR"
expect_fail 125 $PODNET run --network "small:ip=$a_d4" -- true
expect_match "is not in subnet [0-9.]*/24 of network small" "$T_ERR"
expect_fail 125 $PODNET run --network "dual:ip=${d4%.0}.80" --network small --ip "${s4%.0}.80" -- true
expect_match "need exactly one network" "$T_ERR"
expect_ok $PODNET rm -f multi six pdual psmall

t_case "ls filters and formats"
expect_ok $PODNET network ls -q --filter label=tier=back
expect_eq "small" "$T_LAST"
expect_ok $PODNET network ls -q --filter name=dua
expect_eq "dual" "$T_LAST"
expect_ok $PODNET network ls --format json
expect_eq 2 "$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$T_LAST")" "json entries"
expect_fail 125 $PODNET network ls --filter colour=red

t_case "the default network is created on first use"
expect_ok $PODNET run --rm -- true
expect_ok $PODNET network ls -q
expect_match "podnet" "$T_LAST"
# as in podman, the network mode "bridge" is the default network, alone or among others
gw=$($PODNET network inspect podnet | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["subnets"][0]["gateway"])')
expect_ok $PODNET run --rm --network bridge -- sh -c "ip -4 route show default"
expect_match "via $gw " "$T_LAST" "--network bridge is on the default network"
expect_ok $PODNET network create brx
expect_ok $PODNET run --rm --network bridge,brx -- sh -c "ip -4 -o addr show | grep -c ' eth'"
expect_eq "2" "$T_LAST" "--network bridge,brx gives two interfaces"
expect_ok $PODNET network rm brx

t_case "info describes the infrastructure"
expect_ok $PODNET info
expect_match '"rootless": true' "$T_LAST"
expect_match '"running": 3' "$T_LAST" "running sandboxes"
expect_match '"holder_pid"' "$T_LAST"

t_case "prune removes unused networks only"
expect_ok $PODNET network create unused1
expect_ok $PODNET network create unused2
expect_ok $PODNET network prune
expect_match "unused1" "$T_LAST"
expect_match "unused2" "$T_LAST"
expect_nomatch "dual|small" "$T_LAST" "networks in use are kept"
expect_ok $PODNET network ls -q
expect_nomatch "unused" "$T_LAST"
expect_ok $PODNET network create --label tmp=1 ptmp1
expect_ok $PODNET network create --label tmp=2 ptmp2
expect_ok $PODNET network create pkeep
expect_ok $PODNET network ls -q --filter label!=tmp=2 --filter name=^ptmp
expect_eq "ptmp1" "$T_LAST" "network ls --filter label!="
expect_ok $PODNET network prune -f --filter label=tmp --filter label!=tmp=2
expect_eq "ptmp1" "$T_LAST" "prune --filter: the matching unused networks only"
expect_ok $PODNET network prune --filter label=tmp
expect_eq "ptmp2" "$T_LAST" "prune --filter label=tmp"
expect_fail 125 $PODNET network prune pkeep
expect_match "unexpected argument pkeep" "$T_ERR"
expect_fail 125 $PODNET network prune --filter until=1h
expect_match "invalid filter \"until=1h\"" "$T_ERR"
expect_ok $PODNET network exists pkeep
expect_ok $PODNET network rm pkeep

t_case "a container sends from its own addresses only (IPv4, ARP, IPv6), and cannot widen its DNS view"
ip_of() { $PODNET inspect "$1" | python3 -c "import json,sys; print([i for i in json.load(sys.stdin)[0]['networks']['$2']['ips'] if ('$3' == '6') == (':' in i)][0].split('/')[0])"; }
expect_ok $PODNET run -d --name sgl --network dual -- sh -c \
  "socat -u UDP4-RECV:7001 OPEN:$T_OUT/sg4,creat,append & exec socat -u UDP6-RECV:7001,ipv6only=1 OPEN:$T_OUT/sg6,creat,append"
l4=$(ip_of sgl dual 4) l6=$(ip_of sgl dual 6) a4=$(ip_of v6a dual 4) a6=$(ip_of v6a dual 6)
sleep 0.5
expect_ok $PODNET exec v6b -- sh -c "echo legit4 | nc -u -w1 $l4 7001; echo legit6 | nc -6 -u -w1 $l6 7001"
expect_ok $PODNET exec v6b -- sh -c "ip addr add $a4/32 dev eth0 && ip -6 addr add $a6/128 dev eth0 nodad &&
  echo spoof4 | nc -u -w1 -s $a4 $l4 7001; echo spoof6 | nc -6 -u -w1 -s $a6 $l6 7001; true"
wait_for 3 grep -q legit6 "$T_OUT/sg6"
expect_eq "legit4" "$(cat "$T_OUT/sg4" 2>/dev/null)" "IPv4 datagrams received"
expect_eq "legit6" "$(cat "$T_OUT/sg6" 2>/dev/null)" "IPv6 datagrams received"
# names: sgw is on dual and sgo, sgx on sgo only; v6b (dual) borrows sgw's address to ask for sgx
expect_ok $PODNET network create sgo
expect_ok $PODNET run -d --name sgx --network sgo -- sleep 60
expect_ok $PODNET run -d --name sgw --network dual -- sleep 60
expect_ok $PODNET network connect sgo sgw
w4=$(ip_of sgw dual 4) gw=$($PODNET network inspect dual | python3 -c 'import json,sys; print([s["gateway"] for s in json.load(sys.stdin)[0]["subnets"] if "." in s["gateway"]][0])')
expect_ok $PODNET exec sgw -- dig +short +time=2 +tries=1 @"$gw" sgx
expect_match "^10\." "$T_LAST" "sgw (on sgo too) resolves sgx"
sleep 1.2
expect_ok $PODNET exec v6b -- sh -c "ip addr add $w4/32 dev eth0 && ip neigh flush all &&
  dig +short +time=2 +tries=1 -b $w4 @$gw sgx | grep -v '^;'; true"
expect_eq "" "$T_LAST" "sgx resolved for v6b with sgw's address"
expect_ok $PODNET rm -f sgl sgx sgw
expect_ok $PODNET network rm sgo

t_case "a container cannot announce another's IPv6 address (the target of a neighbour advertisement is guarded)"
gw6=$($PODNET network inspect dual | python3 -c 'import json,sys; print([s["gateway"] for s in json.load(sys.stdin)[0]["subnets"] if ":" in s["gateway"]][0])')
mac_a=$($PODNET exec v6a -- cat /sys/class/net/eth0/address)
expect_ok $PODNET exec v6a -- ping -6 -c1 -W2 "$gw6"
expect_match "lladdr $mac_a" "$(in_i ip -6 neigh show "$a6")" "I knows v6a's address at v6a's MAC"
# from a link-local source, which the guard lets through for neighbour discovery
expect_ok $PODNET exec v6b -- sh -c "ip -6 addr add fe80::bad/64 dev eth0 nodad && python3 $(cd "$(dirname "$0")" && pwd)/na-send.py eth0 $a6"
sleep 0.3
expect_match "lladdr $mac_a" "$(in_i ip -6 neigh show "$a6")" "v6a's address still at v6a's MAC after v6b's advertisement"
# v6a's own advertisement still passes: I resolves its address afresh
expect_ok in_i ip -6 neigh flush to "$a6"
expect_ok in_i ping -6 -c1 -W2 "$a6"
expect_match "lladdr $mac_a" "$(in_i ip -6 neigh show "$a6")" "resolved again, to v6a's MAC"

t_case "network exists answers 0 or 1; create --ignore keeps an existing network as it is"
expect_fail 1 $PODNET network exists nosuchnet
expect_eq "" "$T_ERR" "no message for a network that does not exist"
expect_ok $PODNET network create --subnet 10.93.0.0/24 keepme
expect_ok $PODNET network exists keepme
expect_ok $PODNET network create --subnet 10.94.0.0/24 --ignore keepme
expect_eq "keepme" "$T_LAST" "create --ignore prints the name"
expect_ok $PODNET network inspect keepme
expect_match '"subnet": "10\.93\.0\.0/24"' "$T_LAST" "the existing definition is kept"
expect_fail 125 $PODNET network create keepme
expect_match "already exists" "$T_ERR" "without --ignore"
expect_ok $PODNET network rm keepme
expect_fail 1 $PODNET network exists keepme

t_case "--network none gives only loopback, --network host the host's links; exec enters both"
expect_ok $PODNET run -d --name nonet --network none -- sleep 60
expect_ok $PODNET exec nonet -- sh -c 'ls /sys/class/net'
expect_eq "lo" "$T_LAST" "interfaces with --network none"
expect_ok $PODNET run -d --name hostnet --network host -- sleep 60
want=$(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' ')
expect_ok $PODNET exec hostnet -- sh -c "ip -o link show | awk -F': ' '{print \$2}' | sed 's/@.*//' | sort | tr '\n' ' '"
expect_eq "$want" "$T_LAST" "interfaces with --network host: the host's"
expect_ok $PODNET exec hostnet -- hostname
expect_eq "hostnet" "$T_LAST" "its own hostname all the same"
expect_ok $PODNET rm -f nonet hostnet

t_case "a container on 17 networks is reachable on the last one (its guard holds all 17 addresses)"
nets=""
for i in $(seq 1 17); do
  expect_ok $PODNET network create --subnet "10.93.$i.0/24" "many$i"
  nets+="${nets:+,}many$i"
done
expect_ok $PODNET run -d --name wide --network "$nets" -- sleep 60
expect_ok $PODNET run -d --name narrow --network many17 -- sleep 60
wide17=$($PODNET inspect -f '{{index .NetworkSettings.Networks "many17" "IPAddress"}}' wide 2>/dev/null ||
  $PODNET inspect wide | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['networks']['many17']['ips'][0].split('/')[0])")
expect_match "^10\.93\.17\." "$wide17" "wide's address on many17"
expect_ok $PODNET exec narrow -- ping -c1 -W2 "$wide17"
expect_ok $PODNET rm -f wide narrow
for i in $(seq 1 17); do expect_ok $PODNET network rm "many$i"; done

t_case "network create --dns: the network's upstream servers, or its containers' resolv.conf without a podnet resolver"
expect_ok $PODNET network create --dns 192.0.2.53 --dns 2001:DB8::53 ndns1
expect_ok $PODNET network inspect ndns1 --format '{{json .network_dns_servers}}'
expect_eq '["192.0.2.53","2001:db8::53"]' "$T_LAST" "inspect: Podman's network_dns_servers"
expect_ok $PODNET run -d --name nd1 --network ndns1 -- sleep 60
expect_ok $PODNET run -d --name nd2 --network ndns1 --dns 203.0.113.5 -- sleep 60
expect_ok grep "^$($PODNET inspect -f '{{.Id}}' nd1) " "$PODNET_RUNTIME_DIR/dns/ndns1"
expect_match " nd1,[0-9a-f]{12} 192\.0\.2\.53,2001:db8::53$" "$T_LAST" "nd1's upstreams: the network's"
expect_ok grep "^$($PODNET inspect -f '{{.Id}}' nd2) " "$PODNET_RUNTIME_DIR/dns/ndns1"
expect_match " nd2,[0-9a-f]{12} 203\.0\.113\.5$" "$T_LAST" "nd2's upstreams: its own --dns"
expect_ok $PODNET exec nd1 -- grep nameserver /etc/resolv.conf
expect_eq "nameserver $($PODNET network inspect ndns1 --format '{{(index .subnets 0).gateway}}')" "$T_LAST" \
  "a podnet resolver serves nd1"
expect_ok $PODNET network create --disable-dns --dns 192.0.2.54 ndns2
expect_ok $PODNET run --rm --network ndns2 -- grep nameserver /etc/resolv.conf
expect_eq "nameserver 192.0.2.54" "$T_LAST" "no podnet resolver: the network's servers"
# network update: the running users follow at once
expect_ok $PODNET run -d --name nd3 --network ndns2 -- sleep 60
expect_ok $PODNET network update ndns1 --dns-drop 2001:db8::53 --dns-add 192.0.2.60,192.0.2.61
expect_eq "ndns1" "$T_LAST" "network update prints the name"
expect_ok grep "^$($PODNET inspect -f '{{.Id}}' nd1) " "$PODNET_RUNTIME_DIR/dns/ndns1"
expect_match " nd1,[0-9a-f]{12} 192\.0\.2\.53,192\.0\.2\.60,192\.0\.2\.61$" "$T_LAST" "nd1's upstreams after the update"
expect_ok grep "^$($PODNET inspect -f '{{.Id}}' nd2) " "$PODNET_RUNTIME_DIR/dns/ndns1"
expect_match " nd2,[0-9a-f]{12} 203\.0\.113\.5$" "$T_LAST" "nd2's own --dns stays"
expect_ok $PODNET network update --dns-add 192.0.2.55 --dns-drop 192.0.2.54 ndns2
expect_ok $PODNET exec nd3 -- grep nameserver /etc/resolv.conf
expect_eq "nameserver 192.0.2.55" "$T_LAST" "a running container's resolv.conf after the update"
expect_fail 125 $PODNET network update --dns-drop 192.0.2.99 ndns2
expect_eq "Error: network ndns2 has no DNS server 192.0.2.99" "$T_ERR"
expect_fail 125 $PODNET network update --dns-add nope ndns2
expect_match 'invalid --dns-add "nope"' "$T_ERR"
expect_ok $PODNET network inspect ndns2 --format '{{json .network_dns_servers}}'
expect_eq '["192.0.2.55"]' "$T_LAST" "nothing changed by the refused updates"
expect_ok $PODNET network update --dns-drop 192.0.2.55 ndns2
expect_ok $PODNET network inspect ndns2 --format '{{json .network_dns_servers}}'
expect_eq 'null' "$T_LAST" "no servers left"
expect_ok $PODNET rm -f nd3
expect_fail 125 $PODNET network create --dns dns.example ndns3
expect_eq 'Error: invalid --dns "dns.example": want an IPv4 or IPv6 address' "$T_ERR"
expect_fail 125 $PODNET network inspect ndns3
expect_ok $PODNET rm -f nd1 nd2
expect_ok $PODNET network rm ndns1 ndns2

t_case "clean up"
expect_ok $PODNET rm -f v6a v6b m1
expect_ok $PODNET network rm dual small podnet
wait_for 5 t_no_podnet_procs
expect_eq "" "$(t_podnet_procs)" "processes left"
expect_ok $PODNET system check
t_done
