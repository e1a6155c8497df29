//! Message template management: creation rules and errors, the review life cycle with its
//! webhooks, listing, editing and deleting (spec §5.9, §7).
//!
//! Its length: one test per template management rule.

use crate::support::receiver::{Behaviour as Rx, Receiver};
use crate::support::*;
use serde_json::{json, Value};
use vitrine_core::seed;

fn mpm_template(name: &str) -> Value {
    json!({
        "name": name, "language": "en_US", "category": "MARKETING",
        "components": [
            { "type": "HEADER", "format": "TEXT", "text": "Forgot something, {{1}}?", "example": { "header_text": ["Pablo"] } },
            { "type": "BODY", "text": "Your cart is waiting. Use {{1}} for a discount.", "example": { "body_text": [["10OFF"]] } },
            { "type": "FOOTER", "text": "Ends Sunday" },
            { "type": "BUTTONS", "buttons": [ { "type": "MPM", "text": "View items" } ] }
        ]
    })
}

impl TestApp {
    pub(crate) async fn create_template(&self, body: Value) -> Resp {
        self.send(
            self.client
                .post(self.url(&format!("/v23.0/{}/message_templates", seed::WABA_ID)))
                .bearer_auth(TOKEN)
                .json(&body),
        )
        .await
    }
}

#[tokio::test]
async fn a_template_is_reviewed_on_the_sandbox_clock_with_webhooks() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    let r = app.create_template(mpm_template("summer_mpm")).await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.body,
        json!({ "id": id, "status": "PENDING", "category": "MARKETING" })
    );
    let get = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{id}")))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(get.body["status"], "PENDING");
    assert_eq!(get.body["components"][3]["buttons"][0]["type"], "MPM");
    app.advance(app.review_ms());
    app.run_due().await;
    let rows = app
        .wait_webhooks("event=template_status", |w| !w.is_empty())
        .await;
    let body: Value = serde_json::from_str(rows[0]["body"].as_str().unwrap()).unwrap();
    let time = body["entry"][0]["time"].clone();
    assert!(time.is_i64());
    assert_eq!(
        body,
        json!({
            "object": "whatsapp_business_account",
            "entry": [{
                "id": seed::WABA_ID,
                "time": time,
                "changes": [{
                    "value": {
                        "event": "APPROVED",
                        "message_template_id": id.parse::<u64>().unwrap(),
                        "message_template_name": "summer_mpm",
                        "message_template_language": "en_US",
                        "message_template_category": "MARKETING",
                        "reason": "NONE"
                    },
                    "field": "message_template_status_update"
                }]
            }]
        })
    );
    let get = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{id}?fields=name,status")))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(
        get.body,
        json!({ "name": "summer_mpm", "status": "APPROVED", "id": id })
    );
    // Operator: pause, then reinstate.
    let r = app
        .post_json(
            &format!("/_vitrine/templates/{id}/status"),
            json!({ "status": "PAUSED" }),
        )
        .await;
    assert_eq!(r.body["status"], "PAUSED");
    let r = app
        .post_json(
            &format!("/_vitrine/templates/{id}/status"),
            json!({ "status": "REINSTATED" }),
        )
        .await;
    assert_eq!(r.body["status"], "APPROVED");
    let rows = app
        .wait_webhooks("event=template_status", |w| w.len() == 3)
        .await;
    let events: Vec<String> = rows
        .iter()
        .map(|w| {
            serde_json::from_str::<Value>(w["body"].as_str().unwrap()).unwrap()["entry"][0]
                ["changes"][0]["value"]["event"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(events, vec!["REINSTATED", "PAUSED", "APPROVED"]);
}

#[tokio::test]
async fn review_rejects_by_rule() {
    let app = spawn_app().await;
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    let r = app.create_template(mpm_template("rejected_offer")).await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    app.advance(app.review_ms());
    app.run_due().await;
    let get = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{id}")))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(get.body["status"], "REJECTED", "{}", get.text);
    assert_eq!(get.body["rejected_reason"], "INVALID_FORMAT");
}

/// The GET answer of templates with every kind of component, byte for byte (ids masked): the
/// keys in Meta's order, components as they were given, `rejected_reason` only when rejected.
#[tokio::test]
async fn the_get_answer_of_every_component_kind() {
    let app = spawn_app().await;
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    let all_kinds = |name: &str| {
        json!({
            "name": name, "language": "en_US", "category": "MARKETING",
            "components": [
                { "type": "header", "format": "text", "text": "Hello {{1}}, welcome", "example": { "header_text": ["Pablo"] } },
                { "text": "Your order {{1}} ships {{2}}.", "type": "BODY", "example": { "body_text": [["#123", "today"]] } },
                { "type": "FOOTER", "text": "Vitrine Goods" },
                { "type": "BUTTONS", "buttons": [
                    { "type": "quick_reply", "text": "Stop promotions" },
                    { "type": "URL", "text": "Track", "url": "https://shop.example/t/{{1}}", "example": ["https://shop.example/t/123"] },
                    { "type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+16505550100" },
                    { "type": "COPY_CODE", "example": "SAVE10" },
                    { "type": "FLOW", "text": "Book", "flow_id": 123456, "flow_action": "navigate", "navigate_screen": "START", "icon": "PROMOTION" }
                ] }
            ]
        })
    };
    let card = |handle: &str| {
        json!({ "components": [
            { "type": "HEADER", "format": "IMAGE", "example": { "header_handle": [handle] } },
            { "type": "BODY", "text": "Card {{1}} of two", "example": { "body_text": [["one"]] } },
            { "type": "BUTTONS", "buttons": [ { "type": "QUICK_REPLY", "text": "More" } ] }
        ] })
    };
    let carousel = json!({
        "name": "carousel_kinds", "language": "en_US", "category": "MARKETING",
        "parameter_format": "POSITIONAL",
        "components": [
            { "type": "BODY", "text": "Our picks" },
            { "type": "CAROUSEL", "cards": [card("4::aW1hZ2Ux"), card("4::aW1hZ2Uy")] }
        ]
    });
    let mut ids = vec![];
    for body in [
        all_kinds("all_kinds"),
        carousel,
        all_kinds("rejected_all_kinds"),
    ] {
        let r = app.create_template(body).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    app.advance(app.review_ms());
    app.run_due().await;
    let mut answers = vec![];
    for (i, id) in ids.iter().enumerate() {
        for query in ["", "?fields=components,status,rejected_reason"] {
            let r = app
                .send(
                    app.client
                        .get(app.url(&format!("/v23.0/{id}{query}")))
                        .bearer_auth(TOKEN),
                )
                .await;
            assert_eq!(r.status.as_u16(), 200, "{}", r.text);
            answers.push(r.text.replace(id.as_str(), &format!("<id {i}>")));
        }
    }
    insta::assert_snapshot!("template_get_answers", answers.join("\n"));
}

#[tokio::test]
async fn creation_errors_are_metas() {
    let app = spawn_app().await;
    app.create_template(mpm_template("dup")).await;
    let r = app.create_template(mpm_template("dup")).await;
    r.assert_error(400, json!({
        "message": "(#100) Invalid parameter",
        "type": "OAuthException",
        "code": 100,
        "error_subcode": 2388024,
        "is_transient": false,
        "error_user_title": "Content in This Language Already Exists",
        "error_user_msg": "There is already en_US content for this template. You can create a new template and try again.",
    }));
    let mut t = mpm_template("edge");
    t["components"][1]["text"] = json!("{{1}} is your code");
    assert_eq!(
        app.create_template(t).await.body["error"]["error_subcode"],
        2388299
    );
    let mut t = mpm_template("long");
    t["components"][1]["text"] = json!(format!("Hi {}", "x".repeat(1030)));
    assert_eq!(
        app.create_template(t).await.body["error"]["error_subcode"],
        2388040
    );
    let mut t = mpm_template("no_header");
    t["components"].as_array_mut().unwrap().remove(0);
    let r = app.create_template(t).await;
    assert_eq!(
        r.body["error"]["error_data"]["details"],
        "A multi-product template has a TEXT header and exactly one button, of type MPM."
    );
    let catalog_with_header = json!({
        "name": "cat", "language": "en_US", "category": "marketing",
        "components": [
            { "type": "header", "format": "text", "text": "Hi" },
            { "type": "body", "text": "Shop now" },
            { "type": "buttons", "buttons": [ { "type": "catalog", "text": "View catalog" } ] } ]
    });
    assert_eq!(
        app.create_template(catalog_with_header).await.body["error"]["code"],
        100
    );
    let r = app
        .create_template(json!({ "language": "en_US", "category": "MARKETING", "components": [] }))
        .await;
    r.assert_error(400, json!({ "message": "(#100) The parameter name is required.", "type": "OAuthException", "code": 100 }));
    let mut t = mpm_template("Bad Name");
    t["name"] = json!("Bad Name");
    assert_eq!(app.create_template(t).await.body["error"]["code"], 100);
}

#[tokio::test]
async fn list_edit_and_delete() {
    let app = spawn_app().await;
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    let a = app.create_template(mpm_template("alpha")).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut es = mpm_template("alpha");
    es["language"] = json!("es_ES");
    app.create_template(es).await;
    app.create_template(mpm_template("beta")).await;
    let list = |q: &str| {
        app.send(
            app.client
                .get(app.url(&format!("/v23.0/{}/message_templates{q}", seed::WABA_ID)))
                .bearer_auth(TOKEN),
        )
    };
    assert_eq!(list("").await.body["data"].as_array().unwrap().len(), 3);
    assert_eq!(
        list("?name=alph").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        list("?language=es_ES&fields=name,language").await.body["data"],
        json!([{ "name": "alpha", "language": "es_ES", "id": list("?language=es_ES").await.body["data"][0]["id"] }])
    );
    let page = list("?limit=2").await;
    assert_eq!(page.body["data"].as_array().unwrap().len(), 2);
    assert!(page.body["paging"]["next"].is_string());
    // Edit: back to review.
    app.advance(app.review_ms());
    app.run_due().await;
    assert_eq!(
        list("?status=APPROVED").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let mut components = mpm_template("alpha")["components"].clone();
    components[2]["text"] = json!("Ends Monday");
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{a}")))
                .bearer_auth(TOKEN)
                .json(&json!({ "components": components })),
        )
        .await;
    assert_eq!(r.body, json!({ "success": true }));
    let got = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{a}?fields=status,components")))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(got.body["status"], "PENDING");
    assert_eq!(got.body["components"][2]["text"], "Ends Monday");
    // Delete one language, then the name.
    let es_id = list("?language=es_ES").await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .send(
            app.client
                .delete(app.url(&format!(
                    "/v23.0/{}/message_templates?name=alpha&hsm_id={es_id}",
                    seed::WABA_ID
                )))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(r.body, json!({ "success": true }));
    assert_eq!(
        list("?name=alpha").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.send(
        app.client
            .delete(app.url(&format!(
                "/v23.0/{}/message_templates?name=alpha",
                seed::WABA_ID
            )))
            .bearer_auth(TOKEN),
    )
    .await;
    assert!(list("?name=alpha").await.body["data"]
        .as_array()
        .unwrap()
        .is_empty());
    let r = app
        .send(
            app.client
                .delete(app.url(&format!(
                    "/v23.0/{}/message_templates?name=alpha",
                    seed::WABA_ID
                )))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400);
}

pub(crate) async fn approved(app: &TestApp, body: Value) -> String {
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    let id = app.create_template(body).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post_json(
            &format!("/_vitrine/templates/{id}/status"),
            json!({ "status": "APPROVED" }),
        )
        .await;
    assert_eq!(r.body["status"], "APPROVED");
    id
}

fn send_mpm_template(to: &str, name: &str, body_params: Value) -> Value {
    json!({
        "messaging_product": "whatsapp", "to": to, "type": "template",
        "template": {
            "name": name, "language": { "code": "en_US" },
            "components": [
                { "type": "header", "parameters": [ { "type": "text", "text": "Pablo" } ] },
                { "type": "body", "parameters": body_params },
                { "type": "button", "sub_type": "mpm", "index": "0", "parameters": [ { "type": "action", "action": {
                    "thumbnail_product_retailer_id": "beans-house-blend-250g",
                    "sections": [ { "title": "Popular", "product_items": [
                        { "product_retailer_id": "beans-house-blend-250g" }, { "product_retailer_id": "mug-stoneware-350ml" },
                        { "product_retailer_id": "no-such-sku" } ] } ] } } ] }
            ]
        }
    })
}

#[tokio::test]
async fn sending_an_mpm_template_even_outside_the_window() {
    let app = spawn_app().await;
    approved(&app, mpm_template("summer_mpm")).await;
    let stranger = "15550004444";
    let r = app
        .post_message(send_mpm_template(
            stranger,
            "summer_mpm",
            json!([{ "type": "text", "text": "10OFF" }]),
        ))
        .await;
    let wamid = r.wamid();
    assert_eq!(r.body["messages"][0]["message_status"], "accepted");
    app.advance(app.delivered_ms());
    let stored = app.stored(&wamid).await;
    assert_eq!(
        stored["status"], "delivered",
        "templates need no open window"
    );
    assert_eq!(stored["content"]["header"], "Forgot something, Pablo?");
    assert_eq!(
        stored["content"]["body"],
        "Your cart is waiting. Use 10OFF for a discount."
    );
    assert_eq!(stored["dropped_retailer_ids"], json!(["no-such-sku"]));
    assert_eq!(
        stored["products"].as_array().unwrap().len(),
        3,
        "thumbnail and the two matched items"
    );
    // The same customer cannot get a free-form MPM.
    let mut body = mpm(json!([{ "product_items": items(&["gift-card-25"]) }]));
    body["to"] = json!(stranger);
    let wamid = app.post_message(body).await.wamid();
    app.advance(app.sent_ms());
    assert_eq!(
        app.stored(&wamid).await["statuses"][0]["errors"][0]["code"],
        131047
    );
}

#[tokio::test]
async fn template_send_errors() {
    let app = spawn_app().await;
    let id = approved(&app, mpm_template("summer_mpm")).await;
    app.post_message(send_mpm_template(CUSTOMER, "nope", json!([]))).await.assert_error(404, json!({
        "message": "(#132001) Template name does not exist in the translation",
        "type": "OAuthException",
        "code": 132001,
        "error_data": { "messaging_product": "whatsapp", "details": "template name (nope) does not exist in en_US" },
    }));
    app.post_message(send_mpm_template(CUSTOMER, "summer_mpm", json!([]))).await.assert_error(400, json!({
        "message": "(#132000) Number of parameters does not match the expected number of params",
        "type": "OAuthException",
        "code": 132000,
        "error_data": { "messaging_product": "whatsapp", "details": "body: number of localizable_params (0) does not match the expected number of params (1)" },
    }));
    let long = "x".repeat(1020);
    assert_eq!(
        app.post_message(send_mpm_template(
            CUSTOMER,
            "summer_mpm",
            json!([{ "type": "text", "text": long }])
        ))
        .await
        .body["error"]["code"],
        132005
    );
    let mut no_thumb = send_mpm_template(
        CUSTOMER,
        "summer_mpm",
        json!([{ "type": "text", "text": "A" }]),
    );
    no_thumb["template"]["components"][2]["parameters"][0]["action"]
        .as_object_mut()
        .unwrap()
        .remove("thumbnail_product_retailer_id");
    assert_eq!(
        app.post_message(no_thumb).await.body["error"]["code"],
        131008
    );
    for (status, code) in [("PAUSED", 132015), ("DISABLED", 132016)] {
        app.post_json(
            &format!("/_vitrine/templates/{id}/status"),
            json!({ "status": status }),
        )
        .await;
        assert_eq!(
            app.post_message(send_mpm_template(
                CUSTOMER,
                "summer_mpm",
                json!([{ "type": "text", "text": "A" }])
            ))
            .await
            .body["error"]["code"],
            code,
            "{status}"
        );
    }
    // Still pending: not found in that language.
    app.create_template(mpm_template("fresh")).await;
    assert_eq!(
        app.post_message(send_mpm_template(
            CUSTOMER,
            "fresh",
            json!([{ "type": "text", "text": "A" }])
        ))
        .await
        .body["error"]["code"],
        132001
    );
}

#[tokio::test]
async fn single_product_and_catalog_templates() {
    let app = spawn_app().await;
    approved(&app, json!({
        "name": "new_arrival_spm", "language": "en_US", "category": "MARKETING",
        "components": [
            { "type": "header", "format": "product" },
            { "type": "body", "text": "Just landed: have a look, {{1}}.", "example": { "body_text": [["Maria"]] } },
            { "type": "buttons", "buttons": [ { "type": "spm", "text": "View" } ] } ]
    }))
    .await;
    let spm_send = |rid: &str, header_type: &str| {
        json!({
            "messaging_product": "whatsapp", "to": CUSTOMER, "type": "template",
            "template": { "name": "new_arrival_spm", "language": { "code": "en_US" }, "components": [
                { "type": "header", "parameters": [ { "type": header_type, "product": { "product_retailer_id": rid, "catalog_id": CATALOG } } ] },
                { "type": "body", "parameters": [ { "type": "text", "text": "Maria" } ] } ] }
        })
    };
    let wamid = app
        .post_message(spm_send("grinder-hand-steel", "product"))
        .await
        .wamid();
    assert_eq!(
        app.stored(&wamid).await["products"][0]["retailer_id"],
        "grinder-hand-steel"
    );
    assert_eq!(
        app.post_message(spm_send("no-such", "product")).await.body["error"]["code"],
        131009
    );
    assert_eq!(
        app.post_message(spm_send("grinder-hand-steel", "text"))
            .await
            .body["error"]["code"],
        132012
    );
    approved(&app, json!({
        "name": "intro_catalog", "language": "en_US", "category": "MARKETING",
        "components": [
            { "type": "BODY", "text": "Shop our range and get {{1}} off.", "example": { "body_text": [["10%"]] } },
            { "type": "BUTTONS", "buttons": [ { "type": "CATALOG", "text": "View catalog" } ] } ]
    }))
    .await;
    let r = app
        .post_message(json!({
            "messaging_product": "whatsapp", "to": CUSTOMER, "type": "template",
            "template": { "name": "intro_catalog", "language": { "code": "en_US" }, "components": [
                { "type": "body", "parameters": [ { "type": "text", "text": "10%" } ] },
                { "type": "button", "sub_type": "CATALOG", "index": 0, "parameters": [ { "type": "action", "action": { "thumbnail_product_retailer_id": "candle-cedar-200g" } } ] } ] }
        }))
        .await;
    let stored = app.stored(&r.wamid()).await;
    assert_eq!(stored["content"]["body"], "Shop our range and get 10% off.");
    assert_eq!(stored["products"][0]["retailer_id"], "candle-cedar-200g");
}

#[tokio::test]
async fn quick_reply_taps_arrive_as_button_messages() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    approved(
        &app,
        json!({ "name": "restock_alert", "language": "en_US", "category": "MARKETING",
            "components": [
                { "type": "BODY", "text": "Your favourite beans are back." },
                { "type": "BUTTONS", "buttons": [
                    { "type": "QUICK_REPLY", "text": "More like this" },
                    { "type": "QUICK_REPLY", "text": "Stop" }
                ] }
            ] }),
    )
    .await;
    let wamid = app
        .post_message(json!({
            "messaging_product": "whatsapp", "to": CUSTOMER, "type": "template",
            "template": { "name": "restock_alert", "language": { "code": "en_US" }, "components": [
                { "type": "button", "sub_type": "quick_reply", "index": "0",
                  "parameters": [ { "type": "payload", "payload": "more-like-beans" } ] }
            ] }
        }))
        .await
        .wamid();
    // The customer's phone shows the template once delivered.
    app.advance(app.delivered_ms());
    let chat = app
        .get(&format!("/_vitrine/customers/{CUSTOMER}/chat"))
        .await;
    let shown = chat.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["wamid"] == wamid)
        .cloned()
        .unwrap();
    assert_eq!(shown["type"], "template");
    assert_eq!(shown["content"]["body"], "Your favourite beans are back.");
    let (r, m) = tap(&app, &wamid, "More like this").await;
    assert_eq!(
        m,
        json!({
            "context": { "from": seed::DISPLAY_PHONE_NUMBER, "id": wamid },
            "from": CUSTOMER, "from_user_id": CUSTOMER_BSUID, "id": r["wamid"], "timestamp": r["timestamp"],
            "type": "button",
            "button": { "payload": "more-like-beans", "text": "More like this" }
        })
    );
    // A button given no payload at send time carries its text.
    let (_, m) = tap(&app, &wamid, "1").await;
    assert_eq!(m["button"], json!({ "payload": "Stop", "text": "Stop" }));
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/replies"),
            json!({ "wamid": wamid, "choice": "Unsubscribe" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400);
}

/// The customer taps `choice` on template message `wamid`: the reply's record and the `messages[0]`
/// of its webhook.
pub(crate) async fn tap(app: &TestApp, wamid: &str, choice: &str) -> (Value, Value) {
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/replies"),
            json!({ "wamid": wamid, "choice": choice }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let m = app.inbound_webhook(&r.body["wamid"]).await;
    (r.body, m)
}

/// A webhook is not delivered before the node delivering it shows the change it reports: node
/// B approves a template that node A has never seen; A's dispatcher claims the webhook and,
/// before sending it, catches up with the change log, so a bot answering the webhook through A
/// finds the template approved. Two nodes need PostgreSQL; on SQLite there is nothing to race.
#[tokio::test]
async fn a_webhook_is_delivered_by_a_node_that_shows_its_change() {
    if !backend_is_postgres() {
        return;
    }
    let rx = Receiver::start(Rx::default()).await;
    let db = fresh_database().await;
    let node = || Options {
        database: Some(db.url.clone()),
        ..Default::default()
    };
    let a = spawn_with(node()).await;
    let b = spawn_with(node()).await;
    a.set_webhook(&rx.url).await;
    b.sandbox.sync_directory().await.unwrap();
    let id = b.create_template(mpm_template("cross_node")).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Both manual wall clocks start at the same instant and move together.
    a.tick(2_000);
    b.tick(2_000);
    b.sandbox.process_due_reviews().await.unwrap();
    // A has followed nothing yet: the template is unknown there.
    let unseen = a
        .send(
            a.client
                .get(a.url(&format!("/v23.0/{id}?fields=status")))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(unseen.status.as_u16(), 400, "{}", unseen.text);
    assert!(a.deliver_due().await >= 1);
    let approved = rx
        .received()
        .iter()
        .any(|r| String::from_utf8_lossy(&r.body).contains("\"APPROVED\""));
    assert!(approved, "the APPROVED webhook was delivered by A");
    let get = a
        .send(
            a.client
                .get(a.url(&format!("/v23.0/{id}?fields=status")))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(get.body["status"], "APPROVED", "{}", get.text);
}

#[tokio::test]
async fn an_operator_status_is_one_of_metas_events() {
    let app = spawn_app().await;
    let id = app.create_template(mpm_template("ops")).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/_vitrine/templates/{id}/status");
    let r = app.post_json(&path, json!({ "status": "archived" })).await;
    assert_eq!(r.status.as_u16(), 400);
    assert_eq!(
        r.body["error"]["message"],
        "status must be APPROVED, REJECTED, PAUSED, DISABLED or REINSTATED, not 'archived'"
    );
    let r = app.post_json(&path, json!({ "status": "paused" })).await;
    assert_eq!(r.body["status"], "PAUSED");
    let r = app
        .post_json(&path, json!({ "status": "Reinstated", "reason": "fixed" }))
        .await;
    assert_eq!(r.body["status"], "APPROVED");
    let r = app
        .post_json(
            "/_vitrine/templates/404/status",
            json!({ "status": "PAUSED" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 404);
}
