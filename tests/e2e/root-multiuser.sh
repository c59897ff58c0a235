#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two unprivileged users of one machine use podnet at the same time, with the
# same network and container names and the same default subnet: each has its
# own infra namespace, state and helpers, so neither sees, reaches or stops the
# other's containers; a host port one of them publishes is refused to the
# other by name. Runs as root (it creates the second user, podnet-t2, with
# tests/e2e/setup-user.sh and deletes it at the end); the first user is the
# suite's test user. The second user keeps podnet's default directories
# ($XDG_RUNTIME_DIR/podnet and ~/.local/share/podnet), as a real login would.
. "$(dirname "$0")/lib.sh"
if [[ $(id -u) -ne 0 ]]; then
  t_case "runs as root"; t_fail "root-multiuser.sh creates a user: run it as root"; t_done; exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
U1=${PODNET_TEST_USER:-podnet-test}
U2=podnet-t2
PODNET_TEST_USER=$U1 "$here/setup-user.sh" >/dev/null
new_u2=0; id "$U2" >/dev/null 2>&1 || new_u2=1
PODNET_TEST_USER=$U2 "$here/setup-user.sh" >/dev/null
scratch=$(mktemp -d /tmp/podnet-multiuser.XXXXXX)
chmod 0711 "$scratch"
install -d -m 0700 -o "$U1" -g "$U1" "$scratch/u1"
chmod o+rx "$PODNET_BUILD" "$PODNET_BUILD/bin" 2>/dev/null || true

# as USER CMD...: CMD as USER, in a login-like environment; the first user's
# state lives in the scratch directory, the second's in its default places
as() {
  local u=$1; shift
  local extra=()
  [[ $u == "$U1" ]] && extra=(PODNET_DATA_DIR="$scratch/u1/data" PODNET_RUNTIME_DIR="$scratch/u1/run")
  runuser -u "$u" -- env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME="$(getent passwd "$u" | cut -d: -f6)" \
    USER="$u" XDG_RUNTIME_DIR="/run/user/$(id -u "$u")" "${extra[@]}" "$@"
}
live_procs() { ps -u "$1" -o pid=,stat= 2>/dev/null | awk '$2 !~ /^Z/ {print $1}' | tr '\n' ' '; }
# procs_of_dir USER DIR: live processes of USER started for podnet runtime directory DIR
procs_of_dir() {
  local pid out=""
  for pid in $(live_procs "$1"); do
    tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qx "PODNET_RUNTIME_DIR=$2" && out+="$pid "
  done
  echo "$out"
}
cleanup() {
  as "$U1" "$PODNET" system reset -f
  as "$U2" "$PODNET" system reset -f
  rm -rf "$scratch"
  if ((new_u2)); then
    for pid in $(live_procs "$U2"); do kill -9 "$pid"; done
    userdel -r "$U2" 2>/dev/null
    sed -i "/^$U2:/d" /etc/subuid /etc/subgid
  fi
}
t_on_exit cleanup
base=$(t_free_port_base 2)
p1=$base p2=$((base + 1))
get() { socat -t3 -T3 - "TCP:$1,connect-timeout=3" </dev/null 2>/dev/null; }
ip_of() { # user container network
  as "$1" "$PODNET" inspect "$2" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["networks"][sys.argv[1]]["ips"][0].split("/")[0])' "$3"
}
serve() { # user port: network app, container web answering with the user's name
  as "$1" "$PODNET" network create app >/dev/null &&
    as "$1" "$PODNET" run -d --name web --network app -p "$2:80" -- \
      socat -T5 TCP-LISTEN:80,reuseaddr,fork SYSTEM:"echo $1" >/dev/null
}

t_case "two users create the same network and container names at the same time"
serve "$U1" "$p1" & s1=$!
serve "$U2" "$p2" & s2=$!
wait $s1 || t_fail "$U1: network create app / run --name web failed"
wait $s2 || t_fail "$U2: network create app / run --name web failed"
wait_for 5 get "127.0.0.1:$p1"; wait_for 5 get "127.0.0.1:$p2"
expect_eq "$U1" "$(get "127.0.0.1:$p1")" "port $p1 reaches $U1's web"
expect_eq "$U2" "$(get "127.0.0.1:$p2")" "port $p2 reaches $U2's web"
expect_eq "$(ip_of "$U1" web app)" "$(ip_of "$U2" web app)" "both got the first address of the same default subnet"
expect_ok as "$U1" "$PODNET" ps --format '{{.Names}} {{.Ports}}'
expect_eq "web 0.0.0.0:$p1->80/tcp" "$T_LAST" "$U1's ps lists only its own web"
expect_ok as "$U2" "$PODNET" ps --format '{{.Names}} {{.Ports}}'
expect_eq "web 0.0.0.0:$p2->80/tcp" "$T_LAST" "$U2's ps lists only its own web"
expect_eq "$(getent passwd "$U2" | cut -d: -f6)/.local/share/podnet" \
  "$(as "$U2" "$PODNET" info | python3 -c 'import json,sys; print(json.load(sys.stdin)["data_dir"])')" \
  "$U2's data directory"

t_case "a host port one user publishes is refused to the other, by name, leaving nothing"
expect_fail 125 as "$U2" "$PODNET" run -d --name taken --network app -p "$p1:80" -- sleep 60
expect_match "port $p1/tcp on 0\.0\.0\.0 is already in use" "$T_ERR"
expect_ok as "$U2" "$PODNET" ps -a --format '{{.Names}}'
expect_eq "web" "$T_LAST" "$U2's containers"
expect_eq "$U1" "$(get "127.0.0.1:$p1")" "$U1's port still its own"

t_case "each user's names resolve to its own containers; other users' addresses are not reachable"
expect_ok as "$U1" "$PODNET" exec web -- getent hosts web
expect_match "^$(ip_of "$U1" web app) +web" "$T_LAST" "$U1 resolves its web"
expect_ok as "$U1" "$PODNET" network create --subnet 10.231.7.0/24 only1
expect_ok as "$U1" "$PODNET" run -d --name db --network only1 --ip 10.231.7.5 -- \
  socat -T5 TCP-LISTEN:5432,reuseaddr,fork SYSTEM:"echo db-of-$U1"
wait_for 5 as "$U1" "$PODNET" run --rm --network only1 -- socat -T3 - TCP:10.231.7.5:5432,connect-timeout=3
expect_ok as "$U1" "$PODNET" run --rm --network only1 -- socat -T3 - TCP:10.231.7.5:5432,connect-timeout=3
expect_eq "db-of-$U1" "$T_LAST" "$U1 reaches its db"
# names under dns.podnet are answered by podnet-dns itself: nothing leaves the machine
expect_fail '!' as "$U2" "$PODNET" run --rm --network app -- getent hosts db.dns.podnet
expect_eq "" "$T_LAST" "$U2 resolves $U1's db"
# the same subnet in the second user's infra namespace is another link: the address
# is nobody there (and the probe stays on that bridge)
expect_ok as "$U2" "$PODNET" network create --subnet 10.231.7.0/24 mirror
expect_fail '!' as "$U2" "$PODNET" run --rm --network mirror -- socat -T2 - TCP:10.231.7.5:5432,connect-timeout=2
expect_nomatch "db-of" "$T_LAST" "$U2 reaches $U1's db"

t_case "one user's reset stops only its own"
expect_ok as "$U2" "$PODNET" system reset -f
wait_for 5 bash -c "[[ -z \"\$(ps -u $U2 -o pid=,stat= | awk '\$2 !~ /^Z/')\" ]]"
expect_eq "" "$(live_procs "$U2")" "$U2's processes after its reset"
expect_eq "$U1" "$(get "127.0.0.1:$p1")" "$U1's web after $U2's reset"
expect_ok as "$U1" "$PODNET" ps --format '{{.Names}}'
expect_eq "db web" "$(sort <<<"$T_LAST" | tr '\n' ' ' | sed 's/ $//')" "$U1's containers"
expect_ok as "$U1" "$PODNET" system reset -f
wait_for 5 bash -c "[[ -z \"\$(ps -u $U1 -o pid=,stat= | awk '\$2 !~ /^Z/')\" ]]"
expect_eq "" "$(procs_of_dir "$U1" "$scratch/u1/run")" "$U1's podnet processes after its reset"
t_done
