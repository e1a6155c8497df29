"""Turns the suites' JSON results into the tables of docs/compatibility.md.

    python3 report.py RESULTS_DIR [docs/compatibility.md]

Two tables: client x capability for each SDK and each way it reaches Vitrine (sdk-results
markers), and which clients take which way in, with what CI checked (ways-results markers). Prints
both; with a second argument, writes them between their markers in that file, and then every
column must have run. Exits 1 when a capability or a plain-client check failed, or when a suite
left a capability unreported (a suite that crashed half-way must not look green).

`pending.txt` beside this file lists failures that wait for a Vitrine feature still being
built (`client capability reason`, where client is an SDK, `pywa`, or one way of it,
`pywa-proxy`). Such a failure still shows as a fail in the table, with the reason, but does not
fail the run; a pending capability that passes does fail the run, so the list is emptied as the
features land.
"""

from __future__ import annotations

import json
import pathlib
import sys

START = "<!-- sdk-results:start -->"
END = "<!-- sdk-results:end -->"
WAYS_START = "<!-- ways-results:start -->"
WAYS_END = "<!-- ways-results:end -->"

# Row order and wording of the table. Every suite reports every id, as pass, fail or
# unsupported (with the reason, which becomes a footnote).
CAPABILITIES = [
    ("webhook.subscribe", "Webhook subscription with the verification handshake"),
    ("send.catalog", "Send a catalog message"),
    ("send.product", "Send a single-product message"),
    ("send.product_list", "Send a multi-product message"),
    ("error.131009", "131009 unknown product"),
    ("error.131008", "131008 missing parameter"),
    ("error.131021", "131021 recipient is the sender"),
    ("error.190", "190 bad access token"),
    ("error.131047", "131047 outside the 24-hour window (failed status)"),
    ("error.130429", "130429 throughput limit"),
    ("error.131056", "131056 pair rate limit"),
    ("webhook.signature", "Webhook signature validation on (forged and unsigned refused)"),
    ("webhook.status", "Status webhooks (`sent`, `delivered`) parsed"),
    ("webhook.order", "Order webhook parsed (items, prices, currency)"),
    ("webhook.product_inquiry", "Product inquiry parsed (referred product)"),
    ("commerce.settings", "Read and change commerce settings"),
    ("template.create", "Create commerce templates with the client's component classes"),
    ("template.status_webhook", "Template status webhook parsed"),
    ("template.catalog", "Catalog template: approved, sent"),
    ("template.mpm", "Multi-product template: approved, sent"),
    ("template.carousel", "Product card carousel template: approved, sent"),
    ("media.upload", "Upload media, get its URL, download it"),
    ("send.image", "Send an image (uploaded id)"),
    ("send.document", "Send a document with a file name"),
    ("send.location", "Send a location"),
    ("send.reaction", "Send and remove a reaction"),
    ("read.mark", "Mark a customer's message read"),
    ("read.typing", "Typing indicator"),
    ("media.download_inbound", "Download a customer's photo by the webhook's media id"),
    ("webhook.inbound_types", "Inbound video, voice note, document, sticker, location, contacts, reaction, unsupported parsed"),
    ("webhook.forwarded", "Forwarded message parsed (`context.forwarded`)"),
]

# One column per SDK and way: (results file, client, way in the header, how it reaches Vitrine).
CLIENTS = [
    ("pywa-proxy", "pywa", "HTTPS_PROXY", "`HTTPS_PROXY` + `SSL_CERT_FILE`, no code at all"),
    ("pywa", "pywa", "transport", "an httpx transport that rewrites the origin (`session=`)"),
    (
        "whatsapp-api-js-hosts",
        "whatsapp-api-js",
        "hosts file",
        "an `/etc/hosts` entry + `--tls-listen 127.0.0.1:443` + `NODE_EXTRA_CA_CERTS`, no code at all (Node 20's `fetch` ignores `HTTPS_PROXY`)",
    ),
    ("whatsapp-api-js", "whatsapp-api-js", "ponyfill", "a `fetch` ponyfill that rewrites the origin"),
]


def replace_between(text: str, start: str, end: str, table: str) -> str | None:
    if start not in text or end not in text:
        return None
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{table}\n{end}{tail}"


def main() -> int:
    results_dir = pathlib.Path(sys.argv[1])
    target = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else None
    known = {cap for cap, _ in CAPABILITIES}
    pending: dict[tuple[str, str], str] = {}
    pending_file = pathlib.Path(__file__).with_name("pending.txt")
    for line in pending_file.read_text().splitlines() if pending_file.exists() else []:
        line = line.strip()
        if line and not line.startswith("#"):
            client, cap, reason = line.split(None, 2)
            pending[(client, cap)] = reason

    def pending_reason(key: str, name: str, cap: str) -> str | None:
        return pending.get((key, cap)) or pending.get((name, cap))

    per_client: dict[str, dict[str, dict]] = {}
    meta: dict[str, dict] = {}
    for key, *_ in CLIENTS:
        path = results_dir / f"{key}.json"
        if path.exists():
            data = json.loads(path.read_text())
            meta[key] = data
            per_client[key] = {r["id"]: r for r in data["results"]}
    plain_path = results_dir / "plain.json"
    plain = json.loads(plain_path.read_text())["rows"] if plain_path.exists() else None

    bad = False
    # A partial run (SDK_TESTS_ONLY) shows the columns it ran; a full one needs them all.
    columns = [c for c in CLIENTS if target is not None or c[0] in per_client]
    notes: list[str] = []

    def note(text: str) -> int:
        """Footnote number of text (identical texts share one)."""
        if text not in notes:
            notes.append(text)
        return notes.index(text) + 1

    def header(key: str, name: str, way: str) -> str:
        version = meta.get(key, {}).get("version", "")
        return f"{name} {version} ({way})".replace("  ", " ")

    lines = [
        "| Capability | " + " | ".join(header(key, name, way) for key, name, way, _ in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for cap, label in CAPABILITIES:
        cells = []
        for key, name, _, _ in columns:
            if key not in per_client:
                cells.append("not run")
                bad = True
                continue
            r = per_client[key].get(cap)
            why_pending = pending_reason(key, name, cap)
            if r is None:
                cells.append("**fail** (not reported)")
                bad = True
            elif r["status"] == "pass":
                cells.append(f"pass[^{note(f'{name}: ' + r['note'])}]" if r.get("note") else "pass")
                if why_pending:
                    print(f"report: {key} {cap} passes: remove it from {pending_file}", file=sys.stderr)
                    bad = True
            elif why_pending:
                cells.append(f"**fail** (pending)[^{note(f'{name}: pending, ' + why_pending)}]")
            elif r["status"] == "unsupported":
                cells.append(f"not supported by the client[^{note(f'{name}: ' + r['detail'])}]")
            else:
                cells.append("**fail**")
                bad = True
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for key, *_ in CLIENTS:
        for cap in per_client.get(key, {}):
            if cap not in known:
                print(f"report: {key} reported an unknown capability {cap}", file=sys.stderr)
                bad = True

    table = "\n".join(lines)
    if notes:
        table += "\n\n" + "\n".join(f"[^{i}]: {n}" for i, n in enumerate(notes, 1))
    if columns:
        print(table)
        print()

    # --- which clients take which way ------------------------------------------------------
    counts = {"pass": 0, "fail": 0, "skip": 0}
    ways = [
        "| Client | How it reaches Vitrine | What CI checks | Result |",
        "|---|---|---|---|",
    ]
    for key, name, _, how in columns:
        if key not in per_client:
            ways.append(f"| {name} | {how} | the capabilities above | not run |")
            continue
        tally = {"pass": 0, "fail": 0, "pending": 0, "unsupported": 0}
        for cap, _ in CAPABILITIES:
            r = per_client[key].get(cap)
            if r is None or (r["status"] == "fail" and not pending_reason(key, name, cap)):
                tally["fail"] += 1
            elif r["status"] == "fail":
                tally["pending"] += 1
            else:
                tally[r["status"]] += 1
        counts["pass"] += tally["pass"]
        counts["fail"] += tally["fail"]
        counts["skip"] += tally["pending"] + tally["unsupported"]
        result = f"{tally['pass']} passed"
        if tally["unsupported"]:
            result += f", {tally['unsupported']} not supported by the client"
        if tally["pending"]:
            result += f", {tally['pending']} pending"
        if tally["fail"]:
            result += f", **{tally['fail']} failed**"
        client = f"{name} {meta[key].get('version', '')} ({meta[key].get('runtime', '')})"
        ways.append(f"| {client} | {how} | the capabilities above | {result} |")
    if plain is None:
        if target is not None:
            ways.append("| clients without an SDK | | | not run |")
            bad = True
    else:
        for r in plain:
            if r["status"] == "pass":
                counts["pass"] += 1
                result = "pass"
            else:
                counts["fail"] += 1
                result = "**fail**"
                print(f"FAIL {r['client']}: {r.get('detail', '')}", file=sys.stderr)
            ways.append(f"| {r['client']} | {r['way']} | {r['checks']} | {result} |")
    ways_table = "\n".join(ways)
    print(ways_table)

    for key, name, _, _ in columns:
        for r in per_client.get(key, {}).values():
            if r["status"] == "fail":
                tag = "PENDING" if pending_reason(key, name, r["id"]) else "FAIL"
                print(f"{tag} {key} {r['id']}: {r['detail']}", file=sys.stderr)
    if counts["fail"]:
        bad = True

    if target is not None:
        text = target.read_text()
        for start, end, t in ((START, END, table), (WAYS_START, WAYS_END, ways_table)):
            replaced = replace_between(text, start, end, t)
            if replaced is None:
                print(f"report: {target} has no {start} ... {end} markers", file=sys.stderr)
                return 1
            text = replaced
        target.write_text(text)
        print(f"report: tables written into {target}")
    print(f"sdk-tests: {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
