#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Networks as a user sees them: two networks, containers on one or both,
# reachability by IP (TCP and ping) on a shared network, isolation between
# networks, connect/disconnect on a running container, --internal.
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"

ip_of() { # container network -> address
  $PODNET inspect "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['networks']['$2']['ips'][0].split('/')[0])"
}
serve() { # container port: a TCP server that answers "pong-<container>"
  $PODNET run -d --name "$1" --network "$2" -- socat -T5 TCP-LISTEN:7000,reuseaddr,fork SYSTEM:"echo pong-$1" >/dev/null
}
tcp() { # from-container ip -> output
  $PODNET exec "$1" -- socat -t2 -T2 - TCP:"$2":7000,connect-timeout=2 </dev/null 2>/dev/null
}
pingok() { $PODNET exec "$1" -- ping -c1 -W1 "$2" >/dev/null 2>&1; }

t_case "network create and ls"
expect_ok $PODNET network create frontend && expect_eq frontend "$T_LAST"
expect_ok $PODNET network create backend
expect_ok $PODNET network ls -q
expect_eq "$(printf 'backend\nfrontend')" "$T_LAST" "ls -q"
expect_ok $PODNET network inspect frontend
subnet=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0]["subnets"][0]["subnet"])' "$T_LAST")
expect_match '^10\.89\.[0-9]+\.0/24$' "$subnet" "frontend subnet"

t_case "containers on one network reach each other, by TCP and ping"
serve db backend
serve app "frontend,backend"
serve web frontend
db_ip=$(ip_of db backend); app_fe=$(ip_of app frontend); app_be=$(ip_of app backend); web_ip=$(ip_of web frontend)
wait_for 5 tcp app "$db_ip"
expect_eq "pong-db" "$(tcp app "$db_ip")" "app -> db (TCP)"
expect_eq "pong-app" "$(tcp web "$app_fe")" "web -> app (TCP)"
pingok app "$db_ip" || t_fail "app cannot ping db"
pingok web "$app_fe" || t_fail "web cannot ping app"

t_case "a network does not reach another"
expect_eq "" "$(tcp web "$db_ip")" "web -> db must fail"
pingok web "$db_ip" && t_fail "web can ping db"
# not even through app's address on the other network, nor the other gateway
pingok web "$app_be" && t_fail "web can ping app's backend address"
gw_be=$($PODNET network inspect backend | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["subnets"][0]["gateway"])')
pingok web "$gw_be" && t_fail "web can ping the backend gateway"

t_case "connect and disconnect change reachability live"
expect_ok $PODNET network connect backend web
wait_for 5 tcp web "$db_ip"
expect_eq "pong-db" "$(tcp web "$db_ip")" "web -> db after connect"
expect_ok $PODNET exec web -- ip -o -4 addr show eth1
expect_match "inet 10\.89\." "$T_LAST" "eth1 address"
expect_ok $PODNET network disconnect backend web
expect_eq "" "$(tcp web "$db_ip")" "web -> db after disconnect"
expect_fail 1 $PODNET exec web -- ip link show eth1
expect_ok $PODNET network disconnect backend app
expect_eq "" "$(tcp app "$db_ip")" "app -> db after disconnect"
expect_ok $PODNET network connect --alias appdb backend app
wait_for 5 tcp app "$db_ip"
expect_eq "pong-db" "$(tcp app "$db_ip")" "app -> db after reconnect"

t_case "a static --ip is honoured and validated"
expect_ok $PODNET network create --subnet 10.77.0.0/24 fixed
expect_ok $PODNET run -d --name fixed1 --network fixed --ip 10.77.0.50 -- sleep 60
expect_eq "10.77.0.50" "$(ip_of fixed1 fixed)"
expect_fail 125 $PODNET run --name fixed2 --network fixed --ip 10.77.0.50 -- true
expect_match "already in use" "$T_ERR"
expect_fail 125 $PODNET run --name fixed3 --network fixed --ip 10.78.0.5 -- true
expect_match "not in subnet|does not match" "$T_ERR"
expect_fail 125 $PODNET run --name fixed4 --network fixed --ip 10.77.0.1 -- true
expect_match "reserved" "$T_ERR"
expect_ok $PODNET rm -f fixed1

t_case "--internal networks have no way out"
expect_ok $PODNET network create --internal inside
expect_ok $PODNET run -d --name priv --network inside -- sleep 60
expect_ok $PODNET exec priv -- ip route
expect_nomatch "default" "$T_LAST" "routes of an internal container"
expect_ok $PODNET exec app -- ip route
expect_match "default via 10\.89\." "$T_LAST" "routes of a normal container"
pingok priv "$app_fe" && t_fail "internal container reaches another network"

t_case "a pod's member is connected through its pod"
# (the refusal freed the member's document twice: the ASan build of the suite
# aborts on it, the release build wrote into freed memory)
expect_ok $PODNET pod create --name npod --network frontend
expect_ok $PODNET run -d --pod npod --name nmember -- sleep 60
expect_fail 125 $PODNET network connect backend nmember
expect_match "container nmember is in pod npod: connect the pod instead" "$T_ERR"
expect_fail 125 $PODNET network disconnect frontend nmember
expect_match "container nmember is in pod npod" "$T_ERR"
expect_ok $PODNET network connect backend npod
expect_ok $PODNET exec nmember -- ip -o -4 addr show eth1
expect_match "inet 10\.89\." "$T_LAST" "the member's eth1, from its pod"
expect_ok $PODNET pod rm -f npod

t_case "rm of a network in use is refused, -f disconnects"
expect_fail 125 $PODNET network rm frontend
expect_match "in use by" "$T_ERR"
expect_ok $PODNET network ls -q
expect_match "frontend" "$T_LAST" "still defined after refusal"
expect_ok $PODNET network rm -f inside
expect_fail 1 $PODNET exec priv -- ip link show eth0
expect_fail 125 $PODNET network inspect inside

t_case "everything removed leaves nothing behind"
expect_ok $PODNET rm -f db app web priv
expect_ok $PODNET network rm frontend backend fixed
wait_for 5 t_no_podnet_procs
left=$(t_podnet_procs)
expect_eq "" "$left" "podnet processes left"
expect_ok $PODNET system check
t_done
