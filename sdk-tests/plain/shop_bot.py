"""A small WhatsApp shopping bot as people write them: Flask for the webhook, `requests` for the
Graph API, and Meta's URL written into the code. Nothing in it knows about Vitrine; it reaches
Vitrine only through the environment it is started with (HTTPS_PROXY, REQUESTS_CA_BUNDLE).

A customer who says hi gets a multi-product message; an order gets a thank-you with its total.

Environment: PORT, WHATSAPP_TOKEN, PHONE_NUMBER_ID, CATALOG_ID, APP_SECRET, VERIFY_TOKEN.
"""

from __future__ import annotations

import hashlib
import hmac
import os

import requests
from flask import Flask, abort, request

VERSION = "v23.0"
GRAPH_URL = f"https://graph.facebook.com/{VERSION}"

TOKEN = os.environ["WHATSAPP_TOKEN"]
PHONE_NUMBER_ID = os.environ["PHONE_NUMBER_ID"]
CATALOG_ID = os.environ["CATALOG_ID"]
APP_SECRET = os.environ["APP_SECRET"].encode()
VERIFY_TOKEN = os.environ["VERIFY_TOKEN"]

app = Flask(__name__)


def send(to: str, payload: dict) -> dict:
    r = requests.post(
        f"{GRAPH_URL}/{PHONE_NUMBER_ID}/messages",
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={"messaging_product": "whatsapp", "to": to, **payload},
        timeout=10,
    )
    r.raise_for_status()
    return r.json()


def show_bestsellers(to: str) -> None:
    send(
        to,
        {
            "type": "interactive",
            "interactive": {
                "type": "product_list",
                "header": {"type": "text", "text": "Our bestsellers"},
                "body": {"text": "Tap an item, add it to your cart, send the cart."},
                "action": {
                    "catalog_id": CATALOG_ID,
                    "sections": [
                        {
                            "title": "Coffee",
                            "product_items": [
                                {"product_retailer_id": "beans-house-blend-250g"},
                                {"product_retailer_id": "mug-stoneware-350ml"},
                            ],
                        }
                    ],
                },
            },
        },
    )


def thank_for_order(to: str, order: dict) -> None:
    items = order["product_items"]
    count = sum(i["quantity"] for i in items)
    total = sum(i["quantity"] * i["item_price"] for i in items)
    currency = items[0]["currency"]
    send(to, {"type": "text", "text": {"body": f"Thanks for your order: {count} items, {total:.2f} {currency}."}})


@app.get("/webhook")
def verify():
    if request.args.get("hub.mode") == "subscribe" and request.args.get("hub.verify_token") == VERIFY_TOKEN:
        return request.args.get("hub.challenge", "")
    abort(403)


@app.post("/webhook")
def receive():
    expected = "sha256=" + hmac.new(APP_SECRET, request.get_data(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Hub-Signature-256", "")):
        abort(401)
    for entry in request.json.get("entry", []):
        for change in entry.get("changes", []):
            for message in change.get("value", {}).get("messages", []):
                if message["type"] == "text" and message["text"]["body"].strip().lower() in ("hi", "hello"):
                    show_bestsellers(message["from"])
                elif message["type"] == "order":
                    thank_for_order(message["from"], message["order"])
    return "", 200


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
