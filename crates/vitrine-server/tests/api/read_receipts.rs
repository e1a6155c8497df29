//! Marking customers' messages read, the typing indicator (messaging spec §3), and the
//! per-message `pricing` of status webhooks (spec §4.11).

use crate::support::receiver::{Behaviour as Rx, Receiver};
use crate::support::*;
use serde_json::{json, Value};
use vitrine_core::seed;

async fn customer_says(app: &TestApp, text: &str) -> String {
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/messages"),
            json!({ "text": text }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    r.body["wamid"].as_str().unwrap().to_owned()
}

fn read(id: &str) -> Value {
    json!({ "messaging_product": "whatsapp", "status": "read", "message_id": id })
}

#[tokio::test]
async fn marking_read_turns_the_ticks_blue_and_shows_typing() {
    let app = spawn_app().await;
    let first = customer_says(&app, "Hello?").await;
    let second = customer_says(&app, "Anyone there?").await;
    let at = |wamid: &str| {
        let app = &app;
        let wamid = wamid.to_owned();
        async move {
            app.store
                .get_inbound(&wamid.as_str().into())
                .await
                .unwrap()
                .unwrap()
                .created_at
                .0
        }
    };
    let r = app.post_message(read(&first)).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    assert_eq!(r.body, json!({ "success": true }));
    let reads = app
        .store
        .thread_reads(&PHONE.into(), &CUSTOMER.into())
        .await
        .unwrap();
    assert_eq!(reads.read_up_to, Some(at(&first).await));
    assert_eq!(reads.typing_at, None);

    let mut typing = read(&second);
    typing["typing_indicator"] = json!({ "type": "text" });
    let now = app.sandbox.clock.now().0;
    let r = app.post_message(typing).await;
    assert_eq!(r.body, json!({ "success": true }));
    let reads = app
        .store
        .thread_reads(&PHONE.into(), &CUSTOMER.into())
        .await
        .unwrap();
    assert_eq!(reads.read_up_to, Some(at(&second).await));
    assert!(reads.typing_at.unwrap() >= now);
    // Marking an earlier message again does not move the mark back.
    app.post_message(read(&first)).await;
    assert_eq!(
        app.store
            .thread_reads(&PHONE.into(), &CUSTOMER.into())
            .await
            .unwrap()
            .read_up_to,
        Some(at(&second).await)
    );
    // No webhook comes of it: the only row of that message is its own `messages` webhook.
    let log = app.get(&format!("/_vitrine/webhooks?wamid={second}")).await;
    assert!(log.body["data"].as_array().unwrap().len() <= 1);
}

#[tokio::test]
async fn read_receipt_errors() {
    let app = spawn_app().await;
    let theirs = customer_says(&app, "Hi").await;
    let mine = app.post_message(text("Hello")).await.wamid();
    app.post_message(json!({ "status": "read", "message_id": theirs }))
        .await
        .assert_100("The parameter messaging_product is required.", None);
    app.post_message(json!({ "messaging_product": "whatsapp", "status": "read" }))
        .await
        .assert_100("The parameter message_id is required.", None);
    app.post_message(
        json!({ "messaging_product": "whatsapp", "status": "delivered", "message_id": theirs }),
    )
    .await
    .assert_100(
        "Invalid parameter",
        Some("The parameter status must be read."),
    );
    let mut voice = read(&theirs);
    voice["typing_indicator"] = json!({ "type": "audio" });
    app.post_message(voice).await.assert_100(
        "Invalid parameter",
        Some("Param typing_indicator['type'] must be text."),
    );
    // Unknown, outgoing, or another number's message.
    app.post_message(read("wamid.nope"))
        .await
        .assert_131009("Invalid message_id");
    app.post_message(read(&mine))
        .await
        .assert_131009("Invalid message_id");
    app.post_message_as(
        seed::OTHER_PHONE_NUMBER_ID,
        seed::OTHER_ACCESS_TOKEN,
        read(&theirs),
    )
    .await
    .assert_131009("Invalid message_id");
    assert_eq!(
        app.store
            .thread_reads(&PHONE.into(), &CUSTOMER.into())
            .await
            .unwrap(),
        Default::default()
    );
}

fn pricing_of(body: &Value) -> (String, Value, Value) {
    let s = &body["entry"][0]["changes"][0]["value"]["statuses"][0];
    (
        s["status"].as_str().unwrap().to_owned(),
        s["pricing"].clone(),
        s["conversation"]["origin"]["type"].clone(),
    )
}

/// Runs what is due; then every status webhook of `wamid` received, as (status, pricing,
/// conversation origin), in status order (webhooks due at once may be delivered in any order).
/// There must be `n`.
async fn priced(
    app: &TestApp,
    rx: &Receiver,
    wamid: &str,
    n: usize,
) -> Vec<(String, Value, Value)> {
    let rank = |s: &str| {
        ["sent", "delivered", "read", "failed"]
            .iter()
            .position(|x| *x == s)
    };
    app.run_due().await;
    let mut got: Vec<_> = rx
        .received()
        .iter()
        .map(|r| r.json())
        .filter(|b| b["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] == wamid)
        .map(|b| pricing_of(&b))
        .collect();
    got.sort_by_key(|(s, _, _)| rank(s));
    assert_eq!(got.len(), n, "{got:?}");
    got
}

fn price(category: &str, kind: &str, billable: bool) -> Value {
    json!({ "billable": billable, "pricing_model": "PMP", "category": category, "type": kind })
}

async fn template(app: &TestApp, name: &str, category: &str) {
    crate::templates::approved(
        app,
        json!({ "name": name, "language": "en_US", "category": category,
            "components": [{ "type": "BODY", "text": "Your order has shipped." }] }),
    )
    .await;
    app.post_json("/_vitrine/clock/unfreeze", json!({})).await;
}

fn send_template(name: &str) -> Value {
    json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": "template",
        "template": { "name": name, "language": { "code": "en_US" } } })
}

#[tokio::test]
async fn pricing_follows_the_window_and_the_template_category() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    template(&app, "shipped_marketing", "MARKETING").await;
    template(&app, "shipped_utility", "UTILITY").await;
    template(&app, "login_code", "AUTHENTICATION").await;

    // A reply inside the window is free service; `read` carries no pricing.
    let wamid = app.post_message(text("Thanks!")).await.wamid();
    app.post_json(&format!("/_vitrine/messages/{wamid}/read"), json!({}))
        .await;
    let service = price("service", "free_customer_service", false);
    app.tick(app.delivered_ms());
    assert_eq!(
        priced(&app, &rx, &wamid, 3).await,
        vec![
            ("sent".into(), service.clone(), json!("service")),
            ("delivered".into(), service.clone(), json!("service")),
            ("read".into(), Value::Null, Value::Null),
        ]
    );
    let cases = [
        ("shipped_marketing", price("marketing", "regular", true)),
        (
            "shipped_utility",
            price("utility", "free_customer_service", false),
        ),
        ("login_code", price("authentication", "regular", true)),
    ];
    for (name, expected) in &cases {
        let wamid = app.post_message(send_template(name)).await.wamid();
        let origin = expected["category"].clone();
        app.tick(app.delivered_ms());
        assert_eq!(
            priced(&app, &rx, &wamid, 2).await,
            vec![
                ("sent".into(), expected.clone(), origin.clone()),
                ("delivered".into(), expected.clone(), origin),
            ],
            "{name}"
        );
    }
    // Outside the window a utility template is billed; a free-form send fails, unpriced.
    app.advance(25 * 3_600_000);
    let wamid = app
        .post_message(send_template("shipped_utility"))
        .await
        .wamid();
    app.tick(app.sent_ms());
    assert_eq!(
        priced(&app, &rx, &wamid, 1).await[0].1,
        price("utility", "regular", true)
    );
    let wamid = app.post_message(text("late")).await.wamid();
    app.tick(app.sent_ms());
    assert_eq!(
        priced(&app, &rx, &wamid, 1).await,
        vec![("failed".into(), Value::Null, Value::Null)]
    );
}
