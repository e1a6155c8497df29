//! Webhooks: subscriptions and handshakes, signed bodies, the status life cycle, retries with
//! identical bytes, dead letters, restarts, redelivery and the fidelity knobs (spec §5).
//!
//! Its length: one test per delivery rule; they share the receiver helpers at the top.

use crate::support::receiver::{Behaviour as Rx, Receiver};
use crate::support::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use vitrine_core::seed;
use vitrine_core::settings::Behaviour;
use vitrine_core::webhook::schedule::WebhookSettings;

fn hmac256(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn with_webhooks(settings: WebhookSettings) -> Options {
    Options {
        behaviour: Behaviour {
            webhooks: settings,
            ..Behaviour::default()
        },
        ..Default::default()
    }
}

/// `GET /_vitrine/webhooks/{id}` of a row of the delivery log.
async fn detail(app: &TestApp, row: &Value) -> Resp {
    app.get(&format!(
        "/_vitrine/webhooks/{}",
        row["id"].as_str().unwrap()
    ))
    .await
}

/// The HTTP status of each attempt in a webhook's detail, in order.
fn attempt_codes(detail: &Resp) -> Vec<Value> {
    detail.body["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["http_status"].clone())
        .collect()
}

fn statuses(r: &crate::support::receiver::Received) -> Vec<Value> {
    r.json()["entry"][0]["changes"][0]["value"]["statuses"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn status_webhooks_are_metas_bytes_signed_with_the_app_secret() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    let mut body = text("hi");
    body["biz_opaque_callback_data"] = json!("cart-7781 café");
    let wamid = app.post_message(body).await.wamid();
    app.tick(app.delivered_ms());
    let got = app.received(&rx, 2).await;
    for r in &got {
        assert_eq!(
            r.headers["x-hub-signature-256"],
            hmac256(seed::APP_SECRET, &r.body)
        );
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(seed::APP_SECRET.as_bytes()).unwrap();
        mac.update(&r.body);
        assert_eq!(
            r.headers["x-hub-signature"],
            format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
        );
        assert_eq!(r.headers["content-type"], "application/json");
        assert!(r.body.is_ascii(), "non-ASCII must be escaped");
        assert!(String::from_utf8_lossy(&r.body)
            .contains(r#""biz_opaque_callback_data":"cart-7781 caf\u00e9""#));
    }
    let mut by_status: Vec<(String, Value)> = got
        .iter()
        .map(|r| {
            (
                statuses(r)[0]["status"].as_str().unwrap().to_owned(),
                r.json(),
            )
        })
        .collect();
    by_status.sort_by(|a, b| b.0.cmp(&a.0));
    assert_eq!(by_status[0].0, "sent");
    assert_eq!(by_status[1].0, "delivered");
    let sent = &by_status[0].1;
    let stored = app.stored(&wamid).await;
    let sent_at = stored["statuses"][0]["timestamp"]
        .as_str()
        .unwrap()
        .to_owned();
    let conversation =
        sent["entry"][0]["changes"][0]["value"]["statuses"][0]["conversation"].clone();
    assert_eq!(conversation["id"].as_str().unwrap().len(), 32);
    assert!(conversation["expiration_timestamp"].is_string());
    assert_eq!(
        sent,
        &json!({
            "object": "whatsapp_business_account",
            "entry": [{
                "id": seed::WABA_ID,
                "changes": [{
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": { "display_phone_number": seed::DISPLAY_PHONE_NUMBER, "phone_number_id": PHONE },
                        "contacts": [{ "wa_id": CUSTOMER, "user_id": CUSTOMER_BSUID }],
                        "statuses": [{
                            "id": wamid,
                            "status": "sent",
                            "timestamp": sent_at,
                            "recipient_id": CUSTOMER,
                            "biz_opaque_callback_data": "cart-7781 café",
                            "conversation": conversation,
                            "pricing": { "billable": false, "pricing_model": "PMP", "category": "service", "type": "free_customer_service" }
                        }]
                    },
                    "field": "messages"
                }]
            }]
        })
    );
    // `delivered` carries the conversation without its expiration.
    let delivered = statuses(
        &got.iter()
            .find(|r| statuses(r)[0]["status"] == "delivered")
            .unwrap()
            .clone(),
    );
    assert!(delivered[0]["conversation"]
        .get("expiration_timestamp")
        .is_none());
    assert_eq!(stored["status"], "delivered");
}

#[tokio::test]
async fn read_comes_from_the_customer_once() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    let wamid = app.post_message(text("hi")).await.wamid();
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/_vitrine/messages/{wamid}/read"))),
        )
        .await;
    assert_eq!(r.body["status"], "read");
    app.send(
        app.client
            .post(app.url(&format!("/_vitrine/messages/{wamid}/read"))),
    )
    .await;
    assert_eq!(app.tick_and_run(1_000).await, 3);
    let got = rx.received();
    assert_eq!(
        app.tick_and_run(7 * 86_400_000).await,
        0,
        "a second read sends nothing"
    );
    assert_eq!(rx.received().len(), 3);
    let read = got
        .iter()
        .find(|r| statuses(r)[0]["status"] == "read")
        .expect("read webhook");
    let s = &statuses(read)[0];
    assert_eq!(s["id"], wamid);
    // Read is never before delivered.
    let delivered = got
        .iter()
        .find(|r| statuses(r)[0]["status"] == "delivered")
        .unwrap();
    assert!(
        s["timestamp"].as_str().unwrap() >= statuses(delivered)[0]["timestamp"].as_str().unwrap()
    );
    let r = app
        .send(
            app.client
                .post(app.url("/_vitrine/messages/wamid.nope/read")),
        )
        .await;
    assert_eq!(r.status.as_u16(), 404);
}

#[tokio::test]
async fn auto_read_setting() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_with(with_webhooks(WebhookSettings {
        auto_read_after_ms: Some(0),
        ..Default::default()
    }))
    .await;
    app.set_webhook(&rx.url).await;
    app.post_message(text("hi")).await.wamid();
    // Read 0 ms after delivered.
    app.tick(app.delivered_ms());
    let got = app.received(&rx, 3).await;
    let mut names: Vec<String> = got
        .iter()
        .map(|r| statuses(r)[0]["status"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["delivered", "read", "sent"]);
}

#[tokio::test]
async fn failed_status_carries_metas_error_object() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    let wamid = app.post_message(text("hi")).await.wamid();
    let r = app
        .post_json(
            &format!("/_vitrine/messages/{wamid}/fail"),
            json!({ "code": 131047 }),
        )
        .await;
    assert_eq!(r.body["status"], "failed");
    app.tick(app.delivered_ms());
    let got = app.received(&rx, 3).await;
    let failed = got
        .iter()
        .find(|r| statuses(r)[0]["status"] == "failed")
        .unwrap();
    let s = statuses(failed)[0].clone();
    assert_eq!(
        s,
        json!({
            "id": wamid,
            "status": "failed",
            "timestamp": s["timestamp"],
            "recipient_id": CUSTOMER,
            "errors": [{
                "code": 131047,
                "title": "Re-engagement message",
                "message": "Re-engagement message",
                "error_data": { "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number." },
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
            }]
        })
    );
    let r = app
        .post_json(
            &format!("/_vitrine/messages/{wamid}/fail"),
            json!({ "code": 42 }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400);
    // A message fails once, and never after the customer has read it.
    let r = app
        .post_json(&format!("/_vitrine/messages/{wamid}/fail"), json!({}))
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    assert!(r.text.contains("already failed"), "{}", r.text);
    let read = app.post_message(text("hello again")).await.wamid();
    app.advance(app.delivered_ms());
    let r = app
        .post_json(&format!("/_vitrine/messages/{read}/read"), json!({}))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let r = app
        .post_json(&format!("/_vitrine/messages/{read}/fail"), json!({}))
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    assert!(r.text.contains("already read"), "{}", r.text);
}

#[tokio::test]
async fn failing_endpoint_gets_identical_bytes_on_every_retry() {
    let rx = Receiver::start(Rx {
        fail_first: 2,
        ..Default::default()
    })
    .await;
    // Live on purpose: the running dispatcher, on the real clock, notices when sandbox time
    // jumps to a retry's due time, and retries with backoff end to end.
    let app = spawn_with(Options {
        live: true,
        ..with_webhooks(WebhookSettings {
            delivered_after_ms: 3_600_000,
            ..Default::default()
        })
    })
    .await;
    app.set_webhook(&rx.url).await;
    let wamid = app.post_message(text("hi")).await.wamid();
    rx.wait_for(1).await;
    app.wait_webhooks(&format!("wamid={wamid}"), |w| {
        w.iter().any(|w| w["attempt_count"] == 1)
    })
    .await;
    app.advance(10_000);
    rx.wait_for(2).await;
    app.wait_webhooks(&format!("wamid={wamid}"), |w| {
        w.iter().any(|w| w["attempt_count"] == 2)
    })
    .await;
    app.advance(30_000);
    let got = rx.wait_for(3).await;
    assert!(
        got.iter().all(|r| r.body == got[0].body),
        "same bytes on every attempt"
    );
    assert!(got
        .iter()
        .all(|r| r.headers["x-hub-signature-256"] == got[0].headers["x-hub-signature-256"]));
    let rows = app
        .wait_webhooks(&format!("wamid={wamid}&status=delivered"), |w| {
            !w.is_empty()
        })
        .await;
    let detail = detail(&app, &rows[0]).await;
    let attempts = detail.body["attempts"].as_array().unwrap();
    assert_eq!(
        attempt_codes(&detail),
        vec![json!(500), json!(500), json!(200)]
    );
    assert_eq!(detail.body["state"], "delivered");
    assert_eq!(
        detail.body["body"].as_str().unwrap().as_bytes(),
        got[0].body.as_slice()
    );
    assert!(attempts.iter().all(|a| a["latency_ms"].is_number()));
    // Retries were spaced by the schedule, in sandbox time.
    let at: Vec<i64> = attempts.iter().map(|a| a["at"].as_i64().unwrap()).collect();
    assert!(at[1] - at[0] >= 10_000 && at[2] - at[1] >= 30_000, "{at:?}");
}

/// Statuses due as the message is accepted go from the send to the dispatcher in memory (leased
/// by their insert, never claimed): they arrive signed, each recorded with its one attempt,
/// and one that fails is retried from the outbox like any other.
#[tokio::test]
async fn webhooks_due_at_once_are_handed_to_the_dispatcher() {
    let rx = Receiver::start(Rx {
        fail_first: 1,
        ..Default::default()
    })
    .await;
    // Live on purpose: the handover only exists while a dispatcher runs.
    let app = spawn_with(Options {
        live: true,
        ..with_webhooks(WebhookSettings {
            sent_after_ms: 0,
            delivered_after_ms: 0,
            ..Default::default()
        })
    })
    .await;
    app.set_webhook(&rx.url).await;
    let sends = (0..8).map(|i| app.post_message(text(&format!("hi {i}"))));
    let wamids: Vec<String> = futures_util::future::join_all(sends)
        .await
        .into_iter()
        .map(|r| r.wamid())
        .collect();
    // 16 statuses (the first POST failed), each message's `sent` before its `delivered`.
    let got = rx.wait_for(16).await;
    for r in &got {
        assert_eq!(
            r.headers["x-hub-signature-256"],
            hmac256(seed::APP_SECRET, &r.body)
        );
    }
    for wamid in &wamids {
        let order: Vec<String> = got
            .iter()
            .map(statuses)
            .filter(|s| s[0]["id"] == wamid.as_str())
            .map(|s| s[0]["status"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(order, vec!["sent", "delivered"], "{wamid}");
    }
    let rows = app
        .wait_webhooks("event=status", |w| {
            w.len() == 16 && w.iter().filter(|w| w["state"] == "delivered").count() == 15
        })
        .await;
    let failed: Vec<&Value> = rows.iter().filter(|w| w["state"] == "pending").collect();
    assert_eq!(failed.len(), 1, "{rows:#?}");
    assert!(rows.iter().all(|w| w["attempt_count"] == 1), "{rows:#?}");
    for wamid in &wamids {
        assert_eq!(
            rows.iter().filter(|w| w["wamid"] == wamid.as_str()).count(),
            2
        );
    }
    // None of them was claimed: all 16 were handed over.
    let metrics = app.get("/_vitrine/metrics").await.text;
    assert!(
        metrics.contains("\nvitrine_webhooks_handed_over_total 16\n"),
        "{metrics}"
    );
    // The failed one is retried on the schedule, claimed from the outbox.
    app.advance(10_000);
    rx.wait_for(17).await;
    app.wait_webhooks("event=status&status=delivered", |w| w.len() == 16)
        .await;
    let detail = detail(&app, failed[0]).await;
    assert_eq!(attempt_codes(&detail), vec![json!(500), json!(200)]);
}

#[tokio::test]
async fn endpoint_that_never_succeeds_ends_dead_after_the_schedule() {
    let rx = Receiver::start(Rx {
        fail_first: usize::MAX,
        ..Default::default()
    })
    .await;
    let app = spawn_with(with_webhooks(WebhookSettings {
        retry_schedule_s: vec![10, 60],
        give_up_after_s: 300,
        delivered_after_ms: 3_600_000,
        ..Default::default()
    }))
    .await;
    app.set_webhook(&rx.url).await;
    let wamid = app.post_message(text("hi")).await.wamid();
    app.tick(app.sent_ms());
    let mut seen = 0;
    loop {
        let rows = app
            .wait_webhooks(&format!("wamid={wamid}"), |w| {
                w.iter()
                    .any(|w| w["attempt_count"].as_i64().unwrap() > seen || w["state"] == "dead")
            })
            .await;
        let row = rows.iter().find(|w| w["message_status"] == "sent").unwrap();
        if row["state"] == "dead" {
            assert_eq!(
                row["attempt_count"], 6,
                "attempts at 0, 10, 70, 130, 190, 250 s"
            );
            assert!(row["next_attempt_at"].is_null());
            break;
        }
        seen = row["attempt_count"].as_i64().unwrap();
        assert!(seen < 10, "never went dead");
        let next = row["next_attempt_at"].as_i64().unwrap();
        app.tick(next - app.sandbox.clock.now().0);
    }
    let dead = app.get("/_vitrine/webhooks?status=dead").await;
    assert_eq!(dead.body["data"].as_array().unwrap().len(), 1);
}

/// A redirect is not followed (WhatsApp's senders do not follow them): the 3xx is a failed
/// attempt, retried at the same URL on the schedule.
#[tokio::test]
async fn a_redirect_is_a_failed_attempt_not_followed() {
    let rx = Receiver::start(Rx {
        redirect_first: 1,
        ..Default::default()
    })
    .await;
    let app = spawn_with(with_webhooks(WebhookSettings {
        retry_schedule_s: vec![10],
        delivered_after_ms: 3_600_000,
        ..Default::default()
    }))
    .await;
    app.set_webhook(&rx.url).await;
    let wamid = app.post_message(text("hi")).await.wamid();
    app.tick_and_run(app.sent_ms()).await;
    let rows = app
        .wait_webhooks(&format!("wamid={wamid}"), |w| {
            w.iter().any(|w| w["attempt_count"] == 1)
        })
        .await;
    assert_eq!(rows[0]["state"], "pending", "{rows:?}");
    assert!(rx.moved().is_empty(), "the redirect was followed");
    app.tick_and_run(10_000).await;
    let rows = app
        .wait_webhooks(&format!("wamid={wamid}&status=delivered"), |w| {
            !w.is_empty()
        })
        .await;
    let detail = detail(&app, &rows[0]).await;
    assert_eq!(attempt_codes(&detail), vec![json!(307), json!(200)]);
    assert_eq!(rx.received().len(), 2);
    assert!(rx.moved().is_empty());
}

#[tokio::test]
async fn endpoint_that_never_answers_times_out_and_is_retried() {
    let rx = Receiver::start(Rx {
        hang: true,
        ..Default::default()
    })
    .await;
    let app = spawn_with(with_webhooks(WebhookSettings {
        timeout_ms: 300,
        delivered_after_ms: 3_600_000,
        ..Default::default()
    }))
    .await;
    app.set_webhook(&rx.url).await;
    let wamid = app.post_message(text("hi")).await.wamid();
    // The attempt waits for the client's 300 ms timeout.
    app.tick(app.sent_ms());
    let rows = app
        .wait_webhooks(&format!("wamid={wamid}"), |w| {
            w.iter().any(|w| w["attempt_count"] == 1)
        })
        .await;
    let sent = rows.iter().find(|w| w["message_status"] == "sent").unwrap();
    let detail = detail(&app, sent).await;
    assert_eq!(detail.body["state"], "pending", "{}", detail.text);
    assert_eq!(
        detail.body["attempts"][0]["error"], "timeout",
        "{}",
        detail.text
    );
    assert!(detail.body["attempts"][0]["http_status"].is_null());
    assert!(
        detail.body["next_attempt_at"].as_i64().unwrap()
            >= detail.body["attempts"][0]["at"].as_i64().unwrap() + 10_000
    );
}

#[tokio::test]
async fn pending_deliveries_survive_a_restart() {
    // A port with nobody listening yet.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/hook");
    let scratch = fresh_database().await;
    let db = scratch.url.clone();
    // Live on purpose: the running dispatcher's attempts survive a graceful stop, and the
    // dispatcher of the restarted node picks up what was left pending.
    let app = spawn_with(Options {
        database: Some(db.clone()),
        live: true,
        ..Default::default()
    })
    .await;
    app.set_webhook(&url).await;
    let wamid = app.post_message(text("hi")).await.wamid();
    let rows = app
        .wait_webhooks(&format!("wamid={wamid}"), |w| {
            w.len() == 2 && w.iter().all(|w| w["attempt_count"] == 1)
        })
        .await;
    let detail = detail(&app, &rows[0]).await;
    assert!(detail.body["attempts"][0]["error"]
        .as_str()
        .unwrap()
        .starts_with("connection failed"));
    app.stop().await;

    let rx = Receiver::start_on(&format!("127.0.0.1:{port}"), Rx::default()).await;
    let app = spawn_with(Options {
        database: Some(db),
        live: true,
        ..Default::default()
    })
    .await;
    app.advance(11_000);
    // The restarted sandbox's demo customer says "Hi" again: 3 webhooks, 2 of them statuses.
    let got = rx.wait_for(3).await;
    let mut names: Vec<String> = got
        .iter()
        .filter(|r| r.json()["entry"][0]["changes"][0]["value"]["statuses"].is_array())
        .map(|r| statuses(r)[0]["status"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["delivered", "sent"]);
    app.wait_webhooks("status=delivered&event=status", |w| w.len() == 2)
        .await;
}

#[tokio::test]
async fn redeliver_sends_the_same_bytes_again() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    let wamid = app.post_message(text("hi")).await.wamid();
    app.tick(app.delivered_ms());
    let rows = app
        .wait_webhooks(&format!("wamid={wamid}&status=delivered"), |w| w.len() == 2)
        .await;
    let id = rows[0]["id"].as_str().unwrap().to_owned();
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/_vitrine/webhooks/{id}/redeliver"))),
        )
        .await;
    assert_eq!(r.body, json!({ "success": true }));
    let got = app.received(&rx, 3).await;
    let original = rows[0]["body"].as_str().unwrap().as_bytes();
    assert_eq!(got.iter().filter(|r| r.body == original).count(), 2);
    app.wait_webhooks(&format!("wamid={wamid}"), |w| {
        w.iter()
            .any(|w| w["attempt_count"] == 2 && w["state"] == "delivered")
    })
    .await;
    let r = app
        .send(
            app.client
                .post(app.url("/_vitrine/webhooks/999999/redeliver")),
        )
        .await;
    assert_eq!(r.status.as_u16(), 404);
}

#[tokio::test]
async fn no_callback_no_webhooks_but_statuses_still_happen() {
    let app = spawn_app().await;
    let wamid = app.post_message(text("hi")).await.wamid();
    assert_eq!(app.tick_and_run(1_000).await, 0);
    assert_eq!(app.get("/_vitrine/webhooks").await.body["data"], json!([]));
    assert_eq!(app.stored(&wamid).await["status"], "delivered");
}

#[tokio::test]
async fn biz_opaque_callback_data_round_trips_on_every_status() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_with(with_webhooks(WebhookSettings {
        auto_read_after_ms: Some(0),
        ..Default::default()
    }))
    .await;
    app.set_webhook(&rx.url).await;
    let mut body = spm("tee-classic-white");
    body["biz_opaque_callback_data"] = json!("order-42");
    app.post_message(body).await.wamid();
    app.tick(app.delivered_ms());
    for r in app.received(&rx, 3).await {
        assert_eq!(statuses(&r)[0]["biz_opaque_callback_data"], "order-42");
    }
    // Without it, the field is absent.
    let wamid = app.post_message(text("x")).await.wamid();
    app.tick(app.delivered_ms());
    let got = app.received(&rx, 6).await;
    for r in got.iter().filter(|r| statuses(r)[0]["id"] == wamid) {
        assert!(statuses(r)[0].get("biz_opaque_callback_data").is_none());
    }
}

// ---- Subscribing ----

/// The demo app's access token, `{app-id}|{app-secret}`: what `/{app-id}/subscriptions` needs.
fn app_token() -> String {
    format!("{}|{}", seed::APP_ID, seed::APP_SECRET)
}

/// On Meta an app's subscriptions answer that app's access token only: a system-user token of
/// the app gets code 15, and anybody else's token (another business, another app) cannot see the
/// app at all. The second business has its own app, so it cannot re-point the demo's webhooks.
#[tokio::test]
async fn an_apps_subscriptions_answer_that_apps_token_only() {
    let app = spawn_app().await;
    let path = format!("/v23.0/{}/subscriptions", seed::APP_ID);
    let other_app_token = format!("{}|{}", seed::OTHER_APP_ID, seed::OTHER_APP_SECRET);
    for method in [
        reqwest::Method::GET,
        reqwest::Method::POST,
        reqwest::Method::DELETE,
    ] {
        let r = app
            .send(
                app.client
                    .request(method.clone(), app.url(&path))
                    .bearer_auth(TOKEN),
            )
            .await;
        r.assert_error(
            400,
            json!({
                "message": "(#15) This method must be called with an app access_token.",
                "type": "OAuthException",
                "code": 15,
            }),
        );
        for foreign in [seed::OTHER_ACCESS_TOKEN, other_app_token.as_str()] {
            let r = app
                .send(
                    app.client
                        .request(method.clone(), app.url(&path))
                        .bearer_auth(foreign),
                )
                .await;
            assert_eq!(r.status.as_u16(), 400, "{method} {foreign}: {}", r.text);
            assert_eq!(r.body["error"]["code"], 100, "{}", r.text);
            assert_eq!(r.body["error"]["error_subcode"], 33, "{}", r.text);
        }
    }
    let r = app
        .send(app.client.get(app.url(&path)).bearer_auth(app_token()))
        .await;
    assert_eq!(r.body, json!({ "data": [] }), "{}", r.text);
    // An unknown app is unknown to everybody.
    let r = app
        .send(
            app.client
                .get(app.url("/v23.0/1111111111111111/subscriptions"))
                .bearer_auth(app_token()),
        )
        .await;
    assert_eq!(r.body["error"]["error_subcode"], 33);
}

#[tokio::test]
async fn app_subscription_performs_the_handshake() {
    let rx = Receiver::start(Rx {
        verify_token: Some("my-token".into()),
        ..Default::default()
    })
    .await;
    let app = spawn_app().await;
    let path = format!("/v24.0/{}/subscriptions", seed::APP_ID);
    let r = app
        .send(
            app.client
                .post(app.url(&path))
                .bearer_auth(app_token())
                .form(&[
                    ("object", "whatsapp_business_account"),
                    ("callback_url", rx.url.as_str()),
                    ("verify_token", "my-token"),
                    ("fields", "messages,message_template_status_update"),
                ]),
        )
        .await;
    assert_eq!(r.body, json!({ "success": true }), "{}", r.text);
    let hs = &rx.handshakes()[0];
    assert_eq!(hs["hub.mode"], "subscribe");
    assert_eq!(hs["hub.verify_token"], "my-token");
    assert!(hs["hub.challenge"].parse::<u64>().is_ok());
    let r = app
        .send(app.client.get(app.url(&path)).bearer_auth(app_token()))
        .await;
    assert_eq!(
        r.body,
        json!({ "data": [{
            "object": "whatsapp_business_account",
            "callback_url": rx.url,
            "active": true,
            "fields": [ { "name": "messages", "version": "v24.0" }, { "name": "message_template_status_update", "version": "v24.0" } ]
        }] })
    );
    // Webhook version v24: no `conversation` in statuses.
    app.post_message(text("hi")).await.wamid();
    app.tick(app.delivered_ms());
    for r in app.received(&rx, 2).await {
        assert!(statuses(&r)[0].get("conversation").is_none());
        assert!(statuses(&r)[0].get("pricing").is_some());
    }
}

#[tokio::test]
async fn app_access_token_may_manage_subscriptions() {
    let rx = Receiver::start(Rx {
        verify_token: Some("t".into()),
        ..Default::default()
    })
    .await;
    let app = spawn_app().await;
    let app_token = format!("{}|{}", seed::APP_ID, seed::APP_SECRET);
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{}/subscriptions", seed::APP_ID)))
                .bearer_auth(&app_token)
                .json(&json!({ "object": "whatsapp_business_account", "callback_url": rx.url, "verify_token": "t", "fields": ["messages"] })),
        )
        .await;
    assert_eq!(r.body, json!({ "success": true }), "{}", r.text);
    // ... but it cannot send messages.
    let r = app.post_message_as(PHONE, &app_token, text("x")).await;
    assert_eq!(r.body["error"]["error_subcode"], 33);
    let r = app
        .post_message_as(PHONE, &format!("{}|wrong", seed::APP_ID), text("x"))
        .await;
    assert_eq!(r.body["error"]["code"], 190);
}

/// pywa subscribes with the app token in the query string while its session keeps sending the
/// system-user token in the header: the parameter wins, as on Graph.
#[tokio::test]
async fn an_access_token_parameter_wins_over_the_header() {
    let rx = Receiver::start(Rx {
        verify_token: Some("t".into()),
        ..Default::default()
    })
    .await;
    let app = spawn_app().await;
    let r = app
        .send(
            app.client
                .post(app.url(&format!(
                    "/v23.0/{}/subscriptions?access_token={}",
                    seed::APP_ID,
                    app_token()
                )))
                .bearer_auth(TOKEN)
                .form(&[
                    ("object", "whatsapp_business_account"),
                    ("callback_url", rx.url.as_str()),
                    ("verify_token", "t"),
                    ("fields", "messages"),
                ]),
        )
        .await;
    assert_eq!(r.body, json!({ "success": true }), "{}", r.text);
    // And the other way round: a system-user token parameter over an app token header.
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages?access_token={TOKEN}")))
                .bearer_auth(app_token())
                .json(&text("hi")),
        )
        .await;
    r.wamid();
}

/// pywa asks for the app token this way before subscribing an app's webhook (its default), then
/// subscribes to every field it handles.
#[tokio::test]
async fn the_app_access_token_is_issued_for_the_apps_credentials() {
    let rx = Receiver::start(Rx {
        verify_token: Some("t".into()),
        ..Default::default()
    })
    .await;
    let app = spawn_app().await;
    let ask = |query: String| {
        let app = &app;
        async move { app.get(&format!("/v23.0/oauth/access_token?{query}")).await }
    };
    let r = ask(format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        seed::APP_ID,
        seed::APP_SECRET
    ))
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let token = format!("{}|{}", seed::APP_ID, seed::APP_SECRET);
    assert_eq!(
        r.body,
        json!({ "access_token": token, "token_type": "bearer" })
    );
    let fields = "account_update,calls,message_template_components_update,\
                  message_template_quality_update,message_template_status_update,messages,\
                  smb_message_echoes,template_category_update,user_preferences";
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{}/subscriptions", seed::APP_ID)))
                .bearer_auth(&token)
                .form(&[
                    ("object", "whatsapp_business_account"),
                    ("callback_url", rx.url.as_str()),
                    ("verify_token", "t"),
                    ("fields", fields),
                ]),
        )
        .await;
    assert_eq!(r.body, json!({ "success": true }), "{}", r.text);

    let r = ask(format!(
        "grant_type=client_credentials&client_id={}&client_secret=wrong",
        seed::APP_ID
    ))
    .await;
    assert_eq!(r.status.as_u16(), 400);
    assert_eq!(r.body["error"]["code"], 1);
    assert_eq!(
        r.body["error"]["message"],
        "Error validating client secret."
    );
    assert_eq!(r.body["error"]["type"], "OAuthException");

    let r = ask("grant_type=client_credentials&client_id=123&client_secret=x".into()).await;
    assert_eq!(r.status.as_u16(), 400);
    assert_eq!(r.body["error"]["code"], 101);
    assert_eq!(
        r.body["error"]["message"],
        "Error validating application. Invalid application ID."
    );

    let r = ask(format!(
        "grant_type=password&client_id={}&client_secret={}",
        seed::APP_ID,
        seed::APP_SECRET
    ))
    .await;
    assert_eq!(r.body["error"]["code"], 100);
    assert_eq!(
        r.body["error"]["message"],
        "(#100) Invalid grant_type: 'password'. Supported types: authorization_code, client_credentials"
    );
}

#[tokio::test]
async fn failed_handshake_saves_nothing() {
    let rx = Receiver::start(Rx {
        verify_token: Some("right".into()),
        ..Default::default()
    })
    .await;
    let app = spawn_app().await;
    let path = format!("/v23.0/{}/subscriptions", seed::APP_ID);
    let post = |token: &str, url: &str| {
        app.client.post(app.url(&path)).bearer_auth(app_token()).json(&json!({
            "object": "whatsapp_business_account", "callback_url": url, "verify_token": token, "fields": "messages"
        }))
    };
    let r = app.send(post("wrong", &rx.url)).await;
    r.assert_error(400, json!({
        "message": "(#2200) Callback verification failed with the following errors: HTTP Status Code = 403; HTTP Message = Forbidden",
        "type": "OAuthException",
        "code": 2200,
    }));
    let r = app
        .send(post("right", "http://127.0.0.1:1/nothing-here"))
        .await;
    assert_eq!(r.body["error"]["code"], 2200);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("connection failed"));
    let r = app
        .send(app.client.get(app.url(&path)).bearer_auth(app_token()))
        .await;
    assert_eq!(r.body, json!({ "data": [] }));
    // Parameter errors come first and name the parameter.
    let r = app
        .send(
            app.client
                .post(app.url(&path))
                .bearer_auth(app_token())
                .json(&json!({ "object": "whatsapp_business_account", "verify_token": "x" })),
        )
        .await;
    r.assert_error(400, json!({ "message": "(#100) The parameter callback_url is required.", "type": "OAuthException", "code": 100 }));
    let r = app
        .send(app.client.post(app.url(&path)).bearer_auth(app_token()).json(&json!({ "object": "whatsapp_business_account", "callback_url": "ftp://x", "verify_token": "x" })))
        .await;
    assert_eq!(
        r.body["error"]["error_data"]["details"],
        "The parameter callback_url must be an http(s) URL."
    );
    assert!(r.body["error"]["error_data"]
        .get("messaging_product")
        .is_none());
}

#[tokio::test]
async fn waba_override_callback() {
    let main = Receiver::start(Rx::default()).await;
    let over = Receiver::start(Rx {
        verify_token: Some("ov".into()),
        ..Default::default()
    })
    .await;
    let app = spawn_app().await;
    app.set_webhook(&main.url).await;
    let path = format!("/v23.0/{}/subscribed_apps", seed::WABA_ID);
    let r = app
        .send(
            app.client
                .post(app.url(&path))
                .bearer_auth(TOKEN)
                .json(&json!({ "override_callback_uri": over.url, "verify_token": "ov" })),
        )
        .await;
    assert_eq!(r.body, json!({ "success": true }), "{}", r.text);
    let r = app
        .send(app.client.get(app.url(&path)).bearer_auth(TOKEN))
        .await;
    assert_eq!(
        r.body["data"][0]["whatsapp_business_api_data"]["id"],
        seed::APP_ID
    );
    assert_eq!(r.body["data"][0]["override_callback_uri"], over.url);
    app.post_message(text("hi")).await.wamid();
    app.tick(app.delivered_ms());
    app.received(&over, 2).await;
    assert!(main.received().is_empty());
    // Back to the app's own callback.
    let r = app
        .send(app.client.post(app.url(&path)).bearer_auth(TOKEN))
        .await;
    assert_eq!(r.body, json!({ "success": true }));
    app.post_message(text("again")).await.wamid();
    app.tick(app.delivered_ms());
    app.received(&main, 2).await;
    // Unsubscribed: nothing is sent.
    let r = app
        .send(app.client.delete(app.url(&path)).bearer_auth(TOKEN))
        .await;
    assert_eq!(r.body, json!({ "success": true }));
    assert_eq!(
        app.send(app.client.get(app.url(&path)).bearer_auth(TOKEN))
            .await
            .body,
        json!({ "data": [] })
    );
    let before = app.get("/_vitrine/webhooks").await.body["data"]
        .as_array()
        .unwrap()
        .len();
    // Webhooks are queued with the message, in its transaction: none was.
    app.post_message(text("quiet")).await.wamid();
    assert_eq!(
        app.get("/_vitrine/webhooks").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        before
    );
    // A failed override handshake is refused.
    let r = app
        .send(
            app.client
                .post(app.url(&path))
                .bearer_auth(TOKEN)
                .json(&json!({ "override_callback_uri": over.url, "verify_token": "bad" })),
        )
        .await;
    assert_eq!(r.body["error"]["code"], 2200);
}

#[tokio::test]
async fn template_webhooks_ignore_the_waba_override() {
    // Meta's override covers `messages`; template webhooks always go to the app's callback.
    let main = Receiver::start(Rx::default()).await;
    let over = Receiver::start(Rx {
        verify_token: Some("ov".into()),
        ..Default::default()
    })
    .await;
    let app = spawn_app().await;
    app.set_webhook(&main.url).await;
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{}/subscribed_apps", seed::WABA_ID)))
                .bearer_auth(TOKEN)
                .json(&json!({ "override_callback_uri": over.url, "verify_token": "ov" })),
        )
        .await;
    assert_eq!(r.body, json!({ "success": true }), "{}", r.text);
    let r = app
        .create_template(json!({
            "name": "hello_again", "language": "en_US", "category": "UTILITY",
            "components": [ { "type": "BODY", "text": "Hello again." } ]
        }))
        .await;
    assert_eq!(r.body["status"], "PENDING", "{}", r.text);
    app.advance(app.review_ms());
    let got = app.received(&main, 1).await;
    assert_eq!(
        got[0].json()["entry"][0]["changes"][0]["field"],
        "message_template_status_update"
    );
    let rows = app
        .wait_webhooks("event=template_status", |w| !w.is_empty())
        .await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["url"], main.url);
    // Messages still follow the override.
    app.post_message(text("hi")).await.wamid();
    app.tick(app.delivered_ms());
    app.received(&over, 2).await;
    assert_eq!(main.received().len(), 1);
}

// ---- Fidelity knobs ----

#[tokio::test]
async fn duplicate_knob_sends_identical_duplicates() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_with(with_webhooks(WebhookSettings {
        duplicate_probability: 1.0,
        ..Default::default()
    }))
    .await;
    app.set_webhook(&rx.url).await;
    app.post_message(text("hi")).await.wamid();
    // Each duplicate goes 500 ms after its original.
    app.tick(app.delivered_ms() + 500);
    let got = app.received(&rx, 4).await;
    for r in &got {
        assert_eq!(got.iter().filter(|o| o.body == r.body).count(), 2);
    }
}

#[tokio::test]
async fn batch_knob_puts_statuses_in_one_post() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_with(Options {
        ..with_webhooks(WebhookSettings {
            batch_statuses: true,
            ..Default::default()
        })
    })
    .await;
    app.set_webhook(&rx.url).await;
    app.post_message(text("hi")).await.wamid();
    assert_eq!(app.tick_and_run(1_000).await, 1);
    let got = rx.received();
    let names: Vec<_> = statuses(&got[0])
        .iter()
        .map(|s| s["status"].clone())
        .collect();
    assert_eq!(names, vec![json!("sent"), json!("delivered")]);
    assert_eq!(app.tick_and_run(7 * 86_400_000).await, 0);
    assert_eq!(rx.received().len(), 1);
}

#[tokio::test]
async fn reorder_knob_delivers_delivered_before_sent() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_with(with_webhooks(WebhookSettings {
        reorder_probability: 1.0,
        sent_after_ms: 0,
        delivered_after_ms: 200,
        ..Default::default()
    }))
    .await;
    app.set_webhook(&rx.url).await;
    app.post_message(text("hi")).await.wamid();
    // `delivered` takes `sent`'s due time (now) and `sent` goes 1 ms after `delivered`'s.
    app.received(&rx, 1).await;
    app.tick(app.delivered_ms() + 1);
    let got = app.received(&rx, 2).await;
    assert_eq!(statuses(&got[0])[0]["status"], "delivered");
    assert_eq!(statuses(&got[1])[0]["status"], "sent");
    // Timestamps stay truthful.
    assert!(
        statuses(&got[0])[0]["timestamp"].as_str().unwrap()
            >= statuses(&got[1])[0]["timestamp"].as_str().unwrap()
    );
}

#[tokio::test]
async fn delivery_log_filters() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    let a = app.post_message(text("a")).await.wamid();
    app.post_message(text("b")).await.wamid();
    app.tick(app.delivered_ms());
    app.wait_webhooks("status=delivered", |w| w.len() == 4)
        .await;
    let r = app.get(&format!("/_vitrine/webhooks?wamid={a}")).await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 2);
    let r = app.get("/_vitrine/webhooks?event=status&limit=3").await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 3);
    let before = r.body["paging"]["before"].as_str().unwrap().to_owned();
    let r = app
        .get(&format!("/_vitrine/webhooks?before={before}"))
        .await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 1);
    let r = app.get("/_vitrine/webhooks?after=0&limit=10").await;
    let ids: Vec<i64> = r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "after= pages oldest first"
    );
    assert_eq!(
        app.get("/_vitrine/webhooks?status=lost")
            .await
            .status
            .as_u16(),
        400
    );
    assert_eq!(app.get("/_vitrine/webhooks/abc").await.status.as_u16(), 400);
    assert_eq!(
        app.get("/_vitrine/webhooks/12345").await.status.as_u16(),
        404
    );
}

/// `--retain 2`: the message log keeps the newest two business messages and two customer
/// messages, the webhook log its two newest finished webhooks and every pending one.
#[tokio::test]
async fn retention_keeps_the_newest_and_every_pending_webhook() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_with(Options {
        behaviour: Behaviour {
            retain: Some(vitrine_core::settings::Retention::Count(2)),
            ..Behaviour::default()
        },
        ..Default::default()
    })
    .await;
    app.set_webhook(&rx.url).await;
    let mut wamids = vec![];
    for i in 0..4 {
        app.post_json(
            &format!("/_vitrine/customers/{}/messages", seed::CUSTOMER_WA_ID),
            json!({ "text": format!("hello {i}") }),
        )
        .await;
        wamids.push(app.post_message(text(&format!("answer {i}"))).await.wamid());
    }
    // Sent and delivered statuses delivered, the customer's messages too; then pruned.
    app.tick_and_run(5_000).await;
    app.run_due().await;
    let log = app.get("/_vitrine/messages?limit=500").await;
    let kept: Vec<&str> = log.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["wamid"].as_str().unwrap())
        .collect();
    assert_eq!(kept, vec![wamids[3].as_str(), wamids[2].as_str()]);
    assert_eq!(
        app.get(&format!("/_vitrine/messages/{}", wamids[0]))
            .await
            .status
            .as_u16(),
        404
    );
    let hooks = app.get("/_vitrine/webhooks?limit=500").await;
    let rows = hooks.body["data"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|w| w["state"] == "delivered"));
    let thread = app
        .get(&format!(
            "/_vitrine/conversations/{}/{}",
            seed::PHONE_NUMBER_ID,
            seed::CUSTOMER_WA_ID
        ))
        .await;
    let texts = thread.body.to_string();
    assert!(
        !texts.contains("hello 0") && texts.contains("hello 3"),
        "{texts}"
    );
    // What was pruned was delivered first: the receiver got every one.
    assert!(rx.received().len() >= 4 * 3);
}
