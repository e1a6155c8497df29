#!/usr/bin/env python3
"""ratio.py's measurement (../shared/bench/ratio.py) with several Vitrine binaries beside one
measurement of the ceilings, so that builds are compared within one run:

    python3 benches/ratio_multi.py old/vitrine new/vitrine
"""
import json, os, sys, subprocess, tempfile, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench"))
import ratio

def vit(vitrine):
    tmp = tempfile.mkdtemp(prefix="ratio-")
    port = ratio.free_port()
    cfg = os.path.join(tmp, "bench.toml")
    open(cfg, "w").write("[behaviour.limits]\npair_limit = false\n")
    env = dict(os.environ, VITRINE_LISTEN=f"127.0.0.1:{port}", VITRINE_DATABASE_URL=f"sqlite://{tmp}/v.db",
               VITRINE_CONFIG=cfg, RUST_LOG="warn")
    v = subprocess.Popen(["taskset", "-c", "1", vitrine, "serve"], env=env, cwd=tmp,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        ratio.wait_http(base + "/_vitrine/health")
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
        json.dump(body, open(bpath, "w"))
        r = ratio.series(base, ratio.lua(tmp, f"/v23.0/{sb['phone_number_id']}/messages", sb["access_token"], bpath))
        rss = int(open(f"/proc/{v.pid}/status").read().split("VmRSS:")[1].split()[0]) // 1024
        return r, rss
    finally:
        v.terminate(); v.wait()

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
    c = subprocess.Popen(["taskset", "-c", "1", os.path.join(tdir, "release", "server")],
                         env=dict(os.environ, ADDR=f"127.0.0.1:{port}", DB=os.path.join(tmp, "c.db")),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ratio.wait_http(f"http://127.0.0.1:{port}/ping")
        sample = os.path.join(ceil, "sample.json")
        e = ratio.series(f"http://127.0.0.1:{port}", ratio.lua(tmp, "/echo", "x", sample))
        st = ratio.series(f"http://127.0.0.1:{port}", ratio.lua(tmp, "/store", "x", sample))
    finally:
        c.terminate(); c.wait()
    print(f"ceiling echo   {e[0]:8.0f} req/s  p99 {e[2]:6.1f} ms", flush=True)
    print(f"ceiling store  {st[0]:8.0f} req/s  p99 {st[2]:6.1f} ms  ({st[0] / e[0]:.2f} E)", flush=True)
    for b in bins:
        v, rss = vit(b)
        print(f"{label(b):14s} {v[0]:8.0f} req/s  p99 {v[2]:6.1f} ms  non-2xx {v[1]:.2%}  RSS {rss} MiB"
              f"  = {v[0] / e[0]:.2f} E = {v[0] / st[0]:.2f} x store, p99 {v[2] / st[2]:.2f} x store's", flush=True)

main()
