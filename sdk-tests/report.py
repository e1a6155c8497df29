"""Turns the suites' JSON results into the client x capability table.

    python3 report.py RESULTS_DIR [docs/compatibility.md]

Prints the table; with a second argument, writes it between the sdk-results markers of that
file. Exits 1 when a capability failed, or when a suite left a capability unreported (a suite
that crashed half-way must not look green).

`pending.txt` beside this file lists failures that wait for a Vitrine feature still being
built (`client capability reason`). Such a failure still shows as a fail in the table, with the
reason, but does not fail the run; a pending capability that passes does fail the run, so the
list is emptied as the features land.
"""

from __future__ import annotations

import json
import pathlib
import sys

START = "<!-- sdk-results:start -->"
END = "<!-- sdk-results:end -->"

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
CLIENTS = [("pywa", "pywa"), ("whatsapp-api-js", "whatsapp-api-js")]


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

    per_client: dict[str, dict[str, dict]] = {}
    versions: dict[str, str] = {}
    for key, _ in CLIENTS:
        path = results_dir / f"{key}.json"
        if path.exists():
            data = json.loads(path.read_text())
            versions[key] = data.get("version", "?")
            per_client[key] = {r["id"]: r for r in data["results"]}

    bad = False
    notes: list[str] = []

    def note(text: str) -> int:
        """Footnote number of text (identical texts share one)."""
        if text not in notes:
            notes.append(text)
        return notes.index(text) + 1

    lines = [
        "| Capability | " + " | ".join(f"{name} {versions.get(key, '')}".strip() for key, name in CLIENTS) + " |",
        "|---|" + "---|" * len(CLIENTS),
    ]
    for cap, label in CAPABILITIES:
        cells = []
        for key, name in CLIENTS:
            if key not in per_client:
                cells.append("not run")
                bad = True
                continue
            r = per_client[key].get(cap)
            if r is None:
                cells.append("**fail** (not reported)")
                bad = True
            elif r["status"] == "pass":
                cells.append(f"pass[^{note(f'{name}: ' + r['note'])}]" if r.get("note") else "pass")
                if (key, cap) in pending:
                    print(f"report: {name} {cap} passes: remove it from {pending_file}", file=sys.stderr)
                    bad = True
            elif (key, cap) in pending:
                cells.append(f"**fail** (pending)[^{note(f'{name}: pending, ' + pending[(key, cap)])}]")
            elif r["status"] == "unsupported":
                cells.append(f"not supported by the client[^{note(f'{name}: ' + r['detail'])}]")
            else:
                cells.append("**fail**")
                bad = True
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for key, _ in CLIENTS:
        for cap in per_client.get(key, {}):
            if cap not in known:
                print(f"report: {key} reported an unknown capability {cap}", file=sys.stderr)
                bad = True

    table = "\n".join(lines)
    if notes:
        table += "\n\n" + "\n".join(f"[^{i}]: {n}" for i, n in enumerate(notes, 1))
    print(table)

    for key, name in CLIENTS:
        for r in per_client.get(key, {}).values():
            if r["status"] == "fail":
                tag = "PENDING" if (key, r["id"]) in pending else "FAIL"
                print(f"{tag} {name} {r['id']}: {r['detail']}", file=sys.stderr)

    counts = {"pass": 0, "fail": 0, "skip": 0}
    for key, _ in CLIENTS:
        for cap, _ in CAPABILITIES:
            r = per_client.get(key, {}).get(cap)
            if r is None or (r["status"] == "fail" and (key, cap) not in pending):
                counts["fail"] += 1
            elif r["status"] == "pass":
                counts["pass"] += 1
            else:
                counts["skip"] += 1  # not supported by the client, or pending

    if target is not None:
        text = target.read_text()
        if START not in text or END not in text:
            print(f"report: {target} has no {START} ... {END} markers", file=sys.stderr)
            return 1
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        target.write_text(f"{head}{START}\n{table}\n{END}{tail}")
        print(f"report: table written into {target}")
    print(f"sdk-tests: {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
