//! Sending carousel and checkout templates, and what the customer sees and does with them
//! (spec §3.5–§3.7): product cards that become an order, media cards whose quick replies reach the
//! bot, checkout orders checked to the paisa. Also 132007 and the template client minimum.
//!
//! Its length: one journey per template kind, each an end-to-end story.

use crate::support::receiver::{Behaviour as Rx, Receiver};
use crate::support::*;
use crate::templates::approved;
use serde_json::{json, Value};

fn product_carousel(name: &str, button: Value) -> Value {
    let card = json!({ "components": [
        { "type": "header", "format": "product" },
        { "type": "buttons", "buttons": [ button ] }
    ] });
    json!({ "name": name, "language": "en_US", "category": "MARKETING",
        "components": [
            { "type": "body", "text": "Deals picked for you, {{1}}.", "example": { "body_text": [["Maria"]] } },
            { "type": "carousel", "cards": [card.clone(), card] }
        ] })
}

fn product_card(index: Value, rid: &str) -> Value {
    json!({ "card_index": index, "components": [
        { "type": "header", "parameters": [ { "type": "product", "product": { "product_retailer_id": rid, "catalog_id": CATALOG } } ] }
    ] })
}

fn send_carousel(name: &str, cards: Vec<Value>) -> Value {
    json!({
        "messaging_product": "whatsapp", "to": CUSTOMER, "type": "template",
        "template": { "name": name, "language": { "code": "en_US" }, "components": [
            { "type": "body", "parameters": [ { "type": "text", "text": "Maria" } ] },
            { "type": "carousel", "cards": cards }
        ] }
    })
}

/// The message `wamid` as the customer's phone shows it.
async fn shown(app: &TestApp, wamid: &str) -> Value {
    let chat = app
        .get(&format!("/_vitrine/customers/{CUSTOMER}/chat"))
        .await;
    chat.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["wamid"] == wamid)
        .cloned()
        .unwrap_or_else(|| panic!("{wamid} not in the chat: {}", chat.text))
}

#[tokio::test]
async fn a_product_carousel_is_shown_as_cards_and_becomes_an_order() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    approved(
        &app,
        product_carousel(
            "carousel_products",
            json!({ "type": "spm", "text": "View" }),
        ),
    )
    .await;
    // Three product cards for a two-card template (Meta's guide: up to 10), given out of order
    // and with a string index.
    let r = app
        .post_message(send_carousel(
            "carousel_products",
            vec![
                product_card(json!(1), "mug-stoneware-350ml"),
                product_card(json!("0"), "beans-house-blend-250g"),
                product_card(json!(2), "candle-cedar-200g"),
            ],
        ))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    assert_eq!(r.body["messages"][0]["message_status"], "accepted");
    let wamid = r.wamid();
    app.advance(app.delivered_ms());
    let m = shown(&app, &wamid).await;
    assert_eq!(m["content"]["body"], "Deals picked for you, Maria.");
    assert_eq!(
        m["content"]["cards"],
        json!([
            { "card_index": 0, "product_retailer_id": "beans-house-blend-250g", "buttons": [ { "type": "spm", "text": "View" } ] },
            { "card_index": 1, "product_retailer_id": "mug-stoneware-350ml", "buttons": [ { "type": "spm", "text": "View" } ] },
            { "card_index": 2, "product_retailer_id": "candle-cedar-200g", "buttons": [ { "type": "spm", "text": "View" } ] }
        ])
    );
    let names: Vec<&str> = m["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["product_retailer_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "beans-house-blend-250g",
            "mug-stoneware-350ml",
            "candle-cedar-200g"
        ]
    );
    // The customer views the second card's product and orders two of it.
    let page = app
        .get(&format!(
            "/_vitrine/customers/{CUSTOMER}/products/mug-stoneware-350ml"
        ))
        .await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.text);
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/cart/items"),
            json!({ "product_retailer_id": "mug-stoneware-350ml", "quantity": 2 }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/cart/send"),
            json!({}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let order = &app.inbound_webhook(&r.body["wamid"]).await["order"];
    assert_eq!(order["catalog_id"], CATALOG);
    assert_eq!(
        order["product_items"][0]["product_retailer_id"],
        "mug-stoneware-350ml"
    );
    assert_eq!(order["product_items"][0]["quantity"], 2);
}

#[tokio::test]
async fn product_carousel_send_errors() {
    let app = spawn_app().await;
    approved(
        &app,
        product_carousel(
            "carousel_links",
            json!({ "type": "url", "text": "Buy", "url": "https://shop.example/p/{{1}}", "example": ["https://shop.example/p/a"] }),
        ),
    )
    .await;
    let with_link = |rid: &str, index: u64| {
        let mut c = product_card(json!(index), rid);
        c["components"].as_array_mut().unwrap().push(json!(
            { "type": "button", "sub_type": "url", "index": 0, "parameters": [ { "type": "text", "text": rid } ] }
        ));
        c
    };
    let r = app
        .post_message(send_carousel(
            "carousel_links",
            vec![
                with_link("gift-card-25", 0),
                with_link("mug-stoneware-350ml", 1),
            ],
        ))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let stored = app.stored(&r.wamid()).await;
    assert_eq!(
        stored["content"]["cards"][1]["buttons"][0],
        json!({ "type": "url", "text": "Buy", "url": "https://shop.example/p/mug-stoneware-350ml" })
    );
    // A URL button with a variable needs its value.
    app.post_message(send_carousel(
        "carousel_links",
        vec![
            with_link("gift-card-25", 0),
            product_card(json!(1), "mug-stoneware-350ml"),
        ],
    ))
    .await
    .assert_error(
        400,
        json!({
            "message": "(#132000) Number of parameters does not match the expected number of params",
            "type": "OAuthException",
            "code": 132000,
            "error_data": { "messaging_product": "whatsapp", "details": "card 1 button at index 0: number of localizable_params (0) does not match the expected number of params (1)" },
        }),
    );
    let code = |r: &Resp| r.body["error"]["code"].as_u64().unwrap_or(0);
    let cases: Vec<(Vec<Value>, u64)> = vec![
        // Unknown product, and a product of another catalog.
        (
            vec![with_link("gift-card-25", 0), with_link("no-such-sku", 1)],
            131009,
        ),
        (
            vec![with_link("gift-card-25", 0), {
                let mut c = with_link("mug-stoneware-350ml", 1);
                c["components"][0]["parameters"][0]["product"]["catalog_id"] = json!("1");
                c
            }],
            131009,
        ),
        // A text where the product goes.
        (
            vec![with_link("gift-card-25", 0), {
                let mut c = with_link("mug-stoneware-350ml", 1);
                c["components"][0]["parameters"][0] = json!({ "type": "text", "text": "x" });
                c
            }],
            132012,
        ),
        // The same card index twice.
        (
            vec![
                with_link("gift-card-25", 0),
                with_link("mug-stoneware-350ml", 0),
            ],
            131009,
        ),
        // No cards, and eleven.
        (vec![], 132000),
        (
            (0..11).map(|i| with_link("gift-card-25", i)).collect(),
            132000,
        ),
    ];
    for (cards, expected) in cases {
        let r = app
            .post_message(send_carousel("carousel_links", cards.clone()))
            .await;
        assert_eq!(code(&r), expected, "{cards:?}: {}", r.text);
    }
}

fn media_carousel() -> Value {
    let card = json!({ "components": [
        { "type": "header", "format": "image", "example": { "header_handle": ["4::aW1hZ2UvcG5n:ARb"] } },
        { "type": "body", "text": "Use code {{1}} today.", "example": { "body_text": [["15OFF"]] } },
        { "type": "buttons", "buttons": [
            { "type": "quick_reply", "text": "More like this" },
            { "type": "url", "text": "Shop", "url": "https://shop.example/c/{{1}}", "example": ["https://shop.example/c/a"] }
        ] }
    ] });
    json!({ "name": "carousel_media", "language": "en_US", "category": "MARKETING",
        "components": [
            { "type": "body", "text": "New collection is here." },
            { "type": "carousel", "cards": [card.clone(), card] }
        ] })
}

fn media_card(index: usize, header: Value, code: &str) -> Value {
    json!({ "card_index": index, "components": [
        { "type": "header", "parameters": [ header ] },
        { "type": "body", "parameters": [ { "type": "text", "text": code } ] },
        { "type": "button", "sub_type": "quick_reply", "index": 0, "parameters": [ { "type": "payload", "payload": format!("more-{index}") } ] },
        { "type": "button", "sub_type": "url", "index": "1", "parameters": [ { "type": "text", "text": format!("c{index}") } ] }
    ] })
}

fn image(link: &str) -> Value {
    json!({ "type": "image", "image": { "link": link } })
}

#[tokio::test]
async fn a_media_carousel_needs_every_card_and_its_quick_replies_reach_the_bot() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    approved(&app, media_carousel()).await;
    let image_id = app.upload(&noise(500, 1), "image/png", "card.png").await;
    let send = |cards: Vec<Value>| {
        json!({
            "messaging_product": "whatsapp", "to": CUSTOMER, "type": "template",
            "template": { "name": "carousel_media", "language": { "code": "en_US" }, "components": [
                { "type": "carousel", "cards": cards }
            ] }
        })
    };
    let r = app
        .post_message(send(vec![
            media_card(0, image("https://cdn.example/a.png"), "15OFF"),
            media_card(
                1,
                json!({ "type": "image", "image": { "id": image_id } }),
                "20OFF",
            ),
        ]))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let wamid = r.wamid();
    app.advance(app.delivered_ms());
    let m = shown(&app, &wamid).await;
    assert_eq!(m["content"]["body"], "New collection is here.");
    assert_eq!(
        m["content"]["cards"][1],
        json!({
            "card_index": 1,
            "header_media": { "type": "image", "media": { "id": image_id } },
            "body": "Use code 20OFF today.",
            "buttons": [
                { "type": "quick_reply", "text": "More like this", "payload": "more-1" },
                { "type": "url", "text": "Shop", "url": "https://shop.example/c/c1" }
            ]
        })
    );
    // The customer taps the second card's quick reply.
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/replies"),
            json!({ "wamid": wamid, "choice": "More like this", "card": 1 }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let msg = &app.inbound_webhook(&r.body["wamid"]).await;
    assert_eq!(msg["type"], "button");
    assert_eq!(
        msg["button"],
        json!({ "payload": "more-1", "text": "More like this" })
    );
    assert_eq!(msg["context"]["id"], wamid);

    let code = |r: &Resp| r.body["error"]["code"].as_u64().unwrap_or(0);
    let a = || media_card(0, image("https://cdn.example/a.png"), "15OFF");
    let cases: Vec<(&str, Vec<Value>, u64)> = vec![
        (
            "three cards for two",
            vec![
                a(),
                media_card(1, image("https://cdn.example/b.png"), "X"),
                media_card(2, image("https://cdn.example/c.png"), "Y"),
            ],
            132000,
        ),
        ("one card for two", vec![a()], 132000),
        (
            "a video where the template has an image",
            vec![
                a(),
                media_card(
                    1,
                    json!({ "type": "video", "video": { "link": "https://cdn.example/b.mp4" } }),
                    "X",
                ),
            ],
            132012,
        ),
        (
            "an image with neither id nor link",
            vec![
                a(),
                media_card(1, json!({ "type": "image", "image": {} }), "X"),
            ],
            131008,
        ),
        (
            "a card body over 160 characters",
            vec![
                a(),
                media_card(1, image("https://cdn.example/b.png"), &"x".repeat(150)),
            ],
            132005,
        ),
        (
            "a tab in a value",
            vec![
                a(),
                media_card(1, image("https://cdn.example/b.png"), "A\tB"),
            ],
            132007,
        ),
        (
            "an image id that was never uploaded",
            vec![
                a(),
                media_card(
                    1,
                    json!({ "type": "image", "image": { "id": "1234567890123456" } }),
                    "X",
                ),
            ],
            131009,
        ),
    ];
    for (what, cards, expected) in cases {
        let r = app.post_message(send(cards)).await;
        assert_eq!(code(&r), expected, "{what}: {}", r.text);
    }
}

fn checkout_template() -> Value {
    json!({ "name": "checkout_offer", "language": "en_US", "category": "MARKETING",
        "components": [
            { "type": "HEADER", "format": "IMAGE", "example": { "header_handle": ["4::aW1hZ2UvcG5n:ARb"] } },
            { "type": "BODY", "text": "Complete your purchase, {{1}}.", "example": { "body_text": [["Asha"]] } },
            { "type": "BUTTONS", "buttons": [
                { "type": "ORDER_DETAILS", "text": "Buy now" },
                { "type": "QUICK_REPLY", "text": "Not now" }
            ] }
        ] })
}

fn order_details(now_secs: i64) -> Value {
    json!({
        "reference_id": "order_7781",
        "type": "physical-goods",
        "currency": "INR",
        "payment_settings": [ { "type": "payment_gateway", "payment_gateway": { "type": "razorpay", "configuration_name": "main-razorpay" } } ],
        "order": {
            "status": "pending",
            "items": [
                { "retailer_id": "tee-blue", "name": "Blue tee", "amount": { "value": 50000, "offset": 100 }, "quantity": 2,
                  "sale_amount": { "value": 45000, "offset": 100 } },
                { "retailer_id": "socks", "name": "Socks", "amount": { "value": 10000, "offset": 100 }, "quantity": 1 }
            ],
            "subtotal": { "value": 100000, "offset": 100 },
            "tax": { "value": 5000, "offset": 100, "description": "GST" },
            "shipping": { "value": 4000, "offset": 100 },
            "discount": { "value": 9000, "offset": 100, "description": "Welcome" },
            "expiration": { "timestamp": (now_secs + 3600).to_string(), "description": "Offer ends" }
        },
        "total_amount": { "value": 100000, "offset": 100 }
    })
}

fn send_checkout(od: Value) -> Value {
    json!({
        "messaging_product": "whatsapp", "to": CUSTOMER, "type": "template",
        "template": { "name": "checkout_offer", "language": { "code": "en_US" }, "components": [
            { "type": "header", "parameters": [ { "type": "image", "image": { "link": "https://cdn.example/tee.png" } } ] },
            { "type": "body", "parameters": [ { "type": "text", "text": "Asha" } ] },
            { "type": "button", "sub_type": "order_details", "index": 0, "parameters": [ { "type": "action", "action": { "order_details": od } } ] }
        ] }
    })
}

fn any_country_checkout() -> Options {
    Options {
        behaviour: vitrine_core::settings::Behaviour {
            checkout_india_only: false,
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn checkout_reaches_indian_numbers_only() {
    let app = spawn_app().await;
    approved(&app, checkout_template()).await;
    app.post_json("/_vitrine/clock/unfreeze", json!({})).await;
    let now = app.get("/_vitrine/clock").await.body["unix"]
        .as_i64()
        .unwrap();
    let india = "919876543210";
    app.post_json(
        &format!("/_vitrine/customers/{india}/messages"),
        json!({ "text": "Namaste" }),
    )
    .await;
    let mut to_india = send_checkout(order_details(now));
    to_india["to"] = json!(india);
    let ok = app.post_message(to_india).await.wamid();
    let us = app
        .post_message(send_checkout(order_details(now)))
        .await
        .wamid();
    // The interactive variant, inside the American customer's window, fails the same way.
    let interactive_us = app
        .post_message(interactive(json!({ "type": "order_details",
            "body": { "text": "Pay here" },
            "action": { "name": "review_and_pay", "parameters": order_details(now) } })))
        .await
        .wamid();
    app.advance(app.delivered_ms());
    assert_eq!(app.stored(&ok).await["status"], "delivered");
    for wamid in [us, interactive_us] {
        let stored = app.stored(&wamid).await;
        assert_eq!(
            stored["statuses"][0]["errors"],
            json!([{ "code": 131026, "title": "Message undeliverable", "message": "Message undeliverable",
                "error_data": { "details": "Message failed to send because checkout (order_details) messages can only be delivered to WhatsApp users in India (+91)." },
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/" }])
        );
    }
    // The Indian customer pays.
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{india}/payments"),
            json!({ "wamid": ok }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
}

#[tokio::test]
async fn a_checkout_template_carries_a_checked_order() {
    let app = spawn_app().await;
    approved(&app, checkout_template()).await;
    let now = app.get("/_vitrine/clock").await.body["unix"]
        .as_i64()
        .unwrap();
    let r = app.post_message(send_checkout(order_details(now))).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let wamid = r.wamid();
    app.advance(app.delivered_ms());
    let m = shown(&app, &wamid).await;
    assert_eq!(
        m["content"]["header_media"],
        json!({ "type": "image", "media": { "link": "https://cdn.example/tee.png" } })
    );
    assert_eq!(m["content"]["body"], "Complete your purchase, Asha.");
    let od = &m["content"]["order_details"];
    assert_eq!(od["reference_id"], "order_7781");
    assert_eq!(
        od["total_amount"],
        json!({ "value": 100000, "offset": 100 })
    );
    assert_eq!(od["items"][0]["sale_amount"]["value"], 45000);
    assert_eq!(od["payment_configurations"], json!(["main-razorpay"]));
    assert_eq!(
        m["content"]["buttons"],
        json!([ { "type": "order_details", "text": "Buy now" }, { "type": "quick_reply", "text": "Not now" } ])
    );

    let code = |r: &Resp| r.body["error"]["code"].as_u64().unwrap_or(0);
    type Edit = fn(&mut Value);
    let cases: [(&str, Edit, u64); 9] = [
        (
            "subtotal off by one paisa",
            |od| od["order"]["subtotal"]["value"] = json!(100001),
            131009,
        ),
        (
            "total ignores the discount",
            |od| od["total_amount"]["value"] = json!(109000),
            131009,
        ),
        ("USD", |od| od["currency"] = json!("USD"), 131009),
        (
            "offset 1000",
            |od| od["order"]["tax"]["offset"] = json!(1000),
            131009,
        ),
        (
            "reference id with a space",
            |od| od["reference_id"] = json!("order 1"),
            131009,
        ),
        (
            "reference id of 36 characters",
            |od| od["reference_id"] = json!("x".repeat(36)),
            131009,
        ),
        (
            "unknown gateway",
            |od| od["payment_settings"][0]["payment_gateway"]["type"] = json!("stripe"),
            131009,
        ),
        (
            "expires in a minute",
            |od| {
                let ts: i64 = od["order"]["expiration"]["timestamp"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                od["order"]["expiration"]["timestamp"] = json!((ts - 3600 + 60).to_string());
            },
            131009,
        ),
        ("no items", |od| od["order"]["items"] = json!([]), 131008),
    ];
    for (what, edit, expected) in cases {
        let mut od = order_details(now);
        edit(&mut od);
        let r = app.post_message(send_checkout(od)).await;
        assert_eq!(code(&r), expected, "{what}: {}", r.text);
    }
    // One named payment configuration instead of payment settings is the other accepted form;
    // neither is a missing parameter.
    let mut od = order_details(now);
    od.as_object_mut().unwrap().remove("payment_settings");
    assert_eq!(
        code(&app.post_message(send_checkout(od.clone())).await),
        131008
    );
    od["payment_configuration"] = json!("main-upi");
    od["payment_type"] = json!("upi");
    let r = app.post_message(send_checkout(od)).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    assert_eq!(
        app.stored(&r.wamid()).await["content"]["order_details"]["payment_configurations"],
        json!(["main-upi"])
    );
    // Without the order, and without the header image.
    let mut body = send_checkout(order_details(now));
    body["template"]["components"]
        .as_array_mut()
        .unwrap()
        .remove(2);
    assert_eq!(code(&app.post_message(body).await), 131008);
    let mut body = send_checkout(order_details(now));
    body["template"]["components"]
        .as_array_mut()
        .unwrap()
        .remove(0);
    app.post_message(body).await.assert_error(400, json!({
        "message": "(#132000) Number of parameters does not match the expected number of params",
        "type": "OAuthException",
        "code": 132000,
        "error_data": { "messaging_product": "whatsapp", "details": "header: number of localizable_params (0) does not match the expected number of params (1)" },
    }));
}

#[tokio::test]
async fn mpm_templates_need_a_recent_app_and_values_keep_the_format_policy() {
    let app = spawn_app().await;
    approved(
        &app,
        json!({ "name": "summer_mpm", "language": "en_US", "category": "MARKETING",
            "components": [
                { "type": "HEADER", "format": "TEXT", "text": "Our picks" },
                { "type": "BODY", "text": "Hello {{1}}, have a look.", "example": { "body_text": [["Pablo"]] } },
                { "type": "BUTTONS", "buttons": [ { "type": "MPM", "text": "View items" } ] }
            ] }),
    )
    .await;
    let send = |to: &str, name: &str| {
        json!({
            "messaging_product": "whatsapp", "to": to, "type": "template",
            "template": { "name": "summer_mpm", "language": { "code": "en_US" }, "components": [
                { "type": "body", "parameters": [ { "type": "text", "text": name } ] },
                { "type": "button", "sub_type": "mpm", "index": 0, "parameters": [ { "type": "action", "action": {
                    "thumbnail_product_retailer_id": "gift-card-25",
                    "sections": [ { "title": "Gifts", "product_items": [ { "product_retailer_id": "gift-card-25" } ] } ] } } ] }
            ] }
        })
    };
    app.post_message(send(CUSTOMER, "Pablo\nsecond line")).await.assert_error(400, json!({
        "message": "(#132007) Format character policy violated",
        "type": "OAuthException",
        "code": 132007,
        "error_data": { "messaging_product": "whatsapp", "details": "body: Param text cannot have new-line/tab characters or more than 4 consecutive spaces" },
    }));
    // A customer whose only phone runs WhatsApp 2.22.10 cannot show an MPM template.
    let old = "15550007777";
    app.post_json("/_vitrine/customers", json!({ "wa_id": old }))
        .await;
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{old}/devices"),
            json!({ "id": "phone", "platform": "android", "app_version": "2.22.10" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let wamid = app.post_message(send(old, "Ana")).await.wamid();
    app.advance(app.sent_ms());
    assert_eq!(
        app.stored(&wamid).await["statuses"][0]["errors"][0]["code"],
        131026
    );
    // 2.22.24 can.
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{old}/devices"),
            json!({ "id": "phone", "platform": "ios", "app_version": "2.22.24" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let wamid = app.post_message(send(old, "Ana")).await.wamid();
    app.advance(app.delivered_ms());
    assert_eq!(app.stored(&wamid).await["status"], "delivered");
}

#[tokio::test]
async fn templates_and_carts_survive_a_restart() {
    let db = fresh_database().await;
    let options = || Options {
        database: Some(db.url.clone()),
        ..Default::default()
    };
    let app = spawn_with(options()).await;
    approved(&app, media_carousel()).await;
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/cart/items"),
            json!({ "product_retailer_id": "gift-card-25", "quantity": 3 }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    app.stop().await;
    let app = spawn_with(options()).await;
    let list = app
        .get(&format!(
            "/v23.0/{}/message_templates?name=carousel_media&access_token={TOKEN}",
            vitrine_core::seed::WABA_ID
        ))
        .await;
    assert_eq!(list.body["data"][0]["status"], "APPROVED", "{}", list.text);
    let cart = app
        .get(&format!("/_vitrine/customers/{CUSTOMER}/cart"))
        .await;
    assert_eq!(cart.body["items"][0]["quantity"], 3, "{}", cart.text);
    // And the template can still be sent.
    let r = app
        .post_message(json!({
            "messaging_product": "whatsapp", "to": CUSTOMER, "type": "template",
            "template": { "name": "carousel_media", "language": { "code": "en_US" }, "components": [
                { "type": "carousel", "cards": [
                    media_card(0, image("https://cdn.example/a.png"), "A"),
                    media_card(1, image("https://cdn.example/b.png"), "B") ] } ] }
        }))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
}

/// `v` with what changes from run to run (ids, times) replaced by placeholders.
fn stable(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if ["wamid", "at", "id", "template_id", "expires_at"].contains(&k.as_str()) {
                        *x = json!(format!("[{k}]"));
                    } else if let Some(url) =
                        x.as_str().filter(|s| s.starts_with("http://127.0.0.1:"))
                    {
                        let path = url.splitn(4, '/').nth(3).unwrap_or("");
                        *x = json!(format!("[vitrine]/{path}"));
                    } else {
                        walk(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

#[tokio::test]
async fn each_commerce_template_kind_from_review_to_order() {
    let rx = Receiver::start(Rx::default()).await;
    // The demo customer is American: checkout reaches them with the India rule off.
    let app = spawn_with(any_country_checkout()).await;
    app.set_webhook(&rx.url).await;
    let now = app.get("/_vitrine/clock").await.body["unix"]
        .as_i64()
        .unwrap();
    let kinds: Vec<(&str, Value, Value)> = vec![
        (
            "catalog",
            json!({ "name": "intro_catalog", "language": "en_US", "category": "MARKETING", "components": [
                { "type": "BODY", "text": "Shop our range and get {{1}} off.", "example": { "body_text": [["10%"]] } },
                { "type": "FOOTER", "text": "Offer valid this week" },
                { "type": "BUTTONS", "buttons": [ { "type": "CATALOG", "text": "View catalog" } ] } ] }),
            json!([
                { "type": "body", "parameters": [ { "type": "text", "text": "10%" } ] },
                { "type": "button", "sub_type": "CATALOG", "index": 0, "parameters": [ { "type": "action", "action": { "thumbnail_product_retailer_id": "candle-cedar-200g" } } ] } ]),
        ),
        (
            "mpm",
            json!({ "name": "summer_mpm", "language": "en_US", "category": "MARKETING", "components": [
                { "type": "HEADER", "format": "TEXT", "text": "Forgot something, {{1}}?", "example": { "header_text": ["Pablo"] } },
                { "type": "BODY", "text": "Your cart is waiting." },
                { "type": "BUTTONS", "buttons": [ { "type": "MPM", "text": "View items" } ] } ] }),
            json!([
                { "type": "header", "parameters": [ { "type": "text", "text": "Pablo" } ] },
                { "type": "button", "sub_type": "mpm", "index": 0, "parameters": [ { "type": "action", "action": {
                    "thumbnail_product_retailer_id": "beans-house-blend-250g",
                    "sections": [ { "title": "Coffee", "product_items": [ { "product_retailer_id": "beans-house-blend-250g" }, { "product_retailer_id": "mug-stoneware-350ml" } ] } ] } } ] } ]),
        ),
        (
            "spm",
            json!({ "name": "new_arrival_spm", "language": "en_US", "category": "MARKETING", "components": [
                { "type": "header", "format": "product" },
                { "type": "body", "text": "Just landed: have a look, {{1}}.", "example": { "body_text": [["Maria"]] } },
                { "type": "buttons", "buttons": [ { "type": "spm", "text": "View" } ] } ] }),
            json!([
                { "type": "header", "parameters": [ { "type": "product", "product": { "product_retailer_id": "grinder-hand-steel", "catalog_id": CATALOG } } ] },
                { "type": "body", "parameters": [ { "type": "text", "text": "Maria" } ] } ]),
        ),
        (
            "product_carousel",
            product_carousel(
                "carousel_products",
                json!({ "type": "spm", "text": "View" }),
            ),
            json!([
                { "type": "body", "parameters": [ { "type": "text", "text": "Maria" } ] },
                { "type": "carousel", "cards": [ product_card(json!(0), "gift-card-25"), product_card(json!(1), "jacket-rain-olive") ] } ]),
        ),
        (
            "media_carousel",
            media_carousel(),
            json!([ { "type": "carousel", "cards": [
                media_card(0, image("https://cdn.example/a.png"), "15OFF"),
                media_card(1, image("https://cdn.example/b.png"), "20OFF") ] } ]),
        ),
        (
            "checkout",
            checkout_template(),
            send_checkout(order_details(now))["template"]["components"].clone(),
        ),
    ];
    for (kind, template, components) in kinds {
        let name = template["name"].as_str().unwrap().to_owned();
        // Created, then approved by review on the sandbox clock, with its webhook.
        let r = app.create_template(template).await;
        assert_eq!(r.body["status"], "PENDING", "{kind}: {}", r.text);
        app.advance(app.review_ms());
        app.wait_webhooks("event=template_status", |rows| {
            rows.iter().any(|w| {
                let b: Value = serde_json::from_str(w["body"].as_str().unwrap()).unwrap();
                let v = &b["entry"][0]["changes"][0]["value"];
                v["message_template_name"] == name.as_str() && v["event"] == "APPROVED"
            })
        })
        .await;
        // Sent, and seen by the customer.
        let r = app
            .post_message(json!({
                "messaging_product": "whatsapp", "to": CUSTOMER, "type": "template",
                "template": { "name": name, "language": { "code": "en_US" }, "components": components }
            }))
            .await;
        assert_eq!(r.status.as_u16(), 200, "{kind}: {}", r.text);
        let wamid = r.wamid();
        app.advance(app.delivered_ms());
        let mut seen = shown(&app, &wamid).await;
        // The send's own components are the bot's input, not what the phone shows.
        seen["content"]
            .as_object_mut()
            .unwrap()
            .remove("components");
        insta::assert_json_snapshot!(format!("customer_view_{kind}"), stable(seen.clone()));
        // And turned into what the business waits for: an order, a tap or a payment.
        let product = match kind {
            "catalog" => app
                .get(&format!("/_vitrine/customers/{CUSTOMER}/catalog"))
                .await
                .body["products"][0]["product_retailer_id"]
                .clone(),
            "mpm" => seen["products"][1]["product_retailer_id"].clone(),
            "spm" => seen["products"][0]["product_retailer_id"].clone(),
            "product_carousel" => seen["content"]["cards"][1]["product_retailer_id"].clone(),
            _ => Value::Null,
        };
        if let Some(rid) = product.as_str() {
            let r = app
                .post_json(
                    &format!("/_vitrine/customers/{CUSTOMER}/cart/items"),
                    json!({ "product_retailer_id": rid }),
                )
                .await;
            assert_eq!(r.status.as_u16(), 200, "{kind}: {}", r.text);
            let r = app
                .post_json(
                    &format!("/_vitrine/customers/{CUSTOMER}/cart/send"),
                    json!({}),
                )
                .await;
            let order = app.inbound_webhook(&r.body["wamid"]).await;
            assert_eq!(
                order["order"]["product_items"][0]["product_retailer_id"], rid,
                "{kind}"
            );
        } else if kind == "media_carousel" {
            let r = app
                .post_json(
                    &format!("/_vitrine/customers/{CUSTOMER}/replies"),
                    json!({ "wamid": wamid, "choice": "0", "card": 0 }),
                )
                .await;
            assert_eq!(r.status.as_u16(), 200, "{kind}: {}", r.text);
            let tap = app.inbound_webhook(&r.body["wamid"]).await;
            assert_eq!(tap["button"]["payload"], "more-0");
        } else {
            let r = app
                .post_json(
                    &format!("/_vitrine/customers/{CUSTOMER}/payments"),
                    json!({ "wamid": wamid }),
                )
                .await;
            assert_eq!(r.status.as_u16(), 200, "{kind}: {}", r.text);
            let rows = app
                .wait_webhooks(
                    &format!("wamid={}", r.body["wamid"].as_str().unwrap()),
                    |w| !w.is_empty(),
                )
                .await;
            let body: Value = serde_json::from_str(rows[0]["body"].as_str().unwrap()).unwrap();
            let status = &body["entry"][0]["changes"][0]["value"]["statuses"][0];
            assert_eq!(
                (status["type"].as_str(), status["status"].as_str()),
                (Some("payment"), Some("captured"))
            );
        }
    }
}

#[tokio::test]
async fn checkout_inside_the_window_as_interactive_order_details_and_order_status() {
    let app = spawn_app().await;
    let now = app.get("/_vitrine/clock").await.body["unix"]
        .as_i64()
        .unwrap();
    let details = |od: Value| {
        interactive(json!({
            "type": "order_details",
            "header": { "type": "image", "image": { "link": "https://cdn.example/tee.png" } },
            "body": { "text": "Your order is ready to pay." },
            "footer": { "text": "Powered by Razorpay" },
            "action": { "name": "review_and_pay", "parameters": od }
        }))
    };
    let r = app.post_message(details(order_details(now))).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let wamid = r.wamid();
    app.advance(app.delivered_ms());
    let m = shown(&app, &wamid).await;
    assert_eq!(m["type"], "order_details");
    assert_eq!(m["content"]["body"], "Your order is ready to pay.");
    assert_eq!(m["content"]["order"]["total_amount"]["value"], 100000);
    let code = |r: &Resp| r.body["error"]["code"].as_u64().unwrap_or(0);
    let mut wrong_name = details(order_details(now));
    wrong_name["interactive"]["action"]["name"] = json!("review_order");
    assert_eq!(code(&app.post_message(wrong_name).await), 131009);
    let mut no_params = details(order_details(now));
    no_params["interactive"]["action"]
        .as_object_mut()
        .unwrap()
        .remove("parameters");
    assert_eq!(code(&app.post_message(no_params).await), 131008);
    let mut bad_total = order_details(now);
    bad_total["total_amount"]["value"] = json!(1);
    assert_eq!(code(&app.post_message(details(bad_total)).await), 131009);

    let status = |reference: &str, status: &str| {
        interactive(json!({
            "type": "order_status",
            "body": { "text": "Payment received, thank you." },
            "action": { "name": "review_order", "parameters": {
                "reference_id": reference, "order": { "status": status, "description": "Ships tomorrow" } } }
        }))
    };
    let r = app.post_message(status("order_7781", "processing")).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    assert_eq!(
        app.stored(&r.wamid()).await["content"],
        json!({ "type": "order_status", "body": "Payment received, thank you.", "reference_id": "order_7781", "status": "processing", "description": "Ships tomorrow" })
    );
    assert_eq!(
        code(&app.post_message(status("order_7781", "lost")).await),
        131009
    );
    assert_eq!(
        code(&app.post_message(status("order 7781", "shipped")).await),
        131009
    );

    // Free-form: outside the window it fails like any other interactive message.
    let mut late = details(order_details(now));
    late["to"] = json!("15550006666");
    let wamid = app.post_message(late).await.wamid();
    app.advance(app.sent_ms());
    assert_eq!(
        app.stored(&wamid).await["statuses"][0]["errors"][0]["code"],
        131047
    );
}

#[tokio::test]
async fn the_customer_pays_a_checkout_order_and_the_business_gets_a_payment_status() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_with(any_country_checkout()).await;
    app.set_webhook(&rx.url).await;
    approved(&app, checkout_template()).await;
    let now = app.get("/_vitrine/clock").await.body["unix"]
        .as_i64()
        .unwrap();
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    let wamid = app
        .post_message(send_checkout(order_details(now)))
        .await
        .wamid();
    let pay = |status: &str| {
        let wamid = wamid.clone();
        let status = status.to_owned();
        let app = &app;
        async move {
            app.post_json(
                &format!("/_vitrine/customers/{CUSTOMER}/payments"),
                json!({ "wamid": wamid, "status": status }),
            )
            .await
        }
    };
    // Not before the phone shows the order.
    let early = pay("captured").await;
    assert_eq!(early.status.as_u16(), 409, "{}", early.text);
    assert!(early.text.contains("not_delivered"), "{}", early.text);
    app.advance(app.delivered_ms());
    // A failed attempt, then a captured one.
    let failed = pay("failed").await;
    assert_eq!(failed.status.as_u16(), 200, "{}", failed.text);
    let r = pay("captured").await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let rows = app
        .wait_webhooks(
            &format!("wamid={}", r.body["wamid"].as_str().unwrap()),
            |w| !w.is_empty(),
        )
        .await;
    assert_eq!(rows[0]["event"], "status", "{}", rows[0]);
    let body: Value = serde_json::from_str(rows[0]["body"].as_str().unwrap()).unwrap();
    let value = &body["entry"][0]["changes"][0]["value"];
    let tx_id = value["statuses"][0]["payment"]["transaction"]["id"].clone();
    assert!(tx_id.as_str().unwrap().starts_with("pay_"), "{tx_id}");
    let ts: i64 = r.body["timestamp"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        value["statuses"],
        json!([{
            "id": wamid,
            "status": "captured",
            "timestamp": r.body["timestamp"],
            "recipient_id": CUSTOMER,
            "type": "payment",
            "payment": {
                "reference_id": "order_7781",
                "amount": { "value": 100000, "offset": 100 },
                "currency": "INR",
                "transaction": {
                    "id": tx_id, "type": "razorpay", "status": "success",
                    "created_timestamp": ts, "updated_timestamp": ts,
                    "amount": { "value": 100000, "offset": 100 }, "currency": "INR",
                    "method": { "type": "upi" }
                }
            }
        }])
    );
    assert_eq!(value["contacts"][0]["wa_id"], CUSTOMER);
    // The failed attempt's status says so.
    let rows = app
        .wait_webhooks(
            &format!("wamid={}", failed.body["wamid"].as_str().unwrap()),
            |w| !w.is_empty(),
        )
        .await;
    let body: Value = serde_json::from_str(rows[0]["body"].as_str().unwrap()).unwrap();
    let st = &body["entry"][0]["changes"][0]["value"]["statuses"][0];
    assert_eq!(st["status"], "failed");
    assert_eq!(st["payment"]["transaction"]["status"], "failed");
    // Paid once.
    let again = pay("captured").await;
    assert_eq!(again.status.as_u16(), 409, "{}", again.text);
    assert!(again.text.contains("order_paid"), "{}", again.text);
    // Not a message with an order, and an order past its expiration.
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/payments"),
            json!({ "wamid": app.post_message(spm("gift-card-25")).await.wamid() }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    let mut od = order_details(now);
    od["reference_id"] = json!("order_7782");
    let late = app.post_message(send_checkout(od)).await.wamid();
    app.post_json("/_vitrine/clock/advance", json!({ "seconds": 7200 }))
        .await;
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/payments"),
            json!({ "wamid": late }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 409, "{}", r.text);
    assert!(r.text.contains("order_expired"), "{}", r.text);
}
