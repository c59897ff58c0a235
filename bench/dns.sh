#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# podnet-dns against aardvark-dns (Debian's /usr/lib/podman/aardvark-dns), one
# command, bounded (about 7 minutes):
#   bench/dns.sh [BUILD_DIR]          (default: build)
#   SIZES="10 1000 10000" SERVERS="podnet aardvark" to run a part only
# Both servers get the same records file (10, 1 000 and 10 000 records) and
# run in a private network namespace (nothing leaves it), pinned to CPU 0;
# the clients run on CPU 1 and query from a container's address (aardvark
# answers by the asking container's networks). Three query mixes: existing
# names (every record in turn), NXDOMAIN names in the search domain, PTR of
# container addresses. Reported: queries/s at saturation from bench/dns-flood.c
# (a window of 128 outstanding queries over 4 sockets, 2 s, every answer's id,
# question and rcode checked), the server's CPU time per answer in that run,
# dnsperf's own saturation q/s (one dnsperf process is the limit near 110 000),
# latency median and p99 at a fixed 5 000 queries/s (dnsperf -v, 2 s), RSS
# after the runs, and the time from exec to the first answer (bench/dns-first.c:
# from the child's clock reading just before execve, already pinned to CPU 0,
# to the first UDP answer, polling every 0.2 ms, which must be a right one:
# NOERROR with a record; median of FIRST_RUNS starts). Latency is measured
# LAT_RUNS times (5 by default) and the medians of the runs' p50 and p99 are
# reported: one 2 s run's p99 moves by milliseconds when the VM stalls once.
# The same first-answer and latency measurements are made for a floor:
# bench/dns-floor.c, a static server that answers every query with a canned
# record from a blocking recvfrom/sendto loop (FLOOR=0 skips it). The servers
# and the floor are measured in turn, start by start and latency run by latency
# run, so that the VM's slow phases fall on all of them alike; one discarded
# latency run comes first. About 7 minutes with the defaults. Prints a
# markdown table and the ratios; docs/dns.md holds a copy of a run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
DNS_BIN=$build/bin/podnet-dns
AARDVARK=${AARDVARK:-/usr/lib/podman/aardvark-dns}
QPS_SECS=${QPS_SECS:-2}
LAT_SECS=${LAT_SECS:-2}
LAT_RUNS=${LAT_RUNS:-5}       # latency runs per row; the medians of their p50 and p99 are reported
FLOOR=${FLOOR:-1}
SIZES=${SIZES:-10 1000 10000}
FIRST_RUNS=${FIRST_RUNS:-5}   # starts per server and size; the median is reported
SERVERS=${SERVERS:-podnet aardvark}
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
for tool in dnsperf taskset python3 unshare getconf cc; do
  command -v "$tool" >/dev/null || { echo "bench/dns.sh: $tool is missing (scripts/install-deps.sh --bench)"; exit 1; }
done
[[ -x "$DNS_BIN" ]] || { echo "bench/dns.sh: $DNS_BIN not built"; exit 1; }
[[ -x "$AARDVARK" ]] || { echo "bench/dns.sh: $AARDVARK missing (apt-get install aardvark-dns)"; exit 1; }

if [[ "${BENCH_DNS_INNER:-}" != 1 ]]; then
  # a private network namespace (and user namespace when not root)
  ns=(unshare --net)
  [[ $(id -u) -ne 0 ]] && ns=(unshare --user --map-root-user --net)
  exec env BENCH_DNS_INNER=1 "${ns[@]}" bash "$0" "$build"
fi

# The servers' files (records, pid files) on a tmpfs, where they live in use: podnet's
# runtime directory and aardvark-dns's config directory are both under /run/user/UID.
# On this VM's ext4 root a pid file's rename now and then stalls a start by 2 ms.
bench_tmp=${BENCH_TMPDIR:-/dev/shm}
[[ -d $bench_tmp && -w $bench_tmp ]] || bench_tmp=${TMPDIR:-/tmp}
work=$(mktemp -d "$bench_tmp/podnet-bench-dns.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
FLOOD=$work/dns-flood FIRST=$work/dns-first FLOOR_BIN=$work/dns-floor
cc -O2 -o "$FLOOD" "$top/bench/dns-flood.c" || exit 1
cc -O2 -o "$FIRST" "$top/bench/dns-first.c" || exit 1
cc -O2 -static -o "$FLOOR_BIN" "$top/bench/dns-floor.c" || exit 1
ip link set lo up
# 10.90.0.0/16 on lo: the gateway 10.90.0.1 and every container address are local
ip addr add 10.90.0.1/16 dev lo
GW=10.90.0.1 CLIENT=10.90.0.2

gen() { # N: records files and query files
  python3 - "$1" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
ip = lambda i: "10.90.%d.%d" % ((i + 2) // 256, (i + 2) % 256)
recs = "".join("%064x %s  c%d,alias%d\n" % (i, ip(i), i, i) for i in range(n))
for d in ("podnet", "aardvark"):
    open("%s/%s/bench" % (work, d), "w").write("10.90.0.1\n" + recs)
reps = max(1, 20000 // n)
with open(work + "/q-names", "w") as f:
    for _ in range(reps):
        f.writelines("c%d A\n" % i for i in range(n))
for dom in ("podnet", "podman"):
    with open("%s/q-nx-%s" % (work, dom), "w") as f:
        f.writelines("nope%d.dns.%s A\n" % (i, dom) for i in range(20000))
with open(work + "/q-ptr", "w") as f:
    for _ in range(reps):
        f.writelines("%s.in-addr.arpa PTR\n" % ".".join(reversed(ip(i).split("."))) for i in range(n))
PY
}

# Servers are measured interleaved: at each size the starts alternate between the
# servers (podnet, aardvark, the floor, again and again), and so do the latency runs,
# so that a slow phase of the VM (the first seconds of a run, a neighbour's burst)
# falls on every server alike instead of on whichever was measured then.
declare -A PORT=([podnet]=5301 [aardvark]=5302 [floor]=5303) PID=()
start_one() { # SERVER: start it, FIRST_MS = ms from exec until it answers, PID[SERVER] set
  local out
  case $1 in
  podnet)
    out=$(first_answer ${PORT[podnet]} "$DNS_BIN" --config "$work/podnet" --port ${PORT[podnet]} \
      --upstream 127.0.0.1#9)
    read -r FIRST_MS "PID[podnet]" <<<"$out" ;;
  aardvark)
    rm -f "$work/aardvark/aardvark.pid"
    out=$(first_answer ${PORT[aardvark]} "$AARDVARK" --config "$work/aardvark" -p ${PORT[aardvark]} run)
    read -r FIRST_MS _ <<<"$out"
    PID[aardvark]=$(cat "$work/aardvark/aardvark.pid") ;;   # it daemonizes
  floor)
    out=$(first_answer ${PORT[floor]} "$FLOOR_BIN" $GW ${PORT[floor]})
    read -r FIRST_MS "PID[floor]" <<<"$out" ;;
  esac
  pids+=("${PID[$1]}")
}
first_answer() { # PORT CMD...: start CMD on CPU 0, print "MS PID": ms from exec until it answers
  local port=$1
  shift
  taskset -c 1 "$FIRST" -s $GW -p "$port" -a $CLIENT -c 0 -- "$@"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
stop_one() { # SERVER: wait until it is gone, so that the next start finds the port free
  local i p=${PID[$1]:-}
  [[ -n $p ]] || return 0
  kill "$p" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.02; done
  PID[$1]=
  sleep 0.05
}
median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "-"}'; }
start_all() { # SERVER...: start each FIRST_RUNS times, in turn (the last ones stay); FIRST_MED[S], FIRST_ALL[S]
  local i s
  declare -gA FIRST_MED=() FIRST_ALL=()
  for ((i = 0; i < FIRST_RUNS; i++)); do
    for s in "$@"; do
      stop_one "$s"
      start_one "$s"
      FIRST_ALL[$s]+="$FIRST_MS "
    done
  done
  for s in "$@"; do FIRST_MED[$s]=$(tr ' ' '\n' <<<"${FIRST_ALL[$s]}" | grep . | median); done
}

qps() { # SERVER FILE RCODE: "QPS CPU_US_PER_QUERY LOST" at saturation (dns-flood; server CPU time / answers)
  local c0 c1 out
  c0=$(cpu_ticks "${PID[$1]}")
  out=$(taskset -c 1 "$FLOOD" -s $GW -p "${PORT[$1]}" -a $CLIENT -d "$2" -e "$3" -l "$QPS_SECS" -w 128 -n 4)
  c1=$(cpu_ticks "${PID[$1]}")
  awk -v ticks=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" '
    {for (i = 1; i < NF; i += 2) v[$i] = $(i + 1)}
    END {printf "%d %.2f %d", v["qps"], (v["answered"] > 0) ? (ticks / hz * 1e6 / v["answered"]) : 0, v["lost"] + v["bad"]}' <<<"$out"
}
dnsperf_qps() { # PORT FILE: dnsperf's own saturation q/s (one dnsperf process)
  taskset -c 1 dnsperf -s $GW -p "$1" -a $CLIENT -d "$2" -l "$QPS_SECS" -c 8 -q 256 -t 1 2>&1 |
    awk '/Queries per second/ {printf "%d", $4}'
}
latency_once() { # PORT FILE: "median p99" in microseconds at 5000 qps, one run of LAT_SECS
  taskset -c 1 dnsperf -s $GW -p "$1" -a $CLIENT -d "$2" -l "$LAT_SECS" -Q 5000 -c 4 -t 1 -v 2>/dev/null |
    awk '/^> / {print $NF * 1e6}' | sort -n |
    awk '{v[NR]=$1} END {if (NR==0) {print "- -"; exit} m=v[int((NR+1)/2)]; p=v[int(NR*0.99)>0?int(NR*0.99):1]; printf "%d %d", m, p}'
}
latency_all() { # SERVER:FILE...: LAT_RUNS runs per server, the servers in turn; LAT[S] = "p50 p99" medians
  local i sf s
  declare -gA LAT=()
  local -A all=()
  for ((i = 0; i < LAT_RUNS; i++)); do
    for sf in "$@"; do
      s=${sf%%:*}
      all[$s]+="$(latency_once ${PORT[$s]} "${sf#*:}" | tr ' ' /) "
    done
  done
  for sf in "$@"; do
    s=${sf%%:*}
    echo "#   $s p50/p99 of $LAT_RUNS runs: ${all[$s]}" >&2
    LAT[$s]="$(tr ' ' '\n' <<<"${all[$s]}" | grep -v '^-' | grep . | cut -d/ -f1 | median)"
    LAT[$s]+=" $(tr ' ' '\n' <<<"${all[$s]}" | grep -v '^-' | grep . | cut -d/ -f2 | median)"
  done
}
qfile() { # SERVER KIND: the queries of that kind for that server
  case $1:$2 in
  floor:*) echo "$work/q-names" ;;   # it answers anything with its one record
  aardvark:nxdomain) echo "$work/q-nx-podman" ;;   # its search domain
  *:nxdomain) echo "$work/q-nx-podnet" ;;
  *:names) echo "$work/q-names" ;;
  *:ptr) echo "$work/q-ptr" ;;
  esac
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

mkdir -p "$work/podnet" "$work/aardvark"
rows=()
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)   $(date -u '+%Y-%m-%d %H:%M UTC')"
ROW='%-7s %-8s %-8s %8s %8s %5s %8s %8s %8s %8s %9s\n'
# shellcheck disable=SC2059 # the one row format, for the header and every row
printf "$ROW" records server query "flood q/s" "cpu us/q" lost "dnsperf" "p50 us" "p99 us" "RSS KiB" "first ms"
floors=()
read -ra measured <<<"$SERVERS"
[[ $FLOOR == 1 ]] && measured+=(floor)
# one discarded latency run first: the first seconds of a run measure less steadily (p99 up to 2-4x)
gen 10
start_one "${measured[0]}"
latency_once ${PORT[${measured[0]}]} "$work/q-names" >/dev/null
stop_one "${measured[0]}"
for n in $SIZES; do
  gen "$n"
  start_all "${measured[@]}"
  for s in "${measured[@]}"; do
    echo "# $n records, $s: first answer ms of $FIRST_RUNS starts: ${FIRST_ALL[$s]}(median ${FIRST_MED[$s]})" >&2
  done
  for kind in names nxdomain ptr; do
    rc=NOERROR
    [[ $kind == nxdomain ]] && rc=NXDOMAIN
    declare -A Q=() CPU=() BAD=() DQ=()
    for s in $SERVERS; do
      read -r "Q[$s]" "CPU[$s]" "BAD[$s]" <<<"$(qps $s "$(qfile $s $kind)" $rc)"
      DQ[$s]=$(dnsperf_qps ${PORT[$s]} "$(qfile $s $kind)")
    done
    # latency: every server (and the floor) in turn, run by run
    lat_servers=()
    for s in "${measured[@]}"; do lat_servers+=("$s:$(qfile $s $kind)"); done
    latency_all "${lat_servers[@]}"
    for s in $SERVERS; do
      read -r p50 p99 <<<"${LAT[$s]}"
      rss=$(rss_kb "${PID[$s]}")
      # shellcheck disable=SC2059
      printf "$ROW" "$n" "$s" "$kind" "${Q[$s]}" "${CPU[$s]}" "${BAD[$s]}" "${DQ[$s]}" "$p50" "$p99" "$rss" "${FIRST_MED[$s]}"
      rows+=("$n $s $kind ${Q[$s]} ${CPU[$s]} ${BAD[$s]} ${DQ[$s]} $p50 $p99 $rss ${FIRST_MED[$s]}")
    done
    if [[ $FLOOR == 1 ]]; then
      read -r p50 p99 <<<"${LAT[floor]}"
      # shellcheck disable=SC2059
      printf "$ROW" "$n" floor "$kind" - - - - "$p50" "$p99" - "${FIRST_MED[floor]}"
      floors+=("$n $kind $p50 $p99 ${FIRST_MED[floor]}")
    fi
  done
  for s in "${measured[@]}"; do stop_one "$s"; done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

[[ $SERVERS == *podnet*aardvark* ]] || exit 0
echo
echo "| records | query | q/s podnet-dns | q/s aardvark-dns | ratio | CPU µs/query (podnet / aardvark) | cost ratio | unanswered (podnet / aardvark) | dnsperf q/s (podnet / aardvark) | p50 µs (podnet / aardvark) | p99 µs (podnet / aardvark) | RSS KiB (podnet / aardvark) | first answer ms (podnet / aardvark) |"
echo "|---:|---|---:|---:|---:|---|---:|---|---|---|---|---|---|"
for n in $SIZES; do
  for kind in names nxdomain ptr; do
    read -r _ _ _ pq pc pb pd pp50 pp99 prss pfirst <<<"$(printf '%s\n' "${rows[@]}" | awk -v n=$n -v k=$kind '$1==n && $2=="podnet" && $3==k')"
    read -r _ _ _ aq ac ab ad ap50 ap99 arss afirst <<<"$(printf '%s\n' "${rows[@]}" | awk -v n=$n -v k=$kind '$1==n && $2=="aardvark" && $3==k')"
    ratio=$(awk -v a="$pq" -v b="$aq" 'BEGIN {if (b+0 > 0) printf "%.1f×", a/b; else print "∞"}')
    cost=$(awk -v a="$pc" -v b="$ac" 'BEGIN {if (a+0 > 0) printf "%.1f×", b/a; else print "-"}')
    echo "| $n | $kind | $pq | $aq | $ratio | $pc / $ac | $cost | $pb / $ab | $pd / $ad | $pp50 / $ap50 | $pp99 / $ap99 | $prss / $arss | $pfirst / $afirst |"
  done
done
if ((${#floors[@]})); then
  echo
  echo "Floor (bench/dns-floor.c, a static server answering every query from a blocking recvfrom/sendto loop), measured in turn with the servers:"
  echo
  echo "| records | query | floor p50 µs | floor p99 µs | floor first answer ms |"
  echo "|---:|---|---:|---:|---:|"
  for f in "${floors[@]}"; do read -r n k a b c <<<"$f"; echo "| $n | $k | $a | $b | $c |"; done
fi
