#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# podnet-dns answers while its first load runs: with 160 000 records on two
# networks, a client that asks from before the server listens until after
# the load gets only right answers (a name near the end of a file, an alias in
# another case with the search domain, PTR, a name of the other network:
# NXDOMAIN, the same name from a container on both networks: its address,
# an unknown name: NXDOMAIN), and some of them came while the records were
# still being read (the server logs how many), but not more than the cap
# after which the rest of the load runs in one go (64, plus one batch).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../../dns/testing/e2e-env.sh"

t_case "set up: infra namespace, networks big and big2 with 80 000 records each"
dns_infra_up || t_fail "dns_infra_up failed"
dns_network big pnbig 10.89.0.1 || t_fail "dns_network failed"
dns_network big2 pnbig2 10.89.1.1 || t_fail "dns_network failed"
in_infra ip addr add 10.89.0.9/32 dev pnbig || t_fail "address of the container on both networks"
in_infra ip addr add 10.89.0.50/32 dev pnbig || t_fail "address of a container on big only"
expect_ok python3 - "$DNS_DIR" <<'PY'
import os, sys
d = sys.argv[1]
ip = lambda i: "10.%d.%d.%d" % (100 + i // 65536, i // 256 % 256, i % 256)
def write(name, gw, lines):
    with open("%s/.%s.new" % (d, name), "w") as f:
        f.write(gw + "\n" + "".join(lines))
    os.rename("%s/.%s.new" % (d, name), "%s/%s" % (d, name))
write("big", "10.89.0.1", ["d0a1 10.89.0.9  dual\n"] + ["%x %s  c%d,a%d\n" % (i, ip(i), i, i) for i in range(80000)])
write("big2", "10.89.1.1", ["%x %s  e%d\n" % (i + 80000, ip(i + 80000), i) for i in range(80000)] +
      ["d0a1 10.89.1.9  dual\n", "f00d 10.89.1.50  onlyin2\n"])
PY
expect_ok test "$(stat -c %s "$DNS_DIR/big")" -lt $((4 << 20))

t_case "every answer is right, from before the server listens until after its first load"
DNS_LOG=$T_OUT/podnet-dns.log
in_infra python3 "$DNS_TESTING/dnsclient.py" rounds 10.89.0.1 "$DNS_LOG" 30 \
  10.89.0.50,c79999,1,10.101.56.127 \
  10.89.0.50,A79999.DNS.podnet,1,10.101.56.127 \
  10.89.0.50,127.56.101.10.in-addr.arpa,12,c79999.dns.podnet \
  10.89.0.50,onlyin2,1,NXDOMAIN \
  10.89.0.9,onlyin2,1,10.89.1.50 \
  10.89.0.50,nope.dns.podnet,1,NXDOMAIN >"$T_OUT/rounds.out" 2>&1 &
CLIENT=$!
t_on_exit "kill $CLIENT"
sleep 0.3 # the client is asking
dns_start || t_fail "podnet-dns did not start"
wait "$CLIENT"
expect_eq 0 $? "client exit status ($(tail -3 "$T_OUT/rounds.out"))"
expect_match "^[1-9][0-9]* right, 0 wrong$" "$(tail -1 "$T_OUT/rounds.out")"
expect_match "records loaded: 2 networks, 160003 records" "$(cat "$DNS_LOG")"
loaded=$(grep -o 'first load done: [0-9]* queries' "$DNS_LOG" | grep -o '[0-9]*' || true)
[[ "${loaded:-0}" -ge 1 ]] || t_fail "no query was answered while the records were read: $(grep -i load "$DNS_LOG")"
[[ "${loaded:-0}" -le $((64 + 32)) ]] || t_fail "$loaded queries answered from the files: the load did not take over"
echo "    $(tail -1 "$T_OUT/rounds.out"); $loaded of them during the first load"

t_done
