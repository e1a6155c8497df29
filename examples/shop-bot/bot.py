"""A small shopping bot written against pywa, unchanged: it greets with a multi-product
message of the summer picks, answers questions about a product, offers help with reply
buttons, and confirms orders with their total.

Nothing in it knows about Vitrine except where the Graph API is: the httpx transport below
sends pywa's requests for https://graph.facebook.com to VITRINE_URL instead. Point it at
Meta's servers with real credentials and it runs unchanged.

    VITRINE_URL=http://127.0.0.1:8484 BOT_PORT=3000 python bot.py

It subscribes its own webhook (http://127.0.0.1:BOT_PORT/webhook) at start, as pywa does with
callback_url; `vitrine scenario run examples/shop-bot/scenarios/*.yaml` then tests it.
"""

from __future__ import annotations

import logging
import os
import threading

import httpx
from flask import Flask
from werkzeug.serving import make_server

from pywa import WhatsApp, types

VITRINE = os.environ.get("VITRINE_URL", "http://127.0.0.1:8484").rstrip("/")
PORT = int(os.environ.get("BOT_PORT", "3000"))

# The demo sandbox's ids (GET /_vitrine/sandbox); on Meta, your own.
TOKEN = os.environ.get("WA_TOKEN", "EAAVitrineDemoSystemUserToken0000000000000000000000000000000000")
PHONE_ID = os.environ.get("WA_PHONE_ID", "113859604417350")
WABA_ID = os.environ.get("WA_WABA_ID", "110457892231604")
APP_ID = os.environ.get("WA_APP_ID", "1489523075316720")
APP_SECRET = os.environ.get("WA_APP_SECRET", "8a1f3c9e5b7d2046f1e9a3c5b7d90124")
CATALOG_ID = os.environ.get("WA_CATALOG_ID", "771804362295518")

SUMMER_PICKS = [
    ("Wear", ["tee-classic-white", "cap-canvas-navy"]),
    ("Carry", ["sunglasses-round-tortoise", "tote-canvas-natural"]),
]
GREETINGS = {"hi", "hello", "hey", "hola"}


class GraphToVitrine(httpx.HTTPTransport):
    """Sends requests for graph.facebook.com to Vitrine instead."""

    def __init__(self, origin: str) -> None:
        super().__init__()
        self._origin = httpx.URL(origin)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "graph.facebook.com":
            request.url = request.url.copy_with(
                scheme=self._origin.scheme, host=self._origin.host, port=self._origin.port
            )
        return super().handle_request(request)


session = httpx.Client(transport=GraphToVitrine(VITRINE), timeout=30)


def product_info(sku: str) -> dict | None:
    """The product, from the catalog API (pywa has no call for it; the same session reaches it)."""
    r = session.get(
        f"https://graph.facebook.com/v23.0/{CATALOG_ID}/products",
        params={
            "filter": f'{{"retailer_id":{{"eq":"{sku}"}}}}',
            "fields": "name,description,price,availability",
        },
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    data = r.json().get("data", [])
    return data[0] if data else None


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # The webhook server runs first: pywa subscribes callback_url at start, with the handshake.
    app = Flask("shop-bot")
    server = make_server("127.0.0.1", PORT, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    wa = WhatsApp(
        phone_id=PHONE_ID,
        token=TOKEN,
        waba_id=WABA_ID,
        session=session,
        server=app,
        callback_url=f"http://127.0.0.1:{PORT}",
        webhook_endpoint="/webhook",
        verify_token="shop-bot-verify-token",
        app_id=int(APP_ID),
        app_secret=APP_SECRET,
        webhook_challenge_delay=0.2,
    )

    def send_picks(to: str, name: str) -> None:
        wa.send_products(
            to=to,
            catalog_id=CATALOG_ID,
            product_sections=[types.ProductsSection(title=t, skus=skus) for t, skus in SUMMER_PICKS],
            title="Summer picks",
            body=f"Hi {name}! Tap an item, add it to your cart and send the cart.",
        )

    @wa.on_message
    def on_message(_: WhatsApp, m: types.Message) -> None:
        m.mark_as_read()
        name = m.from_user.name or "there"
        to = m.from_user.wa_id
        if m.type == types.MessageType.ORDER:
            order = m.order
            count = sum(p.quantity for p in order.products)
            wa.send_message(
                to=to,
                text=f"Thanks {name}! Your order of {count} item{'s' if count != 1 else ''} "
                f"comes to ${order.total_price:.2f}. We will deliver it soon.",
            )
            return
        if m.type != types.MessageType.TEXT:
            return
        referred = m.reply_to_message.referred_product if m.reply_to_message else None
        if referred is not None:
            p = product_info(referred.sku)
            if p is None:
                text = "Sorry, that product is no longer in our catalog."
            else:
                text = f"{p['name']}: {p['description']} {p['price']}, {p['availability']}."
            wa.send_message(to=to, text=text)
            return
        if m.text.strip().lower() in GREETINGS:
            send_picks(to, name)
            return
        wa.send_message(
            to=to,
            text="How can I help?",
            buttons=[
                types.Button(title="Show picks", callback_data="picks"),
                types.Button(title="Talk to us", callback_data="human"),
            ],
        )

    @wa.on_callback_button
    def on_button(_: WhatsApp, b: types.CallbackButton) -> None:
        b.mark_as_read()
        if b.data == "picks":
            send_picks(b.from_user.wa_id, b.from_user.name or "there")
        else:
            wa.send_message(to=b.from_user.wa_id, text="Someone from our team will write to you soon.")

    print(f"shop-bot: webhook on http://127.0.0.1:{PORT}/webhook, Graph API at {VITRINE}", flush=True)
    thread.join()


if __name__ == "__main__":
    main()
