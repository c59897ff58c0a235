#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A/B comparison of two podnet-portfwd binaries in one run, on a shared machine:
#   bench/ports-ab.sh A_BINARY B_BINARY [ROUNDS] [SECONDS] [METRICS] [B_ARGS]
# Both forwarders run at once into the same container (A on 19001/19002, B on
# 19011/19012); each round measures A then B (then direct loopback), so load
# from elsewhere hits both alike. METRICS: comma list of tcp1_up, tcp1_down,
# tcp4_up, rr, crr, rrcpu and crrcpu (forwarder CPU
# microseconds per round trip / connection, which other load disturbs less) (default tcp1_up,tcp1_down,rr,crr). Prints every sample
# and the medians. B_ARGS: extra podnet-portfwd options for B (e.g.
# --no-transparent), passed with PODNET_PORTFWD_EXTRA through a wrapper.
# Runs as an unprivileged user (as root it re-runs itself as podnet-test).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
if [[ $(id -u) -eq 0 ]]; then
  "$top/tests/e2e/setup-user.sh" >/dev/null
  u=${PODNET_TEST_USER:-podnet-test}
  mkdir -p /tmp/pfab-run && chmod 755 /tmp/pfab-run
  cp "$1" /tmp/pfab-run/A.bin && cp "${2?B binary}" /tmp/pfab-run/B.bin && chmod 755 /tmp/pfab-run/*.bin
  chmod o+rx "$top" "${PODNET_BUILD:-$top/build-pf}" "${PODNET_BUILD:-$top/build-pf}/bin" 2>/dev/null
  exec runuser -u "$u" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/tmp \
    XDG_RUNTIME_DIR="/run/user/$(id -u "$u")" PODNET_BUILD="${PODNET_BUILD:-$top/build-pf}" \
    bash "$0" /tmp/pfab-run/A.bin /tmp/pfab-run/B.bin "${@:3}"
fi
A=$1 B=$2 ROUNDS=${3:-5} SECS=${4:-3} METRICS=${5:-tcp1_up,tcp1_down,rr,crr} B_ARGS=${6:-}
export PODNET_BUILD=${PODNET_BUILD:-$top/build-pf}
source "$top/tests/e2e/lib.sh"
source "$top/portfwd/tests/env.sh"
work=$T_OUT
export PODNET_RUNTIME_DIR=$work/run
mkdir -p "$PODNET_RUNTIME_DIR" "$work/A" "$work/B"
RR=$work/ports-rr
cc -O2 -o "$RR" "$top/bench/ports-rr.c" || exit 1
cp "$A" "$work/A/podnet-portfwd"
printf '#!/bin/sh\nexec %s "$@" %s\n' "$B" "$B_ARGS" >"$work/B/podnet-portfwd"
chmod +x "$work/B/podnet-portfwd"

bg() { "$@" </dev/null >/dev/null 2>&1 & t_on_exit "kill $!"; }
ports_env_up || { echo "ab: namespaces failed" >&2; exit 1; }
bg nsenter -t "$CTR" -U -n --preserve-credentials -- iperf3 -s -p 5201
bg nsenter -t "$CTR" -U -n --preserve-credentials -- "$RR" server 7000
bg iperf3 -s -p 15201
bg "$RR" server 17000
PODNET_LIBEXEC_DIR=$work/A pf_start abA 19001:5201 19002:7000 >/dev/null || exit 1
t_on_exit "PODNET_LIBEXEC_DIR=$work/A $TESTCTL stop --owner abA"
PODNET_LIBEXEC_DIR=$work/B pf_start abB 19011:5201 19012:7000 >/dev/null || exit 1
t_on_exit "PODNET_LIBEXEC_DIR=$work/B $TESTCTL stop --owner abB"
PA=$(PODNET_LIBEXEC_DIR=$work/A "$TESTCTL" status --owner abA | awk '{print $2}')
PB=$(PODNET_LIBEXEC_DIR=$work/B "$TESTCTL" status --owner abB | awk '{print $2}')
echo "modes: A $("$TESTCTL" mode --owner abA) / B $("$TESTCTL" mode --owner abB)"
wait_for 10 "$RR" crr 127.0.0.1 19012 0.01 >/dev/null

iperf() { # port extra-args... -> Gbit/s received
  iperf3 -c 127.0.0.1 -p "$1" -t "$SECS" -J "${@:2}" 2>/dev/null | python3 -c '
import json, sys
try: print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception: print("nan")'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# forwarder CPU per unit of work, robust to other load: microseconds of CPU
# (user+system, clock ticks) per round trip or per MB
measure() { # metric tcpport rrport [forwarder pid]
  case $1 in
    rrcpu) local t0 t1 n; t0=$(cpu_ticks "$4"); n=$("$RR" rr 127.0.0.1 "$3" "$SECS" | awk '{print $2}')
      t1=$(cpu_ticks "$4"); python3 -c "print('%.2f' % (($t1 - $t0) * 1e6 / $(getconf CLK_TCK) / max($n, 1)))" ;;
    crrcpu) local t0 t1 n; t0=$(cpu_ticks "$4"); n=$("$RR" crr 127.0.0.1 "$3" "$SECS" | awk '{print $2}')
      t1=$(cpu_ticks "$4"); python3 -c "print('%.2f' % (($t1 - $t0) * 1e6 / $(getconf CLK_TCK) / max($n, 1)))" ;;
    tcp1_up) iperf "$2" ;;
    tcp1_down) iperf "$2" -R ;;
    tcp4_up) iperf "$2" -P 4 ;;
    rr) "$RR" rr 127.0.0.1 "$3" "$SECS" | awk '{print $3}' ;;
    rrn) "$RR" rr 127.0.0.1 "$3" "$SECS" | awk '{print $2}' ;;
    crr) "$RR" crr 127.0.0.1 "$3" "$SECS" | awk '{print $3}' ;;
  esac
}
echo "uptime before: $(uptime)"
declare -A S
for ((r = 1; r <= ROUNDS; r++)); do
  for m in ${METRICS//,/ }; do
    a=$(measure "$m" 19001 19002 "$PA"); b=$(measure "$m" 19011 19012 "$PB")
    if [[ $m == *cpu ]]; then d=1; else d=$(measure "$m" 15201 17000); fi
    S[$m,A]+=" $a"; S[$m,B]+=" $b"; S[$m,D]+=" $d"
    echo "round $r $m: A $a  B $b  direct $d"
  done
done
echo "uptime after: $(uptime)"
for m in ${METRICS//,/ }; do
  python3 - "$m" "${S[$m,A]}" "${S[$m,B]}" "${S[$m,D]}" <<'EOF'
import statistics, sys
m = sys.argv[1]
a, b, d = ([float(x) for x in s.split()] for s in sys.argv[2:5])
ma, mb, md = (statistics.median(x) for x in (a, b, d))
print(f"MEDIAN {m}: A {ma:.2f}  B {mb:.2f}  B/A {mb / ma:.3f}  direct {md:.2f}  A/direct {ma / md:.2f}  B/direct {mb / md:.2f}")
EOF
done
