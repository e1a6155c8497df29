"""Clients without an SDK, through Vitrine's transparent mode, and what it refuses.

- curl with `-x` (HTTPS_PROXY) and `--cacert`;
- a Flask + `requests` shopping bot whose code says https://graph.facebook.com (shop_bot.py),
  started with HTTPS_PROXY and REQUESTS_CA_BUNDLE only: a customer says hi, the bot answers
  with a multi-product message; the customer orders, the bot thanks them with the total;
- Python's urllib with HTTPS_PROXY and SSL_CERT_FILE;
- Java's HttpClient with exactly the keytool and java lines `vitrine ca init` prints (when a
  JDK is installed);
- refusals: another host, another port, a client that does not trust the CA, a plain-HTTP
  proxy request.

Environment: VITRINE_URL (http://127.0.0.1:PORT, also the proxy), VITRINE_BIN, DATABASE (the
server's database URL, for `vitrine ca init`), CA_CERT (the CA certificate), RESULTS.
"""

from __future__ import annotations

import json
import os
import pathlib
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback

import httpx
import requests

VITRINE = os.environ["VITRINE_URL"].rstrip("/")
BIN = os.environ["VITRINE_BIN"]
DATABASE = os.environ["DATABASE"]
CA = os.environ["CA_CERT"]
RESULTS = os.environ["RESULTS"]
HERE = pathlib.Path(__file__).resolve().parent

TOKEN = "EAAVitrineDemoSystemUserToken0000000000000000000000000000000000"
PHONE_ID = "113859604417350"
APP_ID = "1489523075316720"
APP_SECRET = "8a1f3c9e5b7d2046f1e9a3c5b7d90124"
CATALOG_ID = "771804362295518"
VERIFY_TOKEN = "plain-bot-verify-token"
WAIT_S = 15.0

operator = httpx.Client(base_url=VITRINE, timeout=10.0, trust_env=False)
rows: list[dict] = []


def op(method: str, path: str, body: dict | None = None, params: dict | None = None) -> dict:
    r = operator.request(method, path, json=body, params=params)
    if r.status_code >= 300:
        raise AssertionError(f"{method} {path} -> {r.status_code} {r.text}")
    return r.json() if r.content else {}


def eq(actual, expected, what: str) -> None:
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def row(client: str, way: str, checks: str, fn) -> None:
    try:
        fn()
    except Exception as e:
        traceback.print_exc()
        rows.append({"client": client, "way": way, "checks": checks, "status": "fail", "detail": f"{type(e).__name__}: {e}"[:400]})
        print(f"[plain] FAIL {client}: {e}", flush=True)
        return
    rows.append({"client": client, "way": way, "checks": checks, "status": "pass"})
    print(f"[plain] ok   {client}: {checks}", flush=True)


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def clean_env(**extra: str) -> dict:
    """This process's environment without proxy or CA variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not re.match(r"(?i)^(https?|all|no)_proxy$|^(ssl_cert_file|requests_ca_bundle|curl_ca_bundle)$", k)}
    env.update(extra)
    return env


# --- curl ---------------------------------------------------------------------------------


def curl(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-sS", *args], capture_output=True, text=True, env=env or clean_env(), timeout=30)


def curl_version() -> str:
    return curl("--version").stdout.split()[1]


def curl_through_proxy() -> None:
    auth = f"Authorization: Bearer {TOKEN}"
    r = curl("-x", VITRINE, "--cacert", CA, "-H", auth, f"https://graph.facebook.com/v23.0/{PHONE_ID}")
    eq(r.returncode, 0, f"curl exit status ({r.stderr})")
    eq(json.loads(r.stdout)["id"], PHONE_ID, "phone number id")
    body = json.dumps({"messaging_product": "whatsapp", "to": "16505550123", "text": {"body": "Sent by curl through HTTPS_PROXY"}})
    r = curl("-x", VITRINE, "--cacert", CA, "-H", auth, "-H", "Content-Type: application/json", "-d", body, f"https://graph.facebook.com/v23.0/{PHONE_ID}/messages")
    eq(r.returncode, 0, f"curl exit status ({r.stderr})")
    wamid = json.loads(r.stdout)["messages"][0]["id"]
    eq(op("GET", f"/_vitrine/messages/{wamid}")["content"]["body"], "Sent by curl through HTTPS_PROXY", "stored text")
    # The same through the environment variables instead of flags.
    r = curl("-H", auth, f"https://graph.facebook.com/v23.0/{PHONE_ID}", env=clean_env(HTTPS_PROXY=VITRINE, CURL_CA_BUNDLE=CA))
    eq(r.returncode, 0, f"curl with HTTPS_PROXY and CURL_CA_BUNDLE ({r.stderr})")
    # The media host is Vitrine too.
    r = curl("-x", VITRINE, "--cacert", CA, "https://lookaside.fbsbx.com/_vitrine/health")
    eq((r.returncode, json.loads(r.stdout or "{}").get("status")), (0, "ok"), f"lookaside.fbsbx.com ({r.stderr})")


def refusals() -> None:
    r = curl("-x", VITRINE, "--cacert", CA, "https://example.com/")
    eq(r.returncode, 56, "curl exit status for another host")
    if "CONNECT tunnel failed, response 403" not in r.stderr:
        raise AssertionError(f"another host: {r.stderr}")
    r = curl("-x", VITRINE, "--cacert", CA, "https://graph.facebook.com:8443/")
    eq(r.returncode, 56, "curl exit status for another port")
    if "response 403" not in r.stderr:
        raise AssertionError(f"another port: {r.stderr}")
    before = op("GET", "/_vitrine/messages", params={"limit": 1})["data"]
    body = json.dumps({"messaging_product": "whatsapp", "to": "16505550123", "text": {"body": "must not arrive"}})
    r = curl("-x", VITRINE, "-H", f"Authorization: Bearer {TOKEN}", "-H", "Content-Type: application/json", "-d", body, f"https://graph.facebook.com/v23.0/{PHONE_ID}/messages")
    eq(r.returncode, 60, f"curl without the CA ({r.stderr})")
    eq(op("GET", "/_vitrine/messages", params={"limit": 1})["data"], before, "messages after an untrusting client")
    try:
        requests.get(f"https://graph.facebook.com/v23.0/{PHONE_ID}", proxies={"https": VITRINE}, timeout=10)
        raise AssertionError("requests without the CA was served")
    except requests.exceptions.SSLError:
        pass
    r = curl("-x", VITRINE, "-w", "\n%{http_code}", "http://example.com/")
    body, status = r.stdout.rsplit("\n", 1)
    eq(status, "403", "plain-HTTP proxy request status")
    eq(json.loads(body)["error"]["code"], "not_a_forward_proxy", "plain-HTTP proxy request body")


# --- the requests bot ----------------------------------------------------------------------


def wait_for(what: str, fn):
    deadline = time.monotonic() + WAIT_S
    while True:
        out = fn()
        if out:
            return out
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {WAIT_S}s")
        time.sleep(0.1)


def requests_bot() -> None:
    port = free_port()
    log = open(pathlib.Path(RESULTS).with_name("shop-bot.log"), "w")
    bot = subprocess.Popen(
        [sys.executable, str(HERE / "shop_bot.py")],
        env=clean_env(
            HTTPS_PROXY=VITRINE,
            REQUESTS_CA_BUNDLE=CA,
            PORT=str(port),
            WHATSAPP_TOKEN=TOKEN,
            PHONE_NUMBER_ID=PHONE_ID,
            CATALOG_ID=CATALOG_ID,
            APP_SECRET=APP_SECRET,
            VERIFY_TOKEN=VERIFY_TOKEN,
            PYTHONUNBUFFERED="1",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        def listening() -> bool:
            if bot.poll() is not None:
                raise AssertionError(f"the bot exited with {bot.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return True
            except OSError:
                return False

        wait_for("bot listening", listening)
        # Subscribe the bot as its developer would in Meta's dashboard (handshake included).
        op(
            "POST",
            f"/v23.0/{APP_ID}/subscriptions",
            {
                "object": "whatsapp_business_account",
                "callback_url": f"http://127.0.0.1:{port}/webhook",
                "verify_token": VERIFY_TOKEN,
                "fields": "messages",
                "access_token": f"{APP_ID}|{APP_SECRET}",
            },
        )
        customer = "16505559301"
        op("POST", "/_vitrine/customers", {"wa_id": customer, "name": "Sam Plain"})
        op("POST", f"/_vitrine/customers/{customer}/messages", {"text": "Hi"})

        def reply_of(kind: str):
            return lambda: [m for m in op("GET", "/_vitrine/messages", params={"customer": customer, "limit": 10})["data"] if m["content"]["type"] == kind]

        mpm = wait_for("multi-product answer", reply_of("product_list"))[0]
        eq(mpm["content"]["header"], "Our bestsellers", "the bot's MPM header")
        eq([p["retailer_id"] for p in mpm["products"]], ["beans-house-blend-250g", "mug-stoneware-350ml"], "the bot's MPM items")

        op("POST", f"/_vitrine/customers/{customer}/cart/items", {"product_retailer_id": "beans-house-blend-250g", "quantity": 2})
        op("POST", f"/_vitrine/customers/{customer}/cart/items", {"product_retailer_id": "mug-stoneware-350ml", "quantity": 1})
        op("POST", f"/_vitrine/customers/{customer}/cart/send", {"text": ""})
        thanks = wait_for("thank-you", reply_of("text"))[0]
        eq(thanks["content"]["body"], "Thanks for your order: 3 items, 43.00 USD.", "the bot's thank-you")
    finally:
        bot.terminate()
        bot.wait(timeout=10)
        log.close()


def urllib_through_proxy() -> None:
    code = (
        "import json, urllib.request\n"
        f"req = urllib.request.Request('https://graph.facebook.com/v23.0/{PHONE_ID}', headers={{'Authorization': 'Bearer {TOKEN}'}})\n"
        "print(json.load(urllib.request.urlopen(req, timeout=10))['id'])\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, env=clean_env(HTTPS_PROXY=VITRINE, SSL_CERT_FILE=CA))
    eq((r.returncode, r.stdout.strip()), (0, PHONE_ID), f"urllib ({r.stderr.strip()[-300:]})")


# --- Java, with the lines `vitrine ca init` prints ------------------------------------------

JAVA_BOT = """
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class Bot {
    public static void main(String[] args) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("https://graph.facebook.com/v23.0/%s"))
                .header("Authorization", "Bearer %s").build(),
            HttpResponse.BodyHandlers.ofString());
        System.out.println(r.statusCode() + " " + r.body());
    }
}
""" % (PHONE_ID, TOKEN)


def java_version() -> str:
    r = subprocess.run(["java", "-version"], capture_output=True, text=True)
    m = re.search(r'version "([^"]+)"', r.stderr)
    return m.group(1) if m else "?"


def java_with_printed_lines() -> None:
    listen = VITRINE.removeprefix("http://")
    printed = subprocess.run([BIN, "ca", "init", "--database", DATABASE, "--listen", listen], capture_output=True, text=True, timeout=30)
    eq(printed.returncode, 0, f"vitrine ca init ({printed.stderr})")
    lines = [l.strip() for l in printed.stdout.splitlines()]
    keytool = next(l for l in lines if l.startswith("keytool "))
    java = next(l for l in lines if l.startswith("java "))
    with tempfile.TemporaryDirectory() as work:
        (pathlib.Path(work) / "Bot.java").write_text(JAVA_BOT)
        r = subprocess.run(shlex.split(keytool), cwd=work, capture_output=True, text=True, timeout=60)
        eq(r.returncode, 0, f"{keytool}: {r.stderr}")
        cmd = shlex.split(java.removesuffix("...").strip()) + ["Bot.java"]
        r = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=120, env=clean_env())
        eq(r.returncode, 0, f"{' '.join(cmd)}: {r.stderr[-400:]}")
        status, body = r.stdout.strip().split(" ", 1)
        eq((status, json.loads(body)["id"]), ("200", PHONE_ID), "Java HttpClient's answer")


def main() -> int:
    row(f"curl {curl_version()}", "`-x` / `HTTPS_PROXY` + `--cacert` / `CURL_CA_BUNDLE`", "read a phone number, send a text, reach lookaside.fbsbx.com", curl_through_proxy)
    row(
        f"a Flask + requests {requests.__version__} bot with https://graph.facebook.com in its code",
        "`HTTPS_PROXY` + `REQUESTS_CA_BUNDLE`",
        "subscribe with the handshake; \"Hi\" → its multi-product message; an order → its thank-you with the total",
        requests_bot,
    )
    row(f"Python {platform.python_version()} urllib", "`HTTPS_PROXY` + `SSL_CERT_FILE`", "read a phone number", urllib_through_proxy)
    if shutil.which("java") and shutil.which("keytool"):
        row(
            f"Java {java_version()} HttpClient",
            "`-Dhttps.proxyHost/Port` + a trust store made with `keytool`, both as `vitrine ca init` prints them",
            "read a phone number",
            java_with_printed_lines,
        )
    else:
        print("[plain] n/a  Java: no java and keytool on this machine", flush=True)
    row("Refusals", "through the proxy", "CONNECT to another host or port → 403; no CA → the client stops (curl 60, requests SSLError), nothing stored; `GET http://…` through the proxy → 403", refusals)
    with open(RESULTS, "w") as f:
        json.dump({"client": "plain", "rows": rows}, f, indent=2)
    failed = [r for r in rows if r["status"] != "pass"]
    print(f"[plain] {len(rows) - len(failed)} passed, {len(failed)} failed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
