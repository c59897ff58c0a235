#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Create (or reuse) the unprivileged user the black-box tests run as.
# Run as root. Prints nothing on success except what it changed.
#   - user podnet-test with a home directory and a /etc/subuid + /etc/subgid range
#   - /run/user/UID owned by it (no logind session here, so we make it)
#   - /dev/net/tun mode 0666 if this VM ships it 0600 (real distributions ship 0666;
#     the slirp tap needs it). We say so when we change it.
#   - net.ipv4.ping_group_range "0 2147483647" if ping sockets are off (the
#     kernel's default "1 0"; systemd's 50-default.conf on Debian, Fedora and
#     others sets this range, and libslirp forwards ICMP echo through them).
#     We say so when we change it.
set -euo pipefail
USER_NAME=${PODNET_TEST_USER:-podnet-test}
if ! id "$USER_NAME" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash "$USER_NAME"
  echo "setup-user: created user $USER_NAME"
fi
uid=$(id -u "$USER_NAME")
# a range of 65536 from 1200000 on that no other entry of the file overlaps
# (several test users, as t-multiuser makes, each get their own)
free_start() {
  local start=1200000
  while awk -F: -v s="$start" '$2 + 0 < s + 65536 && $2 + $3 > s { found = 1 } END { exit !found }' "$1"; do
    start=$((start + 65536))
  done
  echo "$start"
}
for f in /etc/subuid /etc/subgid; do
  touch "$f"
  if ! grep -q "^$USER_NAME:" "$f"; then
    start=$(free_start "$f")
    echo "$USER_NAME:$start:65536" >>"$f"
    echo "setup-user: added $USER_NAME:$start:65536 to $f"
  fi
done
install -d -m 0700 -o "$USER_NAME" -g "$USER_NAME" "/run/user/$uid"
if [[ -e /dev/net/tun ]]; then
  mode=$(stat -c %a /dev/net/tun)
  if [[ "$mode" != "666" ]]; then
    chmod 0666 /dev/net/tun
    echo "setup-user: /dev/net/tun was $mode, set to 0666 as on standard distributions"
  fi
fi
if [[ -e /proc/sys/net/ipv4/ping_group_range ]]; then
  read -r lo hi </proc/sys/net/ipv4/ping_group_range
  gid=$(id -g "$USER_NAME")
  if (( gid < lo || gid > hi )); then
    echo "0 2147483647" >/proc/sys/net/ipv4/ping_group_range
    echo "setup-user: net.ipv4.ping_group_range was '$lo $hi', set to '0 2147483647' as systemd does on standard distributions"
  fi
fi
