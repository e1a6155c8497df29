//! Carts and orders: one cart per chat per device, 1–99 units of an item, available products
//! only, the cart setting, product updates reaching carts, and the `order` webhook (spec §5.4,
//! §9.1, §9.2).

use crate::support::receiver::{Behaviour as Rx, Receiver};
use crate::support::*;
use serde_json::{json, Value};
use vitrine_core::seed;

impl TestApp {
    async fn add(&self, wa_id: &str, body: Value) -> Resp {
        self.post_json(&format!("/_vitrine/customers/{wa_id}/cart/items"), body)
            .await
    }

    async fn cart(&self, wa_id: &str, query: &str) -> Resp {
        self.get(&format!("/_vitrine/customers/{wa_id}/cart{query}"))
            .await
    }

    async fn graph_update(&self, product_id: &str, body: Value) {
        let r = self
            .send(
                self.client
                    .post(self.url(&format!("/v23.0/{product_id}")))
                    .bearer_auth(TOKEN)
                    .json(&body),
            )
            .await;
        assert_eq!(r.body, json!({ "success": true }), "{}", r.text);
    }
}

const GIFT_CARD_ID: &str = "7337219806314524";
const TOTE_ID: &str = "7337219806314518";

fn rule(r: &Resp, code: &str) {
    assert_eq!(r.status.as_u16(), 409, "{}", r.text);
    assert_eq!(r.body["error"]["code"], code, "{}", r.text);
}

#[tokio::test]
async fn a_cart_becomes_an_order_webhook() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    app.add(
        CUSTOMER,
        json!({ "product_retailer_id": "gift-card-25", "quantity": 2 }),
    )
    .await;
    let r = app
        .add(
            CUSTOMER,
            json!({ "product_retailer_id": "jacket-rain-olive" }),
        )
        .await;
    assert_eq!(
        r.body["total"],
        2 * 2500 + 6900,
        "the sale price applies: {}",
        r.text
    );
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/cart/send"),
            json!({ "text": "Please deliver after 6pm" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let wamid = r.body["wamid"].as_str().unwrap().to_owned();
    let got = app.received(&rx, 1).await;
    assert_eq!(
        got[0].json(),
        json!({
            "object": "whatsapp_business_account",
            "entry": [{
                "id": seed::WABA_ID,
                "changes": [{
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": { "display_phone_number": seed::DISPLAY_PHONE_NUMBER, "phone_number_id": PHONE },
                        "contacts": [{ "profile": { "name": seed::CUSTOMER_NAME }, "wa_id": CUSTOMER, "user_id": CUSTOMER_BSUID }],
                        "messages": [{
                            "from": CUSTOMER,
                            "from_user_id": CUSTOMER_BSUID,
                            "id": wamid,
                            "timestamp": r.body["timestamp"],
                            "type": "order",
                            "order": {
                                "catalog_id": CATALOG,
                                "text": "Please deliver after 6pm",
                                "product_items": [
                                    { "product_retailer_id": "gift-card-25", "quantity": 2, "item_price": 25, "currency": "USD" },
                                    { "product_retailer_id": "jacket-rain-olive", "quantity": 1, "item_price": 69, "currency": "USD" }
                                ]
                            }
                        }]
                    },
                    "field": "messages"
                }]
            }]
        })
    );
    // The cart is empty now; sending it again is refused.
    assert_eq!(app.cart(CUSTOMER, "").await.body["items"], json!([]));
    rule(
        &app.post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/cart/send"),
            json!({}),
        )
        .await,
        "cart_empty",
    );
}

#[tokio::test]
async fn order_prices_follow_the_catalog_and_fractions_stay_exact() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    app.add(
        CUSTOMER,
        json!({ "product_retailer_id": "tote-canvas-natural", "quantity": 3 }),
    )
    .await;
    app.graph_update(TOTE_ID, json!({ "price": 1299 })).await;
    app.post_json(
        &format!("/_vitrine/customers/{CUSTOMER}/cart/send"),
        json!({}),
    )
    .await;
    let got = app.received(&rx, 1).await;
    let raw = String::from_utf8(got[0].body.clone()).unwrap();
    assert!(
        raw.contains(r#""item_price":12.99,"currency":"USD""#),
        "{raw}"
    );
    assert!(
        raw.contains(r#""text":"""#),
        "an empty note is an empty string: {raw}"
    );
}

#[tokio::test]
async fn quantity_rules_are_never_clamped() {
    let app = spawn_app().await;
    app.add(
        CUSTOMER,
        json!({ "product_retailer_id": "gift-card-25", "quantity": 98 }),
    )
    .await;
    let r = app
        .add(
            CUSTOMER,
            json!({ "product_retailer_id": "gift-card-25", "quantity": 2 }),
        )
        .await;
    rule(&r, "quantity_over_limit");
    assert_eq!(
        r.body["error"]["message"],
        "The cart already holds 98 of this item; adding 2 would exceed 99."
    );
    let r = app
        .add(
            CUSTOMER,
            json!({ "product_retailer_id": "gift-card-25", "quantity": 1 }),
        )
        .await;
    assert_eq!(r.body["items"][0]["quantity"], 99);
    rule(
        &app.add(
            CUSTOMER,
            json!({ "product_retailer_id": "tote-canvas-natural", "quantity": 0 }),
        )
        .await,
        "quantity_out_of_range",
    );
    rule(
        &app.add(
            CUSTOMER,
            json!({ "product_retailer_id": "tote-canvas-natural", "quantity": 100 }),
        )
        .await,
        "quantity_out_of_range",
    );
    let r = app
        .send(
            app.client
                .put(app.url(&format!(
                    "/_vitrine/customers/{CUSTOMER}/cart/items/gift-card-25"
                )))
                .json(&json!({ "quantity": 5 })),
        )
        .await;
    assert_eq!(r.body["items"][0]["quantity"], 5);
    let r = app
        .send(
            app.client
                .put(app.url(&format!(
                    "/_vitrine/customers/{CUSTOMER}/cart/items/gift-card-25"
                )))
                .json(&json!({ "quantity": 120 })),
        )
        .await;
    rule(&r, "quantity_out_of_range");
    let r = app
        .send(app.client.delete(app.url(&format!(
            "/_vitrine/customers/{CUSTOMER}/cart/items/gift-card-25"
        ))))
        .await;
    assert_eq!(r.body["items"], json!([]));
    let r = app
        .send(app.client.delete(app.url(&format!(
            "/_vitrine/customers/{CUSTOMER}/cart/items/gift-card-25"
        ))))
        .await;
    rule(&r, "not_in_cart");
    // Many distinct items are fine.
    for rid in [
        "tee-classic-white",
        "tee-classic-black",
        "cap-canvas-navy",
        "mug-stoneware-350ml",
        "candle-cedar-200g",
    ] {
        assert_eq!(
            app.add(CUSTOMER, json!({ "product_retailer_id": rid }))
                .await
                .status
                .as_u16(),
            200
        );
    }
    assert_eq!(
        app.cart(CUSTOMER, "").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn unavailable_products_and_a_disabled_cart() {
    let app = spawn_app().await;
    rule(
        &app.add(
            CUSTOMER,
            json!({ "product_retailer_id": "beans-ethiopia-250g" }),
        )
        .await,
        "product_unavailable",
    );
    rule(
        &app.add(
            CUSTOMER,
            json!({ "product_retailer_id": "scarf-wool-preview" }),
        )
        .await,
        "product_unavailable",
    );
    rule(
        &app.add(CUSTOMER, json!({ "product_retailer_id": "no-such-sku" }))
            .await,
        "product_unavailable",
    );
    let r = app
        .send(
            app.client
                .post(app.url(&format!(
                    "/v23.0/{PHONE}/whatsapp_commerce_settings?is_cart_enabled=false"
                )))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(r.body, json!({ "success": true }));
    let r = app
        .add(CUSTOMER, json!({ "product_retailer_id": "gift-card-25" }))
        .await;
    rule(&r, "cart_disabled");
    rule(
        &app.post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/cart/send"),
            json!({}),
        )
        .await,
        "cart_disabled",
    );
    assert_eq!(
        app.add(
            "19998887777",
            json!({ "product_retailer_id": "gift-card-25" })
        )
        .await
        .status
        .as_u16(),
        404
    );
}

#[tokio::test]
async fn two_devices_have_two_carts_in_one_chat() {
    let app = spawn_app().await;
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/devices"),
            json!({ "id": "laptop", "platform": "web", "app_version": "2.3000.1" }),
        )
        .await;
    assert_eq!(r.body["devices"].as_array().unwrap().len(), 2);
    app.add(CUSTOMER, json!({ "product_retailer_id": "gift-card-25" }))
        .await;
    app.add(
        CUSTOMER,
        json!({ "product_retailer_id": "tote-canvas-natural", "quantity": 4, "device": "laptop" }),
    )
    .await;
    let phone = app.cart(CUSTOMER, "").await;
    let laptop = app.cart(CUSTOMER, "?device=laptop").await;
    assert_eq!(
        phone.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["product_retailer_id"].clone())
            .collect::<Vec<_>>(),
        vec![json!("gift-card-25")]
    );
    assert_eq!(
        laptop.body["items"][0]["product_retailer_id"],
        "tote-canvas-natural"
    );
    assert_eq!(laptop.body["items"][0]["quantity"], 4);
    // Sending one leaves the other.
    app.post_json(
        &format!("/_vitrine/customers/{CUSTOMER}/cart/send"),
        json!({ "device": "laptop" }),
    )
    .await;
    assert_eq!(
        app.cart(CUSTOMER, "?device=laptop").await.body["items"],
        json!([])
    );
    assert_eq!(
        app.cart(CUSTOMER, "").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.cart(CUSTOMER, "?device=tablet").await.status.as_u16(),
        404
    );
}

#[tokio::test]
async fn product_updates_reach_every_cart_that_holds_them() {
    let app = spawn_app().await;
    let other = "15557778888";
    app.post_json(
        "/_vitrine/customers",
        json!({ "wa_id": other, "name": "Noor" }),
    )
    .await;
    for who in [CUSTOMER, other] {
        app.add(
            who,
            json!({ "product_retailer_id": "gift-card-25", "quantity": 2 }),
        )
        .await;
        app.add(who, json!({ "product_retailer_id": "tote-canvas-natural" }))
            .await;
        assert!(app.cart(who, "").await.body["notice"].is_null());
    }
    // Out of stock: removed from both carts, with the notice, once.
    app.graph_update(GIFT_CARD_ID, json!({ "availability": "out of stock" }))
        .await;
    for who in [CUSTOMER, other] {
        let r = app.cart(who, "").await;
        assert_eq!(
            r.body["notice"],
            "One or more items in your cart have been updated"
        );
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(
            r.body["items"][0]["product_retailer_id"],
            "tote-canvas-natural"
        );
        assert!(
            app.cart(who, "").await.body["notice"].is_null(),
            "the notice shows once"
        );
    }
    // A price change shows in the cart and raises the notice, though it comes in the very
    // millisecond of the customer's last look.
    app.graph_update(TOTE_ID, json!({ "price": 1750 })).await;
    let r = app.cart(CUSTOMER, "").await;
    assert_eq!(
        r.body["notice"],
        "One or more items in your cart have been updated"
    );
    assert_eq!(r.body["items"][0]["price"], 1750);
    // Deleted: removed.
    let r = app
        .send(
            app.client
                .delete(app.url(&format!("/v23.0/{TOTE_ID}")))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(r.body, json!({ "success": true }));
    let r = app.cart(other, "").await;
    assert_eq!(r.body["items"], json!([]));
    assert_eq!(
        r.body["notice"],
        "One or more items in your cart have been updated"
    );
}

#[tokio::test]
async fn a_change_in_the_millisecond_of_a_look_is_noticed() {
    // The sandbox clock stands still: every look and every change below share one millisecond.
    let app = spawn_app().await;
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    app.add(CUSTOMER, json!({ "product_retailer_id": "gift-card-25" }))
        .await;
    app.add(
        CUSTOMER,
        json!({ "product_retailer_id": "tote-canvas-natural" }),
    )
    .await;
    assert!(app.cart(CUSTOMER, "").await.body["notice"].is_null());
    for price in [1750, 1800] {
        app.graph_update(TOTE_ID, json!({ "price": price })).await;
        let r = app.cart(CUSTOMER, "").await;
        assert_eq!(
            r.body["notice"], "One or more items in your cart have been updated",
            "{}",
            r.text
        );
        assert_eq!(r.body["items"][1]["price"], price);
        assert!(
            app.cart(CUSTOMER, "").await.body["notice"].is_null(),
            "the notice shows once"
        );
    }
    // A change seen while changing the cart: the notice is pending, and shows once.
    app.graph_update(GIFT_CARD_ID, json!({ "name": "Gift card" }))
        .await;
    let r = app
        .add(CUSTOMER, json!({ "product_retailer_id": "gift-card-25" }))
        .await;
    assert_eq!(
        r.body["notice"],
        "One or more items in your cart have been updated"
    );
    let r = app.cart(CUSTOMER, "").await;
    assert_eq!(
        r.body["notice"],
        "One or more items in your cart have been updated"
    );
    assert!(app.cart(CUSTOMER, "").await.body["notice"].is_null());
    // A change of a product the cart does not hold raises nothing.
    app.graph_update("7337219806314500", json!({ "price": 999 }))
        .await;
    assert!(app.cart(CUSTOMER, "").await.body["notice"].is_null());
}

#[tokio::test]
async fn an_order_opens_the_window() {
    let app = spawn_app().await;
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    app.post_json("/_vitrine/clock/advance", json!({ "seconds": 86_401 }))
        .await;
    let wamid = app.post_message(text("hi")).await.wamid();
    app.advance(app.sent_ms());
    assert_eq!(
        app.stored(&wamid).await["status"],
        "failed",
        "the start-up greeting is older than 24 hours"
    );
    app.add(CUSTOMER, json!({ "product_retailer_id": "gift-card-25" }))
        .await;
    app.post_json(
        &format!("/_vitrine/customers/{CUSTOMER}/cart/send"),
        json!({}),
    )
    .await;
    let wamid = app
        .post_message(text("Thanks for your order!"))
        .await
        .wamid();
    app.advance(app.delivered_ms());
    assert_eq!(app.stored(&wamid).await["status"], "delivered");
}
