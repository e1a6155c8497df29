#!/usr/bin/env python3
"""What a second node on one PostgreSQL database adds, and what each part spends per message:

    python3 benches/nodes.py [path/to/vitrine]            # default target/release/vitrine
    QUOTA=0.5 python3 benches/nodes.py                    # each node held to half a core

Each of ROUNDS rounds (3 by default) measures one node, then two (NODES, "1 2" by default), each
on a fresh database (`nodes_bench` on PG_URL, default postgres://postgres@127.0.0.1:5432, dropped
and recreated):
`vitrine serve` per node, the validated multi-product message of ratio.py posted by `wrk` with
CONNS connections (64 by default) shared out over the nodes for DUR seconds (10 by default) after
a warm-up of 8 s. Nothing is pinned: nodes, PostgreSQL and wrk share the machine's cores.

Printed per measurement: accepted messages per second, and the CPU time (user + system, from
/proc) each part spent per accepted message: the Vitrine nodes together, PostgreSQL's processes,
wrk; and how much of the machine stayed idle. Then the medians and the ratio of two nodes to one.

QUOTA=F gives each node a CPU budget of F cores (a cgroup CPU quota, v1 or v2; needs root), as
nodes with cores of their own would have: then the nodes, not the machine, are what is short of
CPU, and the ratio shows whether anything the nodes share (the database, its locks, the change
log) keeps a second node from adding its own share.
"""
import os, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench"))
import ratio
from ratio_multi import mpm_script

ROUNDS = int(os.environ.get("ROUNDS", "3"))
CONNS = int(os.environ.get("CONNS", "64"))
DUR = int(os.environ.get("DUR", "10"))
QUOTA = float(os.environ.get("QUOTA", "0"))
NODES = [int(n) for n in os.environ.get("NODES", "1 2").split()]
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
DB = "nodes_bench"
TICK = os.sysconf("SC_CLK_TCK")
PERIOD_US = 10_000


def cpu_seconds(pid):
    """User + system CPU of a process (all its threads); 0 once it is gone."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def postgres_pids():
    pids = []
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            if open(f"/proc/{p}/comm").read().startswith("postgres"):
                pids.append(int(p))
        except OSError:
            pass
    return pids


def machine():
    """(all jiffies, idle + iowait jiffies) of /proc/stat."""
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(f), f[3] + f[4]


class Budget:
    """A cgroup holding one node to QUOTA cores."""

    def __init__(self, name):
        v1 = "/sys/fs/cgroup/cpu"
        if os.path.exists(os.path.join(v1, "cpu.cfs_quota_us")):
            self.dir = os.path.join(v1, name)
            os.makedirs(self.dir, exist_ok=True)
            self.write("cpu.cfs_period_us", PERIOD_US)
            self.write("cpu.cfs_quota_us", int(QUOTA * PERIOD_US))
        else:
            self.dir = os.path.join("/sys/fs/cgroup", name)
            os.makedirs(self.dir, exist_ok=True)
            self.write("cpu.max", f"{int(QUOTA * PERIOD_US)} {PERIOD_US}")

    def write(self, file, value):
        with open(os.path.join(self.dir, file), "w") as f:
            f.write(str(value))

    def add(self, pid):
        self.write("cgroup.procs", pid)

    def remove(self):
        try:
            os.rmdir(self.dir)
        except OSError:
            pass


def wrk_all(bases, script, secs):
    """wrk on every node at once; returns (requests, wrk's CPU seconds)."""
    runs = [subprocess.Popen(["wrk", "-t1", f"-c{CONNS // len(bases)}", f"-d{secs}s", "-s", script, b],
                             stdout=subprocess.PIPE, text=True) for b in bases]
    cpu = {}
    while any(r.poll() is None for r in runs):
        for r in runs:  # read until it exits: its last reading is its total
            cpu[r.pid] = cpu_seconds(r.pid) or cpu.get(r.pid, 0.0)
        time.sleep(0.05)
    requests = 0
    for r in runs:
        out = r.stdout.read()
        requests += next(int(l.split()[0]) for l in out.splitlines() if "requests in" in l)
    return requests, sum(cpu.values())


def measure(vitrine, nodes):
    subprocess.run(["dropdb", f"--maintenance-db={PG_URL}/postgres", "--if-exists", "--force", DB], capture_output=True)
    subprocess.run(["createdb", f"--maintenance-db={PG_URL}/postgres", DB], check=True, capture_output=True)
    tmp = tempfile.mkdtemp(prefix="nodes-")
    cfg = os.path.join(tmp, "vitrine.toml")
    with open(cfg, "w") as f:
        f.write("[behaviour.limits]\npair_limit = false\n")
    procs, bases, budgets = [], [], []
    try:
        for i in range(nodes):
            port = ratio.free_port()
            env = dict(os.environ, VITRINE_LISTEN=f"127.0.0.1:{port}", VITRINE_DATABASE_URL=f"{PG_URL}/{DB}",
                       VITRINE_CONFIG=cfg, RUST_LOG="warn")
            procs.append(subprocess.Popen([vitrine, "serve"], env=env, cwd=tmp,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            if QUOTA:
                budgets.append(Budget(f"vitrine-node{i}"))
                budgets[-1].add(procs[-1].pid)
            bases.append(f"http://127.0.0.1:{port}")
            ratio.wait_http(bases[-1] + "/_vitrine/health")
        script = mpm_script(tmp, bases[0])
        time.sleep(1.5)  # the lifted limit reaches the other nodes through the change log
        wrk_all(bases, script, 8)  # warm-up: a fresh database's first messages go slower
        pg = postgres_pids()
        before = ([cpu_seconds(p.pid) for p in procs], sum(map(cpu_seconds, pg)), machine())
        start = time.monotonic()
        requests, wrk_cpu = wrk_all(bases, script, DUR)
        seconds = time.monotonic() - start
        after = ([cpu_seconds(p.pid) for p in procs], sum(map(cpu_seconds, postgres_pids())), machine())
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        for b in budgets:
            b.remove()
    us = lambda cpu: cpu / requests * 1e6
    total, idle = after[2][0] - before[2][0], after[2][1] - before[2][1]
    return {"per_second": requests / seconds,
            "vitrine_us": us(sum(after[0]) - sum(before[0])),
            "postgres_us": us(after[1] - before[1]),
            "wrk_us": us(wrk_cpu),
            "idle": idle / total}


def show(nodes, m):
    return (f"{nodes} node{'s' if nodes > 1 else ' '} {m['per_second']:8.0f} messages/s; CPU per message: "
            f"Vitrine {m['vitrine_us']:5.1f} µs, PostgreSQL {m['postgres_us']:5.1f} µs, wrk {m['wrk_us']:4.1f} µs; "
            f"machine idle {m['idle']:.0%}")


def main():
    vitrine = sys.argv[1] if len(sys.argv) > 1 else "target/release/vitrine"
    print(f"{os.cpu_count()} cores; {CONNS} connections; {DUR} s a measurement; "
          + (f"each node held to {QUOTA} cores" if QUOTA else "nodes unbounded"), flush=True)
    got = {n: [] for n in NODES}
    for r in range(ROUNDS):
        for nodes in NODES:
            got[nodes].append(measure(vitrine, nodes))
            print(f"round {r + 1}: {show(nodes, got[nodes][-1])}", flush=True)
    med = {n: {k: statistics.median(m[k] for m in ms) for k in ms[0]} for n, ms in got.items()}
    for n in NODES:
        print(f"median:  {show(n, med[n])}")
    for n in NODES[1:]:
        ratios = [many["per_second"] / first["per_second"] for first, many in zip(got[NODES[0]], got[n])]
        print(f"{n} nodes / {NODES[0]}: {statistics.median(ratios):.2f} "
              f"(per round: {', '.join(f'{x:.2f}' for x in ratios)})")


if __name__ == "__main__":
    main()
