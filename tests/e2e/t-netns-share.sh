#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `run --network container:NAME` (Podman's and Docker's spelling): a container
# that joins another's network namespace (a sidecar, a debugging tool), shares
# its interfaces, localhost, published ports, /etc/hosts and /etc/resolv.conf;
# bad combinations are refused; rm refuses the container others join unless
# --depend (or --all) removes them first, and pod rm refuses a pod whose
# member others joined; start joins again. Stopping the container others
# join takes its interfaces from them (as with Podman): its addresses are
# free then.
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"
port=$(t_free_port_base 1)
get() { socat -t3 -T3 - "TCP:$1,connect-timeout=3" </dev/null 2>/dev/null; }
insp() { $PODNET inspect "$1" | python3 -c "import json,sys; d=json.load(sys.stdin)[0]; print($2)"; }
names() { $PODNET ps -a --format '{{.Names}}' | sort | tr '\n' ' ' | sed 's/ $//'; }

t_case "a container on another's network: its interfaces, localhost, published port and /etc files"
expect_ok $PODNET network create front
expect_ok $PODNET run -d --name web --network front -p "$port:80" -- socat -T5 TCP-LISTEN:80,reuseaddr,fork SYSTEM:'echo web'
web_ip=$(insp web "d['networks']['front']['ips'][0].split('/')[0]")
expect_ok $PODNET run --rm --network container:web -- ip -o -4 addr show eth0
expect_match "inet $web_ip/" "$T_LAST" "eth0 of a container run on web's network"
expect_ok $PODNET run -d --name side --network container:web -- socat -T5 TCP-LISTEN:81,reuseaddr,fork SYSTEM:'echo side'
wait_for 5 $PODNET exec web -- socat -T2 - TCP:127.0.0.1:81
expect_ok $PODNET exec web -- socat -T2 - TCP:127.0.0.1:81
expect_eq "side" "$T_LAST" "web reaches side on localhost"
wait_for 5 get "127.0.0.1:$port"
expect_eq "web" "$(get "127.0.0.1:$port")" "web's published port"
expect_ok $PODNET run --rm --network front -- socat -T2 - TCP:web:81
expect_eq "side" "$T_LAST" "side through web's name and address"
expect_eq "$($PODNET exec web -- cat /etc/resolv.conf)" "$($PODNET exec side -- cat /etc/resolv.conf)" "resolv.conf"
expect_eq "$($PODNET exec web -- cat /etc/hosts)" "$($PODNET exec side -- cat /etc/hosts)" "/etc/hosts"
expect_ok $PODNET exec side -- hostname
expect_eq "side" "$T_LAST" "a hostname of its own"
expect_eq "container:$(insp web "d['id']")" "$(insp side "d['network_mode']")" "inspect: network_mode"
expect_ok $PODNET inspect -f '{{.HostConfig.NetworkMode}} {{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}} {{json .NetworkSettings.Ports}}' side
expect_eq "container:$(insp web "d['id']") $web_ip {\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"$port\"}]}" "$T_LAST" \
  "inspect: web's networks and ports, as Podman shows them"
expect_ok $PODNET ps --format table
expect_match "side +running +container:$(insp web "d['id'][:12]")" "$T_LAST" "ps: NETWORKS"
# web's connects show in side at once: same interfaces, and the files are bind mounts
expect_ok $PODNET network create back
expect_ok $PODNET network connect back web
back_ip=$(insp web "d['networks']['back']['ips'][0].split('/')[0]")
expect_ok $PODNET exec side -- ip -o -4 addr show eth1
expect_match "inet $back_ip/" "$T_LAST" "the new interface, seen from side"
expect_ok $PODNET exec side -- cat /etc/resolv.conf
expect_eq "2" "$(grep -c '^nameserver' <<<"$T_LAST")" "side's resolv.conf after web's connect"
expect_fail 125 $PODNET network connect back side
expect_match "network mode" "$T_ERR" "connect refuses it"

t_case "bad uses are refused and leave nothing"
before=$(names)
for opt in "-p 9999:80" "--ip 10.89.0.77" "--network-alias x" "--dns 192.0.2.1" "--dns-search a.example" "--add-host a:192.0.2.1"; do
  # shellcheck disable=SC2086 # the option and its value
  expect_fail 125 $PODNET run --rm --network container:web $opt -- true
  expect_match "^Error: conflicting options: --[a-z-]+ and the network mode \(--network container:web\)" "$T_ERR" "$opt"
done
expect_fail 125 $PODNET run --rm --network container:nope -- true
expect_match "no such container: nope" "$T_ERR"
expect_fail 125 $PODNET run --rm --network container:web --network front -- true
expect_match "cannot be combined with other networks" "$T_ERR"
expect_ok $PODNET run -d --name gone -- true
wait_for 5 bash -c "[[ \$($PODNET inspect gone | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"state\"])') == exited ]]"
expect_fail 125 $PODNET run --rm --network container:gone -- true
expect_match "container gone is not running" "$T_ERR"
expect_ok $PODNET rm gone
expect_fail 125 $PODNET pod create --name p1 --network container:web
expect_match "not a pod's network mode" "$T_ERR"
expect_eq "$before" "$(names)" "containers after the refusals"

t_case "rm refuses the container others join; start joins again; --depend and --all remove in order"
expect_fail 125 $PODNET rm -f web
expect_match "container web has dependent containers which must be removed before it: side" "$T_ERR"
expect_eq "running" "$(insp web "d['state']")" "web after the refusal"
expect_ok $PODNET stop -t 0 side
expect_ok $PODNET start side
wait_for 5 $PODNET exec web -- socat -T2 - TCP:127.0.0.1:81
expect_ok $PODNET exec web -- socat -T2 - TCP:127.0.0.1:81
expect_eq "side" "$T_LAST" "side started again on web's network"
expect_ok $PODNET run -d --name side2 --network container:side -- sleep 60
expect_ok $PODNET exec side2 -- ip -o -4 addr show eth0
expect_match "inet $web_ip/" "$T_LAST" "a container on side's network is on web's"
expect_ok $PODNET rm -f --depend web
expect_eq "side2 side web" "$(echo $T_LAST)" "rm --depend: the dependents first"
expect_eq "" "$(names)" "containers left"
expect_ok $PODNET run -d --name web -- sleep 60
expect_ok $PODNET run -d --name side --network container:web -- sleep 60
expect_ok $PODNET run -d --name zz -- sleep 60
expect_fail 125 $PODNET rm -a
expect_eq "3" "$(grep -c . <<<"$T_ERR")" "rm -a without -f: one line for each container kept"
expect_match "container web has dependent containers which must be removed before it: side" "$T_ERR" "why web stays"
expect_match "container side is running" "$T_ERR" "why side stays"
expect_eq "side web zz" "$(names)" "rm -a without -f: the running ones stay"
expect_ok $PODNET rm -a -f
expect_eq "" "$(names)" "rm -a -f removes all, dependents first"

t_case "rm -f of a container that another joins meanwhile refuses to remove it"
expect_ok $PODNET run -d --name jx -- sleep 60
jtmp=$(mktemp -d)
t_on_exit "rm -rf $jtmp"
# rm's second hold of the lock (in its stop) is held up; jside joins jx in between
(t_strace -f -qq -o "$jtmp/trace" -e trace=flock -e inject=flock:delay_enter=2000000:when=2 \
  $PODNET rm -f jx >"$jtmp/out" 2>"$jtmp/err"; echo $? >"$jtmp/rc") &
wait_for 5 grep -q "LOCK_EX.*= 0" "$jtmp/trace"
expect_ok $PODNET run -d --name jside --network container:jx -- sleep 60
wait
expect_eq 125 "$(cat "$jtmp/rc")" "rm -f jx"
expect_match "container jx has dependent containers which must be removed before it: jside" "$(cat "$jtmp/err")"
expect_ok $PODNET inspect jx
expect_ok $PODNET rm -f --depend jx
expect_eq "" "$(names)" "containers left"

t_case "pod rm refuses a pod whose member another container joined, -f or not"
expect_ok $PODNET pod create --name p2 --network front
expect_ok $PODNET run -d --pod p2 --name member -- socat -T5 TCP-LISTEN:82,reuseaddr,fork SYSTEM:'echo member'
expect_ok $PODNET run -d --name outsider --network container:member -- sleep 60
for f in "" -f; do
  expect_fail 125 $PODNET pod rm $f p2
  expect_match "pod p2: container member has dependent containers outside the pod, which must be removed first: outsider" "$T_ERR" "pod rm $f"
done
expect_eq "running running" "$(insp member "d['state']") $(insp outsider "d['state']")" "both after the refusals"
wait_for 5 $PODNET exec outsider -- socat -T2 - TCP:127.0.0.1:82
expect_ok $PODNET exec outsider -- socat -T2 - TCP:127.0.0.1:82
expect_eq "member" "$T_LAST" "outsider still on the pod's network"
expect_ok $PODNET rm -f outsider
expect_ok $PODNET pod rm -f p2
expect_eq "" "$(names)" "containers left"
t_case "stop of a container that another joins: its interfaces go before its addresses are free"
# The dependent holds the network namespace, so its veth would outlive the
# stop while the address, DNS record and source guard were released: a new
# container got the same --ip (two on the bridge), the port sent unguarded.
in_i() { nsenter -t "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$PODNET_RUNTIME_DIR/holder.json")" \
  -U -n --preserve-credentials -- "$@"; }
expect_ok $PODNET run -d --name sweb --network front -- sleep 120
sweb_ip=$(insp sweb "d['networks']['front']['ips'][0].split('/')[0]")
sweb_port=$(insp sweb "d['networks']['front']['host_interface']")
expect_ok $PODNET run -d --name sside --network container:sweb -- sleep 120
expect_ok $PODNET stop -t 0 sweb
expect_ok $PODNET exec sside -- ip -o addr show
expect_nomatch "inet $sweb_ip/" "$T_LAST" "sside's addresses once sweb stopped"
expect_eq "" "$(in_i ip -o link show "$sweb_port" 2>/dev/null)" "sweb's bridge port once it stopped"
expect_ok $PODNET run -d --name snew --network front --ip "$sweb_ip" -- sleep 120
expect_ok $PODNET exec sside -- ip -o addr show
expect_nomatch "inet $sweb_ip/" "$T_LAST" "sside's addresses once snew has sweb's"
expect_ok $PODNET rm -f sside snew sweb

expect_ok $PODNET network rm front back
wait_for 5 t_no_podnet_procs
expect_eq "" "$(t_podnet_procs)" "processes left"
expect_ok $PODNET system check
t_done
