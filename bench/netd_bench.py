#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Latency of network connect/disconnect and `run` for podnet (rootless, run as
the unprivileged bench user) and for netavark (root, in a scratch namespace),
with 0, 100 and 1000 containers already on the network. Prints JSON lines.

  netd_bench.py podnet  --podnet PATH --sizes 0,100,1000 --reps 30
  netd_bench.py netavark --sizes 0,100,1000 --reps 30      (as root, inside unshare -nm)
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def summary(xs):
    return {"median_ms": round(statistics.median(xs), 2), "p99_ms": round(pct(xs, 99), 2), "n": len(xs)}


def timed(cmd, **kw):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
    return (time.perf_counter() - t) * 1000


def fill(cmds, parallel=4):
    """run the commands, a few at a time"""
    running = []
    for c in cmds:
        running.append(subprocess.Popen(c, stdout=subprocess.DEVNULL))
        if len(running) >= parallel:
            if running.pop(0).wait() != 0:
                raise SystemExit("fill failed: %s" % c)
    for p in running:
        if p.wait() != 0:
            raise SystemExit("fill failed")


def bench_podnet(a):
    pn = a.podnet
    subprocess.run([pn, "network", "create", "--subnet", "10.120.0.0/16", "bench"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([pn, "network", "create", "side"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([pn, "run", "-d", "--name", "probe", "--network", "side", "--", "sleep", "86400"], check=True, stdout=subprocess.DEVNULL)
    # what starting `date` costs by itself, to subtract from run-to-exec
    base = []
    for _ in range(a.reps):
        t0 = time.time_ns()
        out = subprocess.run(["date", "+%s%N"], capture_output=True, text=True, check=True).stdout
        base.append((int(out) - t0) / 1e6)
    base_ms = statistics.median(base)
    have = 0
    try:
        for n in a.sizes:
            fill([[pn, "run", "-d", "--network", "bench", "--", "sleep", "86400"] for _ in range(n - have)])
            have = n
            conn, disc, run, r2e = [], [], [], []
            for _ in range(a.reps):
                conn.append(timed([pn, "network", "connect", "bench", "probe"]))
                disc.append(timed([pn, "network", "disconnect", "bench", "probe"]))
            for _ in range(a.reps):
                t0 = time.time_ns()
                t = time.perf_counter()
                out = subprocess.run([pn, "run", "--rm", "--network", "bench", "--", "date", "+%s%N"],
                                     capture_output=True, text=True, check=True).stdout
                run.append((time.perf_counter() - t) * 1000)
                r2e.append(max(0.0, (int(out) - t0) / 1e6 - base_ms))
            print(json.dumps({"tool": "podnet", "containers": n, "connect": summary(conn),
                              "disconnect": summary(disc), "run_total": summary(run),
                              "run_to_exec": summary(r2e)}), flush=True)
    finally:
        subprocess.run([pn, "system", "reset", "-f"], stdout=subprocess.DEVNULL)


NETAVARK = "/usr/lib/podman/netavark"
AARDVARK = "/usr/lib/podman/aardvark-dns"


def nv_opts(cid, ip, net, subnet, gw, ifname="eth0"):
    name = "bench"
    return {
        "container_id": cid, "container_name": "c" + cid[:8],
        "networks": {name: {"static_ips": [ip], "interface_name": ifname}},
        "network_info": {name: {
            "name": name, "id": "a" * 64, "driver": "bridge", "network_interface": net,
            "subnets": [{"subnet": subnet, "gateway": gw}], "ipv6_enabled": False,
            "internal": False, "dns_enabled": True, "ipam_options": {"driver": "host-local"}}},
    }


def nv(cfg, verb, netns, doc):
    t = time.perf_counter()
    p = subprocess.run([NETAVARK, "--config", cfg, "--rootless=false", "--aardvark-binary=" + AARDVARK, verb, netns],
                       input=json.dumps(doc), capture_output=True, text=True)
    # netavark 1.4 reports "aardvark pid not found" on teardown when its DNS
    # daemon is not running (shared/reference/netavark-protocol.md section 9)
    if p.returncode != 0 and not (verb == "teardown" and "aardvark pid not found" in p.stdout):
        raise SystemExit("netavark %s failed: %s %s" % (verb, p.stdout, p.stderr))
    return (time.perf_counter() - t) * 1000


def bench_netavark(a):
    cfg = tempfile.mkdtemp(prefix="nv-bench-")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    made = []

    def netns(i):
        path = "/run/netns/nvb%d" % i
        if not os.path.exists(path):
            subprocess.run(["ip", "netns", "add", "nvb%d" % i], check=True)
            made.append("nvb%d" % i)
        return path

    def addr(i):
        return "10.120.%d.%d" % ((i + 2) // 256, (i + 2) % 256)

    have = 0
    probe = netns(99999)
    try:
        for n in a.sizes:
            for i in range(have, n):
                nv(cfg, "setup", netns(i), nv_opts("%064x" % (i + 1), addr(i), "nvbench0", "10.120.0.0/16", "10.120.0.1"))
            have = n
            conn, disc = [], []
            doc = nv_opts("f" * 64, "10.120.250.250", "nvbench0", "10.120.0.0/16", "10.120.0.1")
            for _ in range(a.reps):
                conn.append(nv(cfg, "setup", probe, doc))
                disc.append(nv(cfg, "teardown", probe, doc))
            print(json.dumps({"tool": "netavark", "containers": n, "connect": summary(conn),
                              "disconnect": summary(disc)}), flush=True)
    finally:
        for i in range(have):
            try:
                nv(cfg, "teardown", "/run/netns/nvb%d" % i,
                   nv_opts("%064x" % (i + 1), addr(i), "nvbench0", "10.120.0.0/16", "10.120.0.1"))
            except SystemExit:
                pass
        for m in made:
            subprocess.run(["ip", "netns", "del", m])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool", choices=["podnet", "netavark"])
    ap.add_argument("--podnet", default="podnet")
    ap.add_argument("--sizes", default="0,100,1000")
    ap.add_argument("--reps", type=int, default=30)
    a = ap.parse_args()
    a.sizes = [int(x) for x in a.sizes.split(",")]
    (bench_podnet if a.tool == "podnet" else bench_netavark)(a)


if __name__ == "__main__":
    main()
