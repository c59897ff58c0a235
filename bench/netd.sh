#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of the network spine (issue 2): `network connect`/`disconnect`
# and `podnet run` latency with 0, 100 and 1000 containers on the network,
# podnet (rootless, as the test user) against netavark (Debian's binary,
# driven with equivalent JSON as root in a scratch network+mount namespace),
# in one run. Prints a table with ratios; writes bench/results/netd.json.
#   sudo bench/netd.sh [--sizes 0,100,1000] [--reps 30]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sizes=0,100,1000 reps=30
while (($#)); do case $1 in --sizes) sizes=$2; shift 2;; --reps) reps=$2; shift 2;; *) echo "usage: $0 [--sizes A,B] [--reps N]"; exit 2;; esac; done
[[ $(id -u) -eq 0 ]] || { echo "run as root (it creates the test user and drives netavark)"; exit 2; }
"$top/scripts/install-deps.sh" --bench >/dev/null
[[ -x "$top/build/bin/podnet" ]] || { cmake -S "$top" -B "$top/build" >/dev/null && cmake --build "$top/build" -j"$(nproc)" >/dev/null; }
"$top/tests/e2e/setup-user.sh"
U=${PODNET_TEST_USER:-podnet-test}; uid=$(id -u "$U")
mkdir -p "$top/bench/results"; out="$top/bench/results/netd.json"; : >"$out"
# podnet's runtime state goes where it lives on a real system: on a tmpfs
# (/run/user/UID is one wherever systemd-logind runs; netavark gets a tmpfs
# /run below). The scratch directory is a tmpfs of its own, unmounted at exit.
scratch=$(mktemp -d /tmp/podnet-bench.XXXXXX)
mount -t tmpfs -o size=256m,mode=0755 podnet-bench "$scratch"; chown "$U" "$scratch"
trap 'runuser -u "$U" -- env PODNET_DATA_DIR=$scratch/data PODNET_RUNTIME_DIR=$scratch/run "$top/build/bin/podnet" system reset -f >/dev/null 2>&1; umount "$scratch"; rmdir "$scratch"' EXIT
chmod o+rx "$top" "$top/build" "$top/build/bin" "$top/bench" 2>/dev/null || true
echo "podnet: sizes $sizes, $reps repetitions each" >&2
runuser -u "$U" -- env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME=/tmp XDG_RUNTIME_DIR=/run/user/$uid \
  PODNET_DATA_DIR="$scratch/data" PODNET_RUNTIME_DIR="$scratch/run" \
  python3 "$top/bench/netd_bench.py" podnet --podnet "$top/build/bin/podnet" --sizes "$sizes" --reps "$reps" | tee -a "$out"
echo "netavark: same sizes, as root in a scratch namespace" >&2
unshare --net --mount --propagation private -- sh -c 'mount -t tmpfs tmpfs /run && mkdir -p /run/netns && exec python3 "$0" netavark --sizes "$1" --reps "$2"' \
  "$top/bench/netd_bench.py" "$sizes" "$reps" | tee -a "$out"
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
pn = {r["containers"]: r for r in rows if r["tool"] == "podnet"}
nv = {r["containers"]: r for r in rows if r["tool"] == "netavark"}
print("\n| containers | op | podnet median / p99 (ms) | netavark median / p99 (ms) | netavark/podnet (median) |")
print("|---:|---|---:|---:|---:|")
for n in sorted(pn):
    for op in ("connect", "disconnect"):
        p, v = pn[n][op], nv.get(n, {}).get(op)
        ratio = "%.1fx" % (v["median_ms"] / p["median_ms"]) if v else "-"
        vs = "%.2f / %.2f" % (v["median_ms"], v["p99_ms"]) if v else "-"
        print("| %d | %s | %.2f / %.2f | %s | %s |" % (n, op, p["median_ms"], p["p99_ms"], vs, ratio))
    for op in ("run_to_exec", "run_total"):
        p = pn[n][op]
        print("| %d | run (%s) | %.2f / %.2f | - | - |" % (n, op.replace("run_", "").replace("_", " "), p["median_ms"], p["p99_ms"]))
PY
