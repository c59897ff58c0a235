#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Name resolution as a user sees it through the CLI: names, aliases, the
# search domain, PTR, case, TCP, a container on two networks, isolation, and
# records following run, connect, disconnect and rm live, and an internal
# network whose resolver forwards nothing (not even to a container's --dns).
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"
ip_of() { $PODNET inspect "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['networks']['$2']['ips'][0].split('/')[0])"; }
q() { $PODNET exec "$1" -- dig +short +time=2 +tries=1 "${@:2}" 2>/dev/null; }
status() { $PODNET exec "$1" -- dig +time=2 +tries=1 "${@:2}" 2>/dev/null | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }

# first, while no podnet-dns has ever run and no records file exists: the
# responder that the infra starts must not exit for want of records
t_case "the first container of a fresh state resolves names at once (run --rm, then run -d)"
expect_ok $PODNET run --rm --name first -- dig +short +time=2 +tries=1 first
expect_match '^10\.[0-9]+\.[0-9]+\.[0-9]+$' "$T_LAST" "first -> its own address, from podnet-dns"
expect_ok $PODNET network rm podnet
expect_eq "" "$(ls "$PODNET_RUNTIME_DIR/dns" 2>/dev/null | grep -v -e '^host-gateway$' -e '^podnet-dns')" "no records file left"
expect_ok $PODNET network create solo
expect_ok $PODNET run -d --name solo --network solo -- sleep 120
expect_match '^10\.[0-9]+\.[0-9]+\.[0-9]+$' "$(q solo solo)" "solo -> its own address, with no podnet command since its run"
expect_ok $PODNET rm -f solo
expect_ok $PODNET network rm solo

t_case "names and aliases on one network"
expect_ok $PODNET network create front
expect_ok $PODNET network create back
expect_ok $PODNET run -d --name db --network back --network-alias database -- sleep 120
expect_ok $PODNET run -d --name app --network front,back -- sleep 120
expect_ok $PODNET run -d --name web --network front -- sleep 120
db=$(ip_of db back); app_f=$(ip_of app front)
expect_eq "$db" "$(q app db)" "app -> db"
expect_eq "$db" "$(q app database)" "alias"
expect_eq "$db" "$(q app db.dns.podnet)" "search domain"
expect_eq "$db" "$(q app DB)" "case-insensitive"
expect_eq "$db" "$(q app +tcp db)" "over TCP"
expect_eq "$app_f" "$(q web app)" "web -> app"
expect_eq "db.dns.podnet." "$(q app -x "$db")" "PTR"
# the short id, an alias Podman and Docker add (docker-compose relies on it); only on db's networks
db_short=$($PODNET inspect -f '{{.Id}}' db | cut -c1-12)
expect_match '^[0-9a-f]{12}$' "$db_short" "db's short id"
expect_eq "$db" "$(q app "$db_short")" "app -> db's short id"
expect_eq "NXDOMAIN" "$(status web "$db_short")" "not on front"

t_case "names of other networks do not resolve"
expect_eq NXDOMAIN "$(status web db)" "web -> db"
expect_eq NXDOMAIN "$(status web database)" "web -> alias of db"
expect_eq "" "$(q web -x "$db")" "web -> PTR of db"

t_case "records follow connect and disconnect"
expect_ok $PODNET network connect --alias webby back web
wait_for 3 bash -c "[[ -n \$($PODNET exec web -- dig +short +time=1 +tries=1 db 2>/dev/null) ]]"
expect_eq "$db" "$(q web db)" "web -> db after connect"
expect_eq "$(ip_of web back)" "$(q db webby)" "alias given at connect"
expect_ok $PODNET network disconnect back web
wait_for 3 bash -c "[[ \$($PODNET exec web -- dig +time=1 +tries=1 db 2>/dev/null | grep -c NXDOMAIN) == 1 ]]"
expect_eq NXDOMAIN "$(status web db)" "web -> db after disconnect"

t_case "records follow run and rm"
expect_ok $PODNET run -d --name late --network front -- sleep 120
expect_eq "$(ip_of late front)" "$(q web late)" "a new container resolves at once"
expect_ok $PODNET rm -f late
expect_eq NXDOMAIN "$(status web late)" "a removed container is gone"

t_case "a network with DNS disabled has no resolver of ours"
expect_ok $PODNET network create --disable-dns quiet
expect_ok $PODNET run --rm --network quiet -- cat /etc/resolv.conf
expect_nomatch "dns\.podnet" "$T_LAST" "resolv.conf"

t_case "an internal network: its names resolve, nothing else is forwarded, --dns included (no way out)"
expect_ok $PODNET network create --internal inner
expect_ok $PODNET run -d --name ci1 --network inner -- sleep 120
expect_ok $PODNET run -d --name ci2 --network inner --dns 198.51.100.1 -- sleep 120
expect_ok $PODNET run -d --name ci3 --network inner,front -- sleep 120
expect_ok test -f "$PODNET_RUNTIME_DIR/dns/inner%int"
expect_ok test ! -e "$PODNET_RUNTIME_DIR/dns/inner"
expect_match "198\.51\.100\.1" "$(cat "$PODNET_RUNTIME_DIR/dns/inner%int")" "the records line keeps --dns"
expect_eq "$(ip_of ci1 inner)" "$(q ci2 ci1)" "ci2 -> ci1"
expect_eq "ci1.dns.podnet." "$(q ci2 -x "$(ip_of ci1 inner)")" "PTR"
# forwarded, this would wait for 198.51.100.1 and end in SERVFAIL
expect_eq NXDOMAIN "$(status ci2 exfil.example.com)" "ci2 (--dns) -> exfil.example.com"
expect_eq NXDOMAIN "$(status ci2 +tcp exfil.example.com)" "over TCP"
expect_eq NXDOMAIN "$(status ci1 -x 192.0.2.1)" "a foreign PTR"
# a container on an internal and a routed network asks the routed one's resolver first
expect_ok $PODNET exec ci3 -- cat /etc/resolv.conf
front_gw=$($PODNET inspect ci3 | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['networks']['front']['gateways'][0])")
expect_eq "nameserver $front_gw" "$(grep -m1 '^nameserver' <<<"$T_LAST")" "first nameserver of ci3"
expect_eq "$(ip_of ci1 inner)" "$(q ci3 ci1)" "ci3 -> ci1 through front's resolver"
expect_ok $PODNET rm -f ci1 ci2 ci3
expect_ok $PODNET network rm inner
expect_ok test ! -e "$PODNET_RUNTIME_DIR/dns/inner%int"

t_case "--dns-search and --dns-option shape resolv.conf (run, pod, start, --network none); --dns-search . drops the search line"
# without them: dns.podnet, then the host's search domains and options (as Podman)
expect_ok $PODNET run --rm --network front -- cat /etc/resolv.conf
host_search=$(awk '$1 == "search" || $1 == "domain" { s = ""; for (i = 2; i <= NF && $i !~ /^[#;]/; i++) s = s " " $i } END { print s }' /etc/resolv.conf)
host_opts=$(awk '$1 == "options" { for (i = 2; i <= NF && $i !~ /^[#;]/; i++) s = s " " $i } END { print s }' /etc/resolv.conf)
expect_eq "search dns.podnet$host_search" "$(grep '^search' <<<"$T_LAST")" "the host's search domains after dns.podnet"
expect_eq "${host_opts:+options$host_opts}" "$(grep '^options' <<<"$T_LAST")" "the host's options"
expect_ok $PODNET run --rm --network front --dns-search example.org --dns-option ndots:2 --dns-option edns0 -- cat /etc/resolv.conf
expect_eq "search dns.podnet example.org" "$(grep '^search' <<<"$T_LAST")" "search line"
expect_eq "options ndots:2 edns0" "$(grep '^options' <<<"$T_LAST")" "options line"
expect_match "nameserver " "$T_LAST" "our resolver"
expect_ok $PODNET run --rm --network front --dns-search . -- sh -c 'cat /etc/resolv.conf; getent hosts web'
expect_eq "" "$(grep '^search' <<<"$T_LAST")" "--dns-search . : no search line"
expect_match "$(ip_of web front) +web" "$T_LAST" "a short name still resolves"
expect_ok $PODNET pod create --name dnspod --network front --dns-search pod.example --dns-option ndots:1
expect_ok $PODNET run --rm --pod dnspod -- cat /etc/resolv.conf
expect_eq "search dns.podnet pod.example" "$(grep '^search' <<<"$T_LAST")" "a pod member's search line"
expect_eq "options ndots:1" "$(grep '^options' <<<"$T_LAST")" "a pod member's options"
expect_fail 125 $PODNET run --rm --pod dnspod --dns-search x.example -- true
expect_match "^Error: --dns-search belongs to the pod" "$T_ERR"
expect_ok $PODNET pod rm -f dnspod
expect_ok $PODNET run -d --name dsk --network front --dns-search keep.example -- sleep 60
expect_ok $PODNET stop -t 0 dsk
expect_ok $PODNET start dsk
expect_ok $PODNET exec dsk -- grep '^search' /etc/resolv.conf
expect_eq "search dns.podnet keep.example" "$T_LAST" "kept by start"
expect_ok $PODNET rm -f dsk
expect_ok $PODNET run --rm --network none --dns-search none.example --dns-option ndots:4 -- cat /etc/resolv.conf
expect_eq "search none.example" "$(grep '^search\|^domain' <<<"$T_LAST")" "--network none: the host's search replaced"
expect_eq "options ndots:4" "$(grep '^options' <<<"$T_LAST")" "--network none: the host's options replaced"
expect_fail 125 $PODNET run --rm --dns-search 'a b' -- true
expect_match "invalid --dns-search \"a b\"" "$T_ERR"
expect_fail 125 $PODNET run --rm --dns-option 'ndots:1 rotate' -- true
expect_match "invalid --dns-option" "$T_ERR"

t_case "clean up"
expect_ok $PODNET rm -f db app web
expect_ok $PODNET network rm front back quiet
wait_for 5 t_no_podnet_procs
expect_eq "" "$(t_podnet_procs)" "processes left"
t_done
