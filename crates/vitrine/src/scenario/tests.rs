//! The engine against a fake shopping bot (a webhook endpoint that answers through the Graph
//! API) that misbehaves in each way an expectation can catch, each failure message asserted;
//! and a conversation played through the API, exported as a scenario and replayed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::client::Vitrine;
use super::engine::Outcome;
use super::inprocess::InProcess;
use super::{run, Target};
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "EAAVitrineDemoSystemUserToken0000000000000000000000000000000000";
const PHONE: &str = "113859604417350";
const CATALOG: &str = "771804362295518";

/// How the fake bot goes wrong.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    WrongProduct,
    /// Sends the MPM this long after the greeting.
    Late(u64),
    Silent,
    WrongButton,
    ExtraMessage,
    WrongType,
    NoReadReceipt,
}

#[derive(Clone)]
struct Bot {
    graph: String,
    http: reqwest::Client,
    fault: Fault,
}

impl Bot {
    async fn send(&self, body: Value) {
        let r = self
            .http
            .post(format!("{}/v23.0/{PHONE}/messages", self.graph))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }

    async fn text(&self, to: &str, body: &str) {
        self.send(json!({ "messaging_product": "whatsapp", "to": to, "type": "text", "text": { "body": body } }))
            .await;
    }

    /// What a small shopping bot does with one customer message.
    async fn answer(&self, m: Value, name: String) {
        let from = m["from"].as_str().unwrap().to_owned();
        if self.fault != Fault::NoReadReceipt {
            self.send(
                json!({ "messaging_product": "whatsapp", "status": "read", "message_id": m["id"] }),
            )
            .await;
        }
        match m["type"].as_str().unwrap() {
            "text" if m["text"]["body"] == "hi" => {
                match self.fault {
                    Fault::Silent => return,
                    Fault::Late(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
                    Fault::WrongType => return self.text(&from, "Welcome!").await,
                    _ => {}
                }
                let second = if self.fault == Fault::WrongProduct {
                    "candle-cedar-200g"
                } else {
                    "mug-stoneware-350ml"
                };
                self.send(json!({
                    "messaging_product": "whatsapp", "to": from, "type": "interactive",
                    "interactive": { "type": "product_list",
                        "header": { "type": "text", "text": "Summer picks" },
                        "body": { "text": "Tap to shop" },
                        "action": { "catalog_id": CATALOG, "sections": [ { "title": "Picks", "product_items": [
                            { "product_retailer_id": "tee-classic-white" }, { "product_retailer_id": second } ] } ] } }
                }))
                .await;
                if self.fault == Fault::ExtraMessage {
                    self.text(&from, "Anything else?").await;
                }
            }
            "text" => {
                let second = if self.fault == Fault::WrongButton {
                    "Maybe"
                } else {
                    "No"
                };
                self.send(json!({
                    "messaging_product": "whatsapp", "to": from, "type": "interactive",
                    "interactive": { "type": "button", "body": { "text": "Need help?" },
                        "action": { "buttons": [
                            { "type": "reply", "reply": { "id": "help-yes", "title": "Yes" } },
                            { "type": "reply", "reply": { "id": "help-no", "title": second } } ] } }
                }))
                .await;
            }
            "order" => {
                let total: f64 = m["order"]["product_items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["item_price"].as_f64().unwrap() * i["quantity"].as_f64().unwrap())
                    .sum();
                self.text(&from, &format!("Thanks {name}! Your total is ${total:.2}"))
                    .await;
            }
            "location" => {
                let place = m["location"]["name"].as_str().unwrap_or("you");
                self.text(&from, &format!("We deliver to {place}")).await;
            }
            "interactive" => {
                let title = m["interactive"]["button_reply"]["title"]
                    .as_str()
                    .unwrap_or("?");
                self.text(&from, &format!("You chose {title}")).await;
            }
            _ => {}
        }
    }
}

async fn webhook(State(bot): State<Bot>, body: Bytes) -> &'static str {
    let v: Value = serde_json::from_slice(&body).unwrap();
    for entry in v["entry"].as_array().into_iter().flatten() {
        for change in entry["changes"].as_array().into_iter().flatten() {
            let value = &change["value"];
            let name = value["contacts"][0]["profile"]["name"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            for m in value["messages"].as_array().into_iter().flatten() {
                let bot = bot.clone();
                let (m, name) = (m.clone(), name.clone());
                tokio::spawn(async move { bot.answer(m, name).await });
            }
        }
    }
    "ok"
}

struct Harness {
    vitrine: Arc<Vitrine>,
    local: InProcess,
    _db: Option<vitrine_store_postgres::ScratchDatabase>,
}

/// An in-process Vitrine (SQLite, or PostgreSQL with VITRINE_TEST_DATABASE=postgres) whose demo
/// app's webhook goes to a fake bot with `fault`.
async fn harness(fault: Fault) -> Harness {
    let bot_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bot_url = format!("http://{}/webhook", bot_listener.local_addr().unwrap());
    let vitrine_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = vitrine_listener.local_addr().unwrap().to_string();
    drop(vitrine_listener);
    let target = Target {
        servers: vec![],
        admin_token: None,
        listen,
        webhook_url: Some(bot_url),
        wait_for_bot: Duration::from_secs(1),
    };
    let db = if std::env::var("VITRINE_TEST_DATABASE").as_deref() == Ok("postgres") {
        let admin = std::env::var("VITRINE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        Some(
            vitrine_store_postgres::ScratchDatabase::create(&admin)
                .await
                .unwrap(),
        )
    } else {
        None
    };
    let local = InProcess::start_on(&target, db.as_ref().map(|d| d.url.clone()))
        .await
        .unwrap();
    let bot = Bot {
        graph: local.url.clone(),
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        fault,
    };
    let app = Router::new()
        .route("/webhook", post(webhook))
        .with_state(bot);
    tokio::spawn(async move { axum::serve(bot_listener, app).await });
    let vitrine = Arc::new(Vitrine::new(vec![local.url.clone()], None).unwrap());
    vitrine.wait_healthy(Duration::from_secs(5)).await.unwrap();
    Harness {
        vitrine,
        local,
        _db: db,
    }
}

const SHOP: &str = r#"
scenarios:
  - name: shop
    customers: [{id: alex, name: Alex}]
    steps:
      - say: hi
      - expect_read: {within: 2s}
      - expect:
          type: product_list
          header: Summer picks
          products: {all: [tee-classic-white, mug-stoneware-350ml]}
          within: 2s
      - add: {product: "${last_product_list.products[0]}", quantity: 2}
      - send_cart: {note: after 6pm, save_as: order}
      - expect:
          type: text
          text: {matches: 'Thanks ${customer.name}! Your total is \$(?P<total>[0-9.]+)'}
          within: 2s
      - say: I paid ${total} for ${order.items[0].quantity}
      - expect: {type: button, buttons: [Yes, No], within: 2s}
      - tap: Yes
      - expect: {text: You chose Yes, within: 2s}
      - expect_nothing: 300ms
"#;

async fn play(h: &Harness, src: &str) -> Outcome {
    let file = vitrine_scenario::parse("shop.yaml", src).unwrap();
    let mut outcomes = run::play(
        h.vitrine.clone(),
        vec![("shop.yaml".to_owned(), file)],
        2,
        Duration::from_secs(20),
        false,
    )
    .await
    .unwrap();
    outcomes.remove(0)
}

/// The failure's step and message, with run-to-run numbers (ms) replaced by N.
fn failure(o: &Outcome) -> (usize, String) {
    let f = o
        .failure
        .clone()
        .unwrap_or_else(|| panic!("passed: {:#?}", o.transcript));
    let re = regex::Regex::new(r"after \d+ ms").unwrap();
    (
        f.step,
        re.replace_all(&f.message, "after N ms").into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_good_bot_passes_with_captures_and_read_receipts() {
    let h = harness(Fault::None).await;
    let o = play(&h, SHOP).await;
    assert!(
        o.failure.is_none(),
        "{:?}\n{}",
        o.failure,
        o.transcript.join("\n")
    );
    assert_eq!(o.latencies_ms.len(), 4);
    // say, send_cart, say, tap (cart changes do not reach the bot).
    assert_eq!(o.actions, 4);
    // The total captured from the bot's text and the saved order's quantity, used later.
    assert!(
        o.transcript
            .iter()
            .any(|l| l.ends_with("→ alex says \"I paid 38.00 for 2\"")),
        "{:#?}",
        o.transcript
    );
    h.local.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_product_is_named() {
    let h = harness(Fault::WrongProduct).await;
    let o = play(&h, SHOP).await;
    assert_eq!(
        failure(&o),
        (3, "expected products to include all of [tee-classic-white, mug-stoneware-350ml]; missing [mug-stoneware-350ml] (the message shows [tee-classic-white, candle-cedar-200g])".to_owned())
    );
    assert!(o.transcript.iter().any(|l| l.contains("arrived:  product_list [Summer picks] \"Tap to shop\" products [tee-classic-white, candle-cedar-200g]")), "{:#?}", o.transcript);
    h.local.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_reply_is_told_from_no_reply() {
    let h = harness(Fault::Late(2600)).await;
    let o = play(&h, SHOP).await;
    assert_eq!(
        failure(&o),
        (3, "the bot's message came late: after N ms, over the limit of 2s (product_list [Summer picks] \"Tap to shop\" products [tee-classic-white, mug-stoneware-350ml])".to_owned())
    );
    h.local.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_reply_at_all() {
    let h = harness(Fault::Silent).await;
    let o = play(&h, SHOP).await;
    assert_eq!(
        failure(&o),
        (3, "no message from the bot within 2s (expected product_list, products all of [tee-classic-white, mug-stoneware-350ml])".to_owned())
    );
    assert!(o
        .transcript
        .iter()
        .any(|l| l.ends_with("arrived:  nothing")));
    h.local.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_button_is_named() {
    let h = harness(Fault::WrongButton).await;
    let o = play(&h, SHOP).await;
    assert_eq!(
        failure(&o),
        (
            8,
            "expected buttons [Yes, No]; the message has [Yes, Maybe] (missing [No])".to_owned()
        )
    );
    h.local.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unexpected_extra_message_fails_the_next_action() {
    let h = harness(Fault::ExtraMessage).await;
    // The extra message comes right after the MPM: the wait lets it arrive before `add`.
    let before_add = "scenarios:\n  - name: extra\n    customers: [{id: alex}]\n    steps:\n      - say: hi\n      - expect: {type: product_list}\n      - wait: 1s\n      - add: tee-classic-white\n";
    let o = play(&h, before_add).await;
    assert_eq!(
        failure(&o),
        (
            4,
            "unexpected message from the bot to alex before `add`: text \"Anything else?\""
                .to_owned()
        )
    );
    // Or it is caught at the end of the scenario.
    let at_end = "defaults: {settle: 1s}\nscenarios:\n  - name: extra\n    customers: [{id: alex}]\n    steps:\n      - say: hi\n      - expect: {type: product_list}\n";
    let o = play(&h, at_end).await;
    assert_eq!(
        failure(&o),
        (
            3,
            "unexpected message from the bot to alex before the end of the scenario: text \"Anything else?\""
                .to_owned()
        )
    );
    h.local.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_type_and_a_missing_read_receipt() {
    let h = harness(Fault::WrongType).await;
    let o = play(&h, SHOP).await;
    assert_eq!(
        failure(&o),
        (
            3,
            "expected a product_list message, got text \"Welcome!\"".to_owned()
        )
    );
    h.local.stop().await;
    let h = harness(Fault::NoReadReceipt).await;
    let o = play(&h, SHOP).await;
    assert_eq!(
        failure(&o),
        (
            2,
            "the bot did not mark alex's last message as read within 2000 ms".to_owned()
        )
    );
    h.local.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn silence_expected_but_a_message_came() {
    let h = harness(Fault::None).await;
    let o = play(
        &h,
        "scenarios:\n  - name: quiet\n    steps:\n      - say: hello\n      - expect_nothing: 2s\n",
    )
    .await;
    assert_eq!(
        failure(&o),
        (2, "expected no message for 2000 ms, but the bot sent button \"Need help?\" buttons [Yes, No]".to_owned())
    );
    h.local.stop().await;
}

/// Waits for the bot's reply to `wa_id` number `n` (1-based).
async fn replies(v: &Vitrine, wa_id: &str, n: usize) {
    for _ in 0..100 {
        let r = v
            .get(&format!("/messages?customer={wa_id}&limit=50"))
            .await
            .unwrap();
        if r["data"].as_array().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the bot did not answer");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recorded_conversation_replays() {
    let h = harness(Fault::None).await;
    let v = &h.vitrine;
    let wa = "15550009876";
    v.post("/customers", json!({ "wa_id": wa, "name": "Sam" }))
        .await
        .unwrap();
    v.post(
        &format!("/customers/{wa}/messages"),
        json!({ "text": "hi" }),
    )
    .await
    .unwrap();
    replies(v, wa, 1).await;
    v.post(
        &format!("/customers/{wa}/cart/items"),
        json!({ "product_retailer_id": "mug-stoneware-350ml", "quantity": 3 }),
    )
    .await
    .unwrap();
    v.post(&format!("/customers/{wa}/cart/send"), json!({}))
        .await
        .unwrap();
    replies(v, wa, 2).await;
    v.post(
        &format!("/customers/{wa}/messages"),
        json!({ "text": "help" }),
    )
    .await
    .unwrap();
    replies(v, wa, 3).await;
    let list = v
        .get(&format!("/messages?customer={wa}&limit=1"))
        .await
        .unwrap();
    let buttons = list["data"][0]["wamid"].as_str().unwrap().to_owned();
    v.post(
        &format!("/customers/{wa}/replies"),
        json!({ "wamid": buttons, "choice": "help-no" }),
    )
    .await
    .unwrap();
    replies(v, wa, 4).await;
    v.post(
        &format!("/customers/{wa}/locations"),
        json!({ "latitude": 52.52, "longitude": 13.405, "name": "Office" }),
    )
    .await
    .unwrap();
    replies(v, wa, 5).await;
    let url = format!(
        "{}/_vitrine/conversations/{PHONE}/{wa}/scenario",
        h.local.url
    );
    let yaml = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(yaml.contains("  - tap: No\n"), "{yaml}");
    assert!(
        yaml.contains("  - location:\n      latitude: 52.52\n      longitude: 13.405\n      name: Office\n  - expect:\n      type: text\n      text: We deliver to Office\n"),
        "{yaml}"
    );
    assert!(
        yaml.contains("text: Thanks Sam! Your total is $54.00\n"),
        "{yaml}"
    );
    let o = play(&h, &yaml).await;
    assert!(
        o.failure.is_none(),
        "{:?}\n{yaml}\n{}",
        o.failure,
        o.transcript.join("\n")
    );
    assert_eq!(o.actions, 5);
    h.local.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn locations_and_reactions() {
    let h = harness(Fault::None).await;
    let src = r#"
scenarios:
  - name: location and reaction
    customers: [{id: alex}]
    steps:
      - say: hi
      - expect: {type: product_list}
      - react: {emoji: "👍"}
      - expect_nothing: 500ms
      - location: {latitude: 52.52, longitude: 13.405, name: Office}
      - expect: {type: text, text: We deliver to Office}
"#;
    let o = play(&h, src).await;
    assert!(
        o.failure.is_none(),
        "{:?}\n{}",
        o.failure,
        o.transcript.join("\n")
    );
    assert!(
        o.transcript.iter().any(|l| l.ends_with("→ alex reacts 👍")),
        "{:#?}",
        o.transcript
    );
    h.local.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fixtures_set_prices_settings_and_the_clock() {
    let h = harness(Fault::None).await;
    let priced = r#"
fixtures:
  - product: {retailer_id: tee-classic-white, price: 2500}
scenarios:
  - name: priced by the fixture
    customers: [{id: alex, name: Alex}]
    steps:
      - say: hi
      - expect: {type: product_list}
      - browse: {save_as: catalog}
      - add: {product: "${catalog.products[0].product_retailer_id}", quantity: 2}
      - view_cart: {save_as: cart}
      - say: my cart holds ${cart.items[0].quantity} for ${cart.total}
      - expect: {type: button}
      - send_cart: {save_as: order}
      - expect: {text: "Thanks Alex! Your total is $${order.amount}"}
      - expect_read: {}
      - clock: {advance: 25h}
      - say: help
      - expect: {type: button, buttons: [Yes]}
"#;
    let o = play(&h, priced).await;
    assert!(
        o.failure.is_none(),
        "{:?}\n{}",
        o.failure,
        o.transcript.join("\n")
    );
    assert!(
        o.transcript
            .iter()
            .any(|l| l.contains("text \"Thanks Alex! Your total is $50.00\"")),
        "{:#?}",
        o.transcript
    );
    assert!(
        o.transcript
            .iter()
            .any(|l| l.ends_with("→ alex says \"my cart holds 2 for 5000\"")),
        "{:#?}",
        o.transcript
    );
    let no_cart = r#"
scenarios:
  - name: the cart is off
    fixtures:
      - commerce_settings: {is_cart_enabled: false}
    steps:
      - add: tee-classic-white
"#;
    let o = play(&h, no_cart).await;
    assert_eq!(
        failure(&o),
        (
            1,
            "The cart is disabled for this business number (is_cart_enabled=false). (HTTP 409)"
                .to_owned()
        )
    );
    h.local.stop().await;
}
