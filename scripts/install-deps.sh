#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install every Debian package that podnet's build, tests and benchmarks need.
# Run as root (or through sudo). Idempotent: packages already present are skipped.
#   scripts/install-deps.sh            build + test dependencies
#   scripts/install-deps.sh --bench    also the peers we benchmark against
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config clang
  libnl-3-dev libnl-route-3-dev libnftables-dev libjansson-dev libslirp-dev libglib2.0-dev
  libcap-dev libcmocka-dev)
# the default suite includes Podman end to end (issue 6): its stack is a test dependency
test_pkgs=(uidmap iproute2 nftables iputils-ping dnsutils socat curl netcat-openbsd
  procps psmisc python3 util-linux jq bc strace iperf3
  podman netavark aardvark-dns slirp4netns runc busybox-static iptables containernetworking-plugins
  golang-go golang-github-appc-cni-dev)
bench_pkgs=(hyperfine dnsperf passt)

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
if [[ "${1:-}" == "--bench" ]]; then want+=("${bench_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
