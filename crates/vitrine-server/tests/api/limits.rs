//! Meta's throughput limits: messages per second per number (130429) and the pair rate limit
//! (131056), on the sandbox clock (frozen here: no sleeping), and the number's throughput level.

use crate::support::receiver::{Behaviour as Rx, Receiver};
use crate::support::*;
use serde_json::json;
use vitrine_core::limits::{LimitSettings, PairLimitChannel};
use vitrine_core::seed;
use vitrine_core::settings::Behaviour;

fn to(i: usize) -> serde_json::Value {
    let mut body = text("hi");
    body["to"] = json!(format!("1650555{i:04}"));
    body
}

#[tokio::test]
async fn messages_per_second_limit_is_130429() {
    let app = spawn_app().await;
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    for i in 0..80 {
        app.post_message(to(i)).await.wamid();
    }
    let r = app.post_message(to(80)).await;
    r.assert_error(429, json!({
        "message": "(#130429) Rate limit hit",
        "type": "OAuthException",
        "code": 130429,
        "error_subcode": 2494055,
        "error_data": { "messaging_product": "whatsapp", "details": "Cloud API message throughput has been reached." },
    }));
    let usage: serde_json::Value =
        serde_json::from_str(r.header("x-business-use-case-usage").unwrap()).unwrap();
    assert_eq!(
        usage[seed::WABA_ID][0]["type"],
        "whatsapp_business_messaging"
    );
    // Nothing was stored for the refused send.
    assert_eq!(
        app.get("/_vitrine/messages?limit=500").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        80
    );
    // A second later, the budget is back.
    app.post_json("/_vitrine/clock/advance", json!({ "seconds": 1 }))
        .await;
    for i in 81..161 {
        app.post_message(to(i)).await.wamid();
    }
    assert_eq!(
        app.post_message(to(161)).await.body["error"]["code"],
        130429
    );
    // Another number has its own budget.
    app.post_message_as(seed::OTHER_PHONE_NUMBER_ID, seed::OTHER_ACCESS_TOKEN, to(1))
        .await
        .wamid();
}

#[tokio::test]
async fn throughput_level_custom_limit_and_unlimited() {
    let app = spawn_app().await;
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    let path = format!("/v23.0/{PHONE}?fields=throughput");
    let r = app
        .send(app.client.get(app.url(&path)).bearer_auth(TOKEN))
        .await;
    assert_eq!(
        r.body,
        json!({ "throughput": { "level": "STANDARD" }, "id": PHONE })
    );

    let r = app
        .post_json(
            &format!("/_vitrine/phone_numbers/{PHONE}/throughput"),
            json!({ "level": "HIGH" }),
        )
        .await;
    assert_eq!(r.body["mps"], 1000);
    let r = app
        .send(app.client.get(app.url(&path)).bearer_auth(TOKEN))
        .await;
    assert_eq!(
        r.body,
        json!({ "throughput": { "level": "HIGH" }, "id": PHONE })
    );
    for i in 0..120 {
        app.post_message(to(i)).await.wamid();
    }

    app.post_json(
        &format!("/_vitrine/phone_numbers/{PHONE}/throughput"),
        json!({ "mps": 3 }),
    )
    .await;
    app.post_json("/_vitrine/clock/advance", json!({ "seconds": 10 }))
        .await;
    for i in 0..3 {
        app.post_message(to(200 + i)).await.wamid();
    }
    assert_eq!(
        app.post_message(to(300)).await.body["error"]["code"],
        130429
    );

    app.post_json(
        &format!("/_vitrine/phone_numbers/{PHONE}/throughput"),
        json!({ "unlimited": true }),
    )
    .await;
    for i in 0..150 {
        app.post_message(to(400 + i)).await.wamid();
    }
    let r = app
        .post_json(
            &format!("/_vitrine/phone_numbers/{PHONE}/throughput"),
            json!({ "level": "TURBO" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400);
    let r = app
        .post_json("/_vitrine/phone_numbers/123/throughput", json!({}))
        .await;
    assert_eq!(r.status.as_u16(), 404);
}

#[tokio::test]
async fn pair_rate_limit_is_131056() {
    let app = spawn_app().await;
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    for _ in 0..45 {
        app.post_message(text("again")).await.wamid();
    }
    let r = app.post_message(text("again")).await;
    r.assert_error(429, json!({
        "message": "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "type": "OAuthException",
        "code": 131056,
        "error_data": {
            "messaging_product": "whatsapp",
            "details": "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."
        },
    }));
    // Other customers are not affected.
    app.post_message(to(1)).await.wamid();
    // One more every 6 seconds.
    app.post_json("/_vitrine/clock/advance", json!({ "seconds": 6 }))
        .await;
    app.post_message(text("again")).await.wamid();
    assert_eq!(
        app.post_message(text("again")).await.body["error"]["code"],
        131056
    );
}

#[tokio::test]
async fn pair_rate_limit_as_a_failed_status_by_setting() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_with(Options {
        behaviour: Behaviour {
            limits: LimitSettings {
                pair_burst: 2,
                pair_limit_channel: PairLimitChannel::Webhook,
                ..Default::default()
            },
            ..Behaviour::default()
        },
        ..Default::default()
    })
    .await;
    app.set_webhook(&rx.url).await;
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    app.post_message(text("1")).await.wamid();
    app.post_message(text("2")).await.wamid();
    let wamid = app.post_message(text("3")).await.wamid();
    let rows = app
        .wait_webhooks(&format!("wamid={wamid}&status=delivered"), |w| {
            !w.is_empty()
        })
        .await;
    let body: serde_json::Value = serde_json::from_str(rows[0]["body"].as_str().unwrap()).unwrap();
    let status = &body["entry"][0]["changes"][0]["value"]["statuses"][0];
    assert_eq!(status["status"], "failed");
    assert_eq!(status["errors"][0]["code"], 131056);
    assert_eq!(
        rows.len(),
        1,
        "no sent or delivered for a rate-limited message"
    );
    assert_eq!(app.stored(&wamid).await["status"], "failed");
}

#[tokio::test]
async fn phone_number_node() {
    let app = spawn_app().await;
    let r = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{PHONE}")))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(
        r.body,
        json!({
            "verified_name": "Vitrine Demo Store",
            "code_verification_status": "VERIFIED",
            "display_phone_number": "+1 555-010-7788",
            "quality_rating": "GREEN",
            "platform_type": "CLOUD_API",
            "throughput": { "level": "STANDARD" },
            "id": PHONE
        })
    );
    let r = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{PHONE}?fields=bogus")))
                .bearer_auth(TOKEN),
        )
        .await;
    r.assert_error(400, json!({
        "message": "(#100) Tried accessing nonexisting field (bogus) on node type (WhatsAppBusinessPhoneNumber)",
        "type": "OAuthException",
        "code": 100,
    }));
}
