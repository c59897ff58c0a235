#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Setup/teardown pairs of two netavark-protocol backends, timed as Podman
pays them: this process joins the infra network namespace once (setns, as
Podman's rootless network namespace is joined), then every call is one
fork+exec of the backend with the NetworkOptions on stdin, timed with
perf_counter around it; no shell, date or nsenter inside the interval.
The backends alternate in blocks of 10 so that a load change hits both.
Prints one JSON line: mean setup and teardown ms per backend.
  podman_pairs.py INFRA_NETNS CTR_NETNS OPTS_JSON N LABEL=BIN:CONFIG_DIR ...
"""
import ctypes, json, os, subprocess, sys, time

CLONE_NEWNET = 0x40000000


def join_netns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns " + path)
    os.close(fd)


def call(binary, cfg, verb, ctr, opts):
    t = time.perf_counter()
    p = subprocess.run([binary, "--config", cfg, "--rootless=false", "--aardvark-binary=", verb, ctr],
                       input=opts, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ms = (time.perf_counter() - t) * 1000
    if p.returncode != 0:
        sys.exit("%s %s failed: %s" % (binary, verb, p.stderr.decode(errors="replace")[:300]))
    return ms


def main():
    infra, ctr, opts_path, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    backends = []
    for spec in sys.argv[5:]:
        label, rest = spec.split("=", 1)
        binary, cfg = rest.split(":", 1)
        backends.append((label, binary, cfg))
    opts = open(opts_path, "rb").read()
    join_netns(infra)
    tot = {b[0]: [0.0, 0.0] for b in backends}
    for label, binary, cfg in backends:  # warm-up pair each (page cache, first table)
        call(binary, cfg, "setup", ctr, opts)
        call(binary, cfg, "teardown", ctr, opts)
    done = 0
    while done < n:
        blk = min(10, n - done)
        for label, binary, cfg in backends:
            for _ in range(blk):
                tot[label][0] += call(binary, cfg, "setup", ctr, opts)
                tot[label][1] += call(binary, cfg, "teardown", ctr, opts)
        done += blk
    print(json.dumps({l: {"setup_ms": round(s / n, 2), "teardown_ms": round(t / n, 2)} for l, (s, t) in tot.items()}))


if __name__ == "__main__":
    main()
