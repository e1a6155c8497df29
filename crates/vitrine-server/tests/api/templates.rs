//! Message template management: creation rules and errors, the review life cycle with its
//! webhooks, listing, editing and deleting (spec §5.9, §7).

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
    async fn create_template(&self, body: Value) -> Resp {
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
    app.post_json("/_vitrine/clock/advance", json!({ "seconds": 2 }))
        .await;
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
    app.post_json("/_vitrine/clock/advance", json!({ "seconds": 2 }))
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let get = app
            .send(
                app.client
                    .get(app.url(&format!("/v23.0/{id}")))
                    .bearer_auth(TOKEN),
            )
            .await;
        if get.body["status"] == "REJECTED" {
            assert_eq!(get.body["rejected_reason"], "INVALID_FORMAT");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never reviewed: {}",
            get.text
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
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
    app.post_json("/_vitrine/clock/advance", json!({ "seconds": 2 }))
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while list("?status=APPROVED").await.body["data"]
        .as_array()
        .unwrap()
        .len()
        < 3
    {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
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
