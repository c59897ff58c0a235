#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The slow Podman end-to-end suite of the netavark front (issue 6): Debian's
# podman 4.3.1, rootless, as the unprivileged test user, with podnet's
# `netavark` first in helper_binaries_dir. Needs root (to create the user and
# install packages). Also drives podnet-bridge through libcni (tests/cni/).
# Usage: scripts/test-podman.sh [BUILD_DIR]     (default: build)
# Prints a TAP-like transcript and "podman e2e: N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# The transcript, run as the test user.
podman_transcript() {
  local img=localhost/podnet-busybox:latest rundir=$XDG_RUNTIME_DIR/containers/networks
  local web=pnp-web c2=pnp-c2 n1=pnp-n1 n2=pnp-n2 port webip state
  port=$(t_free_port_base 1) || return
  cd "$HOME" || return
  # a run that was killed may have left its fixed names behind: start clean
  podman rm -f -t0 $web $c2 >/dev/null 2>&1
  podman network rm -f $n1 $n2 >/dev/null 2>&1
  t_on_exit "podman network rm -f $n1 $n2"
  t_on_exit "podman rm -f -t0 $web $c2"

  # (busybox 1.35's wget -T crashes: timeout(1) bounds the clients instead)
  t_case "a local image from Debian's busybox-static (podman import)"
  local root=$T_OUT/img
  mkdir -p "$root/bin" "$root/www" "$root/etc" "$root/tmp"
  cp /bin/busybox "$root/bin/"
  for c in sh httpd wget nslookup ip cat sleep true timeout; do ln -sf busybox "$root/bin/$c"; done
  echo "hello from podnet" >"$root/www/index.html"
  tar -C "$root" -cf "$T_OUT/img.tar" .
  expect_ok podman import -q "$T_OUT/img.tar" "$img"

  t_case "podman network create; podman run -d --network N -p PORT:80 ... httpd"
  expect_ok podman network create $n1
  expect_ok podman network create $n2
  expect_ok podman run -d --network $n1 --name $web -p $port:80 "$img" httpd -f -p 80 -h /www
  # podnet's backend did the setup: netavark keeps no podnet/ state
  expect_ok grep -q "\"$n1\"" "$rundir/podnet/state.json"
  expect_match " $web," "$(cat "$rundir/aardvark-dns/$n1" 2>&1)" "records file"

  t_case "the published port answers from the host (rootlessport dials the address we reported)"
  wait_for 10 wget -T 2 -qO- "http://127.0.0.1:$port/"
  expect_ok wget -T 5 -qO- "http://127.0.0.1:$port/"
  expect_eq "hello from podnet" "$T_LAST"

  t_case "another container on the network reaches web by name and by IP"
  webip=$(podman inspect -f "{{(index .NetworkSettings.Networks \"$n1\").IPAddress}}" $web)
  expect_match '^10\.' "$webip" "web's address"
  expect_ok podman run --rm --network $n1 "$img" timeout 5 wget -qO- "http://$web/"
  expect_eq "hello from podnet" "$T_LAST" "by name"
  expect_ok podman run --rm --network $n1 "$img" timeout 5 wget -qO- "http://$web.dns.podman/"
  expect_ok podman run --rm --network $n1 "$img" timeout 5 wget -qO- "http://$webip/"
  expect_eq "hello from podnet" "$T_LAST" "by IP"

  t_case "a container on another network can neither reach nor resolve web"
  expect_fail '!' podman run --rm --network $n2 "$img" timeout 3 wget -qO- "http://$webip/"
  expect_fail '!' podman run --rm --network $n2 "$img" nslookup $web

  t_case "network connect and disconnect on a running container"
  expect_ok podman run -d --network $n2 --name $c2 "$img" sleep 600
  expect_fail '!' podman exec $c2 timeout 3 wget -qO- "http://$webip/"
  expect_ok podman network connect $n1 $c2
  expect_ok podman exec $c2 cat /proc/net/dev
  expect_match 'eth1' "$T_LAST" "second interface"
  expect_ok podman exec $c2 timeout 5 wget -qO- "http://$web/"
  expect_eq "hello from podnet" "$T_LAST" "after connect, by name"
  expect_ok podman network disconnect $n1 $c2
  expect_ok podman exec $c2 cat /proc/net/dev
  expect_nomatch 'eth1' "$T_LAST" "after disconnect"
  expect_fail '!' podman exec $c2 timeout 3 wget -qO- "http://$webip/"
  expect_ok grep -c . "$rundir/aardvark-dns/$n1"
  expect_eq 2 "$T_LAST" "records of $n1: header and web only"

  t_case "the firewall is our one table: isolation, masquerade out of tap0"
  expect_ok podman unshare --rootless-netns nft list table inet podnet
  expect_match 'oifname "tap0" masquerade' "$T_LAST"
  expect_ok podman unshare --rootless-netns nft list ruleset
  expect_nomatch 'NETAVARK' "$T_LAST" "no netavark iptables chains"

  t_case "podman rm -f leaves nothing: no veths, no bridges, no records, no daemon"
  local dpid
  dpid=$(cat "$rundir/aardvark-dns/aardvark.pid" 2>/dev/null)
  expect_ok podman rm -f -t0 $web $c2
  # Podman drops its rootless netns with the last container; if it is still there, it is empty
  if compgen -G "$XDG_RUNTIME_DIR/netns/rootless-netns-*" >/dev/null; then
    expect_ok podman unshare --rootless-netns ip -o link
    expect_nomatch ' pn[0-9a-f]{12}' "$T_LAST" "host-side veths"
    expect_nomatch ' podman[0-9]+' "$T_LAST" "bridges"
  fi
  expect_eq "" "$(ls "$rundir/aardvark-dns" 2>/dev/null | grep -v '^aardvark' || true)" "records files"
  expect_eq "" "$(jq -r '.networks | keys[]' "$rundir/podnet/state.json" 2>/dev/null || grep -o "$n1" "$rundir/podnet/state.json")" "state"
  if [[ -n $dpid ]]; then wait_for 5 bash -c "! kill -0 $dpid"; expect_fail '!' kill -0 "$dpid"; fi
}

# Podman with network_backend = "cni" and a conflist of podnet-bridge alone
# (rootless: the plugin runs in Podman's rootless netns; host ports are
# rootlessport's, dialing the address of our ADD result).
cni_transcript() {
  local img=localhost/podnet-busybox:latest net=pncni-net web=pncni-web port webip out
  port=$(t_free_port_base 1) || return
  cd "$HOME" || return
  export CONTAINERS_CONF=$PODNET_CNI_CONF
  podman rm -f -t0 $web >/dev/null 2>&1
  t_on_exit "CONTAINERS_CONF=$PODNET_CNI_CONF podman rm -f -t0 $web"
  t_on_exit "rm -f $HOME/.config/cni/net.d/$net.conflist"
  mkdir -p "$HOME/.config/cni/net.d"
  jq -n --arg n "$net" '{cniVersion:"1.0.0", name:$n, plugins:[{type:"podnet-bridge", bridge:"pncni9",
      isGateway:true, ipMasq:true, ipam:{type:"host-local", ranges:[[{subnet:"10.89.209.0/24"}]]},
      capabilities:{ips:true, aliases:true, portMappings:true}}]}' >"$HOME/.config/cni/net.d/$net.conflist"

  t_case "cni backend: podman sees the conflist of podnet-bridge (VERSION answered)"
  expect_ok podman info --format '{{.Host.NetworkBackend}}'
  expect_eq "cni" "$T_LAST"
  expect_ok podman network inspect $net
  expect_eq "podnet-bridge" "$(jq -r '.[0].driver' <<<"$T_LAST")" "driver shown"

  t_case "cni backend: podman run --network N gets its address from podnet-bridge"
  expect_ok podman run -d --network $net --name $web -p $port:80 "$img" httpd -f -p 80 -h /www
  webip=$(podman inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" $web)
  expect_match '^10\.89\.209\.[0-9]+$' "$webip" "web's address"
  expect_ok podman exec $web ip -o addr show eth0
  expect_match "inet $webip/24" "$T_LAST"

  t_case "cni backend: a second container reaches the first by IP; the host port answers"
  expect_ok podman run --rm --network $net "$img" timeout 5 wget -qO- "http://$webip/"
  expect_eq "hello from podnet" "$T_LAST" "by IP"
  wait_for 10 wget -T 2 -qO- "http://127.0.0.1:$port/"
  expect_ok wget -T 5 -qO- "http://127.0.0.1:$port/"
  expect_eq "hello from podnet" "$T_LAST" "host port (rootlessport)"

  t_case "cni backend: podman rm leaves nothing (veths, bridge, leases, libcni cache)"
  expect_ok podman rm -f -t0 $web
  if compgen -G "$XDG_RUNTIME_DIR/netns/rootless-netns-*" >/dev/null; then
    expect_ok podman unshare --rootless-netns ip -o link
    expect_nomatch ' (pn[0-9a-f]{12}|pncni9)[@:]' "$T_LAST" "veths and bridge"
  fi
  out=$(ls "$XDG_RUNTIME_DIR/libpod/tmp/rootless-netns/var/lib/cni/podnet/ipam/$net" 2>/dev/null | grep -E '^10\.' || true)
  expect_eq "" "$out" "leases"
  out=$(ls "$XDG_RUNTIME_DIR/libpod/tmp/rootless-netns/var/lib/cni/results" 2>/dev/null | grep "^$net-" || true)
  expect_eq "" "$out" "libcni result cache"
}

if [[ ${1:-} == --as-user ]]; then
  source "$top/tests/e2e/lib.sh"
  podman_transcript
  cni_transcript
  t_done
  exit
fi
build=$(cd "${1:-$top/build}" && pwd)
TUSER=${PODNET_TEST_USER:-podnet-test}
[[ $(id -u) -eq 0 ]] || { echo "run as root"; exit 1; }
for p in podman runc aardvark-dns slirp4netns busybox-static uidmap; do
  dpkg -s "$p" >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y podman netavark aardvark-dns \
    slirp4netns runc busybox-static uidmap >/dev/null || { echo "cannot install $p"; exit 1; }
done
"$top/tests/e2e/setup-user.sh"
[[ -x $build/bin/podman-backend/netavark ]] || { echo "build the plugins first (cmake --build $build --target plugins)"; exit 1; }

total_pass=0 total_fail=0
count() { local p f; read -r p f <"$1" 2>/dev/null || { p=0 f=1; }; total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); }

# podnet-bridge under libcni, as root in private namespaces (tests/cni/)
res=$(mktemp)
PODNET_BUILD="$build" T_RESULT_FILE="$res" timeout 300 "$top/tests/cni/t-libcni.sh"
count "$res"

# podnet's helper directory: readable by the test user wherever the build lives
helpers=$(mktemp -d /tmp/podnet-helpers.XXXXXX)
install -m 0755 "$build/bin/podman-backend/netavark" "$helpers/netavark"
install -d -m 0755 "$helpers/cni"
install -m 0755 "$build/bin/cni/podnet-bridge" "$helpers/cni/podnet-bridge"
chmod 0755 "$helpers"
trap 'rm -rf "$helpers" "$res"' EXIT
home=$(getent passwd "$TUSER" | cut -d: -f6)
install -d -o "$TUSER" -g "$TUSER" "$home/.config" "$home/.config/containers"
conf=$home/.config/containers/containers.conf
[[ -f $conf && ! -f $conf.podnet-saved ]] && cp "$conf" "$conf.podnet-saved"
cat >"$conf" <<CONF
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
helper_binaries_dir = ["$helpers", "/usr/local/libexec/podman", "/usr/local/lib/podman", "/usr/libexec/podman", "/usr/lib/podman"]
[network]
network_backend = "netavark"
CONF
chown "$TUSER:$TUSER" "$conf"
# the same with the CNI backend, for cni_transcript (CONTAINERS_CONF)
cniconf=$helpers/containers-cni.conf
sed -e 's/^network_backend = .*/network_backend = "cni"/' "$conf" >"$cniconf"
echo "cni_plugin_dirs = [\"$helpers/cni\", \"/usr/lib/cni\"]" >>"$cniconf"
chmod 0644 "$cniconf"
install -m 0644 -o "$TUSER" /dev/null "$helpers/user-result"

runuser -u "$TUSER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME="$home" USER="$TUSER" \
  XDG_RUNTIME_DIR="/run/user/$(id -u "$TUSER")" PODNET_BUILD="$build" PODNET_HELPERS="$helpers" \
  PODNET_CNI_CONF="$cniconf" T_RESULT_FILE="$helpers/user-result" bash "$0" --as-user
count "$helpers/user-result"
rc=$(( total_fail == 0 ? 0 : 1 ))
[[ -f $conf.podnet-saved ]] && mv "$conf.podnet-saved" "$conf"
# rootless Podman leaves its pause process running: stop it by its pid file,
# so the suite leaves no process of the test user behind. The process is
# catatonit -P when catatonit is installed (a Recommends of podman), else podman
# itself, named "podman pause" (install-deps.sh installs without Recommends).
pause=/run/user/$(id -u "$TUSER")/libpod/tmp/pause.pid
if [[ -s $pause ]]; then
  pid=$(cat "$pause")
  if [[ "$(stat -c %U /proc/"$pid" 2>/dev/null)" == "$TUSER" ]] &&
     [[ "$(cat /proc/"$pid"/comm 2>/dev/null)" =~ ^(catatonit|podman\ pause)$ ]]; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
  fi
fi
echo "podman e2e: $total_pass passed, $total_fail failed"
exit $rc
