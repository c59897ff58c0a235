#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Name resolution as a user sees it through the CLI: names, aliases, the
# search domain, PTR, case, TCP, a container on two networks, isolation, and
# records following run, connect, disconnect and rm live.
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"
ip_of() { $PODNET inspect "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['networks']['$2']['ips'][0].split('/')[0])"; }
q() { $PODNET exec "$1" -- dig +short +time=2 +tries=1 "${@:2}" 2>/dev/null; }
status() { $PODNET exec "$1" -- dig +time=2 +tries=1 "${@:2}" 2>/dev/null | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }

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

t_case "clean up"
expect_ok $PODNET rm -f db app web
expect_ok $PODNET network rm front back quiet
wait_for 5 t_no_podnet_procs
expect_eq "" "$(t_podnet_procs)" "processes left"
t_done
