#!/usr/bin/env python3
"""ratio.py's measurement (../shared/bench/ratio.py) with several Vitrine binaries beside the
ceilings, so that builds are compared within one run:

    python3 benches/ratio_multi.py old/vitrine new/vitrine

The servers (the ceiling's and one per binary, each on a scratch database, all pinned to core 1
as ratio.py pins them) run side by side, idle but for the one measured. Each of ROUNDS rounds
(5 by default) measures echo, store and every binary in turn for DUR seconds (ratio.py's, 10 by
default; after one warm-up round), so that a ratio compares measurements seconds apart: on a
shared machine the speed of the same binary moves by a third within minutes. Printed: each
round's figures, then per binary the median over the rounds of its req/s, its p99 and its
ratios to the same round's ceilings.

WEBHOOKS=1 subscribes a receiver to each Vitrine (`vitrine webhooks listen`, which checks every
signature, pinned to core 0 with wrk) and schedules `sent` and `delivered` at once, so that two
status webhooks per message are delivered live while it sends; printed besides: the webhooks
delivered per second and the backlog (`vitrine_webhooks_pending`) after each round.
"""
import json, os, statistics, sys, subprocess, tempfile, time, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench"))
import ratio

ROUNDS = int(os.environ.get("ROUNDS", "5"))
WEBHOOKS = os.environ.get("WEBHOOKS") == "1"


def metric(base, name):
    """A metric's value summed over its series, from `/_vitrine/metrics`."""
    text = urllib.request.urlopen(base + "/_vitrine/metrics").read().decode()
    return sum(float(l.split()[-1]) for l in text.splitlines()
               if l.startswith(name) and (l[len(name)] in " {"))


def start_vitrine(vitrine):
    """A `vitrine serve` on a scratch database, throughput lifted; returns (process, url, lua script)."""
    tmp = tempfile.mkdtemp(prefix="ratio-")
    port = ratio.free_port()
    cfg = os.path.join(tmp, "bench.toml")
    conf = "[behaviour.limits]\npair_limit = false\n"
    receiver = None
    if WEBHOOKS:
        hook = ratio.free_port()
        receiver = subprocess.Popen(["taskset", "-c", "0", vitrine, "webhooks", "listen", "--port", str(hook)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        conf = (f'webhook_url = "http://127.0.0.1:{hook}/"\n' + conf +
                "[behaviour.webhooks]\nsent_after_ms = 0\ndelivered_after_ms = 0\n")
    open(cfg, "w").write(conf)
    env = dict(os.environ, VITRINE_LISTEN=f"127.0.0.1:{port}", VITRINE_DATABASE_URL=f"sqlite://{tmp}/v.db",
               VITRINE_CONFIG=cfg, RUST_LOG="warn")
    v = subprocess.Popen(["taskset", "-c", "1", vitrine, "serve"], env=env, cwd=tmp,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    ratio.wait_http(base + "/_vitrine/health")
    return [p for p in (v, receiver) if p], base, mpm_script(tmp, base)


def mpm_script(tmp, base):
    """A wrk script posting ratio.py's validated multi-product message to the Vitrine at `base`,
    whose demo number's throughput limit it lifts."""
    sb = json.load(urllib.request.urlopen(base + "/_vitrine/sandbox"))
    req = urllib.request.Request(f"{base}/_vitrine/phone_numbers/{sb['phone_number_id']}/throughput",
                                 data=b'{"unlimited": true}', headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req)
    skus = sb["retailer_ids"]
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": sb["customer"]["wa_id"],
            "type": "interactive", "interactive": {
                "type": "product_list", "header": {"type": "text", "text": "Summer collection"},
                "body": {"text": "This week's picks from our catalog. Tap a product to see details."},
                "footer": {"text": "Prices include VAT."},
                "action": {"catalog_id": sb["catalog_id"], "sections": [
                    {"title": "First", "product_items": [{"product_retailer_id": s} for s in skus[:6]]},
                    {"title": "Second", "product_items": [{"product_retailer_id": s} for s in skus[:3]]}]}}}
    bpath = os.path.join(tmp, "mpm.json")
    with open(bpath, "w") as f:
        json.dump(body, f)
    return ratio.lua(tmp, f"/v23.0/{sb['phone_number_id']}/messages", sb["access_token"], bpath)


def rss_mib(pid):
    return int(open(f"/proc/{pid}/status").read().split("VmRSS:")[1].split()[0]) // 1024


def label(path):
    """`dir/vitrine` when binaries share their file name (builds kept as `before/vitrine`, ...)."""
    return os.path.join(os.path.basename(os.path.dirname(os.path.abspath(path))), os.path.basename(path))


def main():
    bins = sys.argv[1:]
    tmp = tempfile.mkdtemp(prefix="ratio-")
    ceil = os.path.join(ratio.HERE, "ceiling")
    tdir = os.environ.get("CEILING_TARGET", os.path.abspath(os.path.join("target", "ceiling")))
    subprocess.run(["cargo", "build", "--release", "-q", "--bins", "--target-dir", tdir], cwd=ceil, check=True)
    port = ratio.free_port()
    procs = [subprocess.Popen(["taskset", "-c", "1", os.path.join(tdir, "release", "server")],
                              env=dict(os.environ, ADDR=f"127.0.0.1:{port}", DB=os.path.join(tmp, "c.db")),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        ceiling = f"http://127.0.0.1:{port}"
        ratio.wait_http(ceiling + "/ping")
        sample = os.path.join(ceil, "sample.json")
        targets = [("ceiling echo", ceiling, ratio.lua(tmp, "/echo", "x", sample)),
                   ("ceiling store", ceiling, ratio.lua(tmp, "/store", "x", sample))]
        servers = {}
        for b in bins:
            started, base, script = start_vitrine(b)
            procs.extend(started)
            servers[label(b)] = (started[0], base)
            targets.append((label(b), base, script))
        for _, url, script in targets:  # warm-up
            ratio.wrk(url, script, 3)
        rounds = []
        hooks = {n: [] for n in servers}
        for r in range(ROUNDS):
            got = {}
            for name, url, script in targets:
                if WEBHOOKS and name in servers:
                    before = (metric(url, "vitrine_webhook_attempts_total"), time.monotonic())
                got[name] = ratio.wrk(url, script, ratio.DUR)
                if WEBHOOKS and name in servers:
                    after = (metric(url, "vitrine_webhook_attempts_total"), time.monotonic())
                    hooks[name].append(((after[0] - before[0]) / (after[1] - before[1]),
                                        metric(url, "vitrine_webhooks_pending")))
            rounds.append(got)
            print(f"round {r + 1}: " + ", ".join(f"{n} {g[0]:.0f}" for n, g in got.items()) +
                  "".join(f"; {n} webhooks {h[-1][0]:.0f}/s, backlog {h[-1][1]:.0f}" for n, h in hooks.items() if h),
                  flush=True)
        rss = {n: rss_mib(p.pid) for n, (p, _) in servers.items()}
    finally:
        for p in procs:
            p.terminate(); p.wait()

    def med(name, i):
        return statistics.median(g[name][i] for g in rounds)

    print(f"ceiling echo   {med('ceiling echo', 0):8.0f} req/s  p99 {med('ceiling echo', 2):6.1f} ms")
    print(f"ceiling store  {med('ceiling store', 0):8.0f} req/s  p99 {med('ceiling store', 2):6.1f} ms")
    for b in bins:
        n = label(b)
        to_store = statistics.median(g[n][0] / g["ceiling store"][0] for g in rounds)
        to_echo = statistics.median(g[n][0] / g["ceiling echo"][0] for g in rounds)
        p99 = statistics.median(g[n][2] / g["ceiling store"][2] for g in rounds)
        non2xx = max(g[n][1] for g in rounds)
        print(f"{n:14s} {med(n, 0):8.0f} req/s  p99 {med(n, 2):6.1f} ms  non-2xx {non2xx:.2%}  RSS {rss[n]} MiB"
              f"  = {to_echo:.2f} E = {to_store:.2f} x store, p99 {p99:.2f} x store's (medians of per-round ratios)",
              flush=True)
        if WEBHOOKS:
            print(f"{'':14s} webhook attempts {statistics.median(h[0] for h in hooks[n]):8.0f}/s, backlog after each round "
                  + " ".join(f"{h[1]:.0f}" for h in hooks[n]), flush=True)


if __name__ == "__main__":
    main()
