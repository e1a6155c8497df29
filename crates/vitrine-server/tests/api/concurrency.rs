//! Concurrency: N operations at once on one object end as if they ran one after the other. On
//! SQLite one node takes them all (one process per file); on PostgreSQL two nodes share one
//! database and the operations alternate between them. Each test states the serial outcome and
//! compares.
//!
//! Manual nodes: after the race, each node follows the change log in the test's own step
//! (`run_due`) and is then looked at once. Two tests run live nodes on purpose, to show that the
//! background follower and review worker do the same on their own.
//!
//! Its length: one test per object under concurrency, sharing the two-node helpers.

use crate::support::receiver::{Behaviour as Rx, Receiver};
use crate::support::*;
use futures_util::future::join_all;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use vitrine_core::seed;

/// The nodes of one test and the database they share (dropped after them).
struct Nodes {
    apps: Vec<TestApp>,
    _db: TestDb,
}

/// Manual nodes (the default).
async fn nodes() -> Nodes {
    nodes_with(false).await
}

/// Live nodes: each runs its dispatcher and its cluster task (the change-log follower).
async fn live_nodes() -> Nodes {
    nodes_with(true).await
}

async fn nodes_with(live: bool) -> Nodes {
    let db = fresh_database().await;
    let count = if backend_is_postgres() { 2 } else { 1 };
    let mut apps = vec![];
    for _ in 0..count {
        apps.push(
            spawn_with(Options {
                database: Some(db.url.clone()),
                live,
                ..Default::default()
            })
            .await,
        );
    }
    Nodes { apps, _db: db }
}

impl Nodes {
    /// The node that takes operation `i`.
    fn at(&self, i: usize) -> &TestApp {
        &self.apps[i % self.apps.len()]
    }

    /// Manual nodes: every node does what is due (follows the change log, runs due batches
    /// and reviews, sends due webhooks), one after the other.
    async fn run_due(&self) {
        for app in &self.apps {
            app.run_due().await;
        }
    }

    /// `check` holds on every node (other nodes follow the change log): manual nodes run what
    /// is due and are looked at once; live nodes are polled with a deadline. Fails with the
    /// last value seen.
    async fn converge(&self, path: &str, check: impl Fn(&Value) -> bool) {
        for app in &self.apps {
            let manual = app.is_manual();
            if manual {
                app.run_due().await;
            }
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let r = app.get(path).await;
                if check(&r.body) {
                    break;
                }
                assert!(
                    !manual && Instant::now() < deadline,
                    "{path} on {} never converged: {}",
                    app.base,
                    r.text
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

async fn post(app: &TestApp, path: String, body: Value) -> Resp {
    app.post_json(&path, body).await
}

fn statuses(rs: &[Resp]) -> Vec<u16> {
    let mut v: Vec<u16> = rs.iter().map(|r| r.status.as_u16()).collect();
    v.sort_unstable();
    v
}

fn quantity_of(cart: &Value, rid: &str) -> u64 {
    cart["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["product_retailer_id"] == rid)
        .map(|l| l["quantity"].as_u64().unwrap_or(0))
        .sum()
}

#[tokio::test]
async fn concurrent_adds_to_one_cart_all_land() {
    // Live on purpose: on PostgreSQL each node's own cluster task follows the other node's
    // changes (NOTIFY, or its poll), with nobody running anything for it.
    let n = live_nodes().await;
    let adds = (0..50).map(|i| {
        post(
            n.at(i),
            format!("/_vitrine/customers/{CUSTOMER}/cart/items"),
            json!({ "product_retailer_id": "gift-card-25", "quantity": 1 }),
        )
    });
    let rs = join_all(adds).await;
    assert_eq!(statuses(&rs), vec![200; 50], "{:?}", rs.last());
    let path = format!("/_vitrine/customers/{CUSTOMER}/cart");
    n.converge(&path, |c| quantity_of(c, "gift-card-25") == 50)
        .await;
}

#[tokio::test]
async fn a_cart_never_holds_more_than_99_of_an_item() {
    let n = nodes().await;
    let adds = (0..120).map(|i| {
        post(
            n.at(i),
            format!("/_vitrine/customers/{CUSTOMER}/cart/items"),
            json!({ "product_retailer_id": "gift-card-25", "quantity": 1 }),
        )
    });
    let rs = join_all(adds).await;
    let ok = rs.iter().filter(|r| r.status == 200).count();
    let over: Vec<&Resp> = rs.iter().filter(|r| r.status == 409).collect();
    assert_eq!((ok, over.len()), (99, 21), "{:?}", statuses(&rs));
    for r in over {
        assert_eq!(r.body["error"]["code"], "quantity_over_limit", "{}", r.text);
    }
    let path = format!("/_vitrine/customers/{CUSTOMER}/cart");
    n.converge(&path, |c| quantity_of(c, "gift-card-25") == 99)
        .await;
}

#[tokio::test]
async fn one_cart_sent_ten_times_at_once_is_one_order() {
    let rx = Receiver::start(Rx::default()).await;
    let n = nodes().await;
    n.at(0).set_webhook(&rx.url).await;
    let r = n
        .at(0)
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/cart/items"),
            json!({ "product_retailer_id": "gift-card-25", "quantity": 3 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Every node must see the filled cart before the race starts.
    n.converge(&format!("/_vitrine/customers/{CUSTOMER}/cart"), |c| {
        quantity_of(c, "gift-card-25") == 3
    })
    .await;
    let sends = (0..10).map(|i| {
        post(
            n.at(i),
            format!("/_vitrine/customers/{CUSTOMER}/cart/send"),
            json!({ "text": format!("send {i}") }),
        )
    });
    let rs = join_all(sends).await;
    let ok: Vec<&Resp> = rs.iter().filter(|r| r.status == 200).collect();
    assert_eq!(ok.len(), 1, "{:?}", statuses(&rs));
    for r in rs.iter().filter(|r| r.status != 200) {
        assert_eq!(r.status, 409, "{}", r.text);
        assert_eq!(r.body["error"]["code"], "cart_empty", "{}", r.text);
    }
    let orders = n
        .at(0)
        .wait_webhooks("event=message", |w| {
            w.iter()
                .any(|h| h["body"].as_str().unwrap_or("").contains("\"order\""))
        })
        .await;
    // Give a second order every chance to show up: move the clock far past any due time.
    n.at(0)
        .post_json("/_vitrine/clock/advance", json!({ "seconds": 3600 }))
        .await;
    let all = n
        .at(0)
        .wait_webhooks("event=message", |w| w.len() >= orders.len())
        .await;
    let order_count = all
        .iter()
        .filter(|h| {
            h["body"]
                .as_str()
                .unwrap_or("")
                .contains("\"type\":\"order\"")
        })
        .count();
    assert_eq!(order_count, 1, "{all:?}");
    n.converge(&format!("/_vitrine/customers/{CUSTOMER}/cart"), |c| {
        c["items"] == json!([])
    })
    .await;
}

#[tokio::test]
async fn concurrent_devices_of_one_customer_are_all_kept() {
    let n = nodes().await;
    let adds = (0..12).map(|i| {
        post(
            n.at(i),
            format!("/_vitrine/customers/{CUSTOMER}/devices"),
            json!({ "id": format!("tablet-{i}"), "app_version": "2.24.1" }),
        )
    });
    let rs = join_all(adds).await;
    assert_eq!(statuses(&rs), vec![200; 12]);
    n.converge(&format!("/_vitrine/customers/{CUSTOMER}"), |c| {
        let ids: Vec<&str> = c["devices"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["id"].as_str())
            .collect();
        (0..12).all(|i| ids.contains(&format!("tablet-{i}").as_str()))
    })
    .await;
}

#[tokio::test]
async fn concurrent_clock_moves_add_up() {
    let n = nodes().await;
    n.at(0).post_json("/_vitrine/clock/freeze", json!({})).await;
    let start = n.at(0).get("/_vitrine/clock").await.body["now_ms"]
        .as_i64()
        .unwrap();
    n.converge("/_vitrine/clock", |c| c["now_ms"] == start)
        .await;
    let moves = (0..20).map(|i| {
        n.at(i)
            .post_json("/_vitrine/clock/advance", json!({ "seconds": 3600 }))
    });
    let rs = join_all(moves).await;
    assert_eq!(statuses(&rs), vec![200; 20]);
    let end = start + 20 * 3_600_000;
    n.converge("/_vitrine/clock", |c| c["now_ms"] == end).await;
}

#[tokio::test]
async fn minted_tokens_are_all_valid_on_every_node() {
    let n = nodes().await;
    let mints = (0..20).map(|i| {
        n.at(i).post_json(
            "/_vitrine/tokens",
            json!({ "business_id": seed::BUSINESS_ID, "scopes": ["whatsapp_business_messaging"] }),
        )
    });
    let rs = join_all(mints).await;
    assert_eq!(statuses(&rs), vec![200; 20]);
    let mut tokens: Vec<String> = rs
        .iter()
        .map(|r| r.body["access_token"].as_str().unwrap().to_owned())
        .collect();
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 20);
    n.run_due().await;
    for app in &n.apps {
        for t in &tokens {
            let r = app.post_message_as(PHONE, t, text("hi")).await;
            assert_eq!(r.status, 200, "{t} not valid on {}: {}", app.base, r.text);
        }
    }
}

fn template(name: &str) -> Value {
    json!({
        "name": name, "language": "en_US", "category": "MARKETING",
        "components": [ { "type": "BODY", "text": "Hello there" } ]
    })
}

async fn graph(app: &TestApp, method: reqwest::Method, path: impl AsRef<str>, body: Value) -> Resp {
    let path = path.as_ref();
    app.send(
        app.client
            .request(method, app.url(&format!("/v23.0/{path}")))
            .bearer_auth(TOKEN)
            .json(&body),
    )
    .await
}

#[tokio::test]
async fn one_name_created_ten_times_at_once_is_one_template() {
    let n = nodes().await;
    let path = format!("{}/message_templates", seed::WABA_ID);
    let creates = (0..10).map(|i| {
        graph(
            n.at(i),
            reqwest::Method::POST,
            &path,
            template("flash_sale"),
        )
    });
    let rs = join_all(creates).await;
    let ok = rs.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 1, "{:?}", statuses(&rs));
    for r in rs.iter().filter(|r| r.status != 200) {
        assert_eq!(r.body["error"]["error_subcode"], 2_388_024, "{}", r.text);
    }
    n.run_due().await;
    for app in &n.apps {
        let list = graph(
            app,
            reqwest::Method::GET,
            &format!("{path}?name=flash_sale"),
            json!({}),
        )
        .await;
        assert_eq!(
            list.body["data"].as_array().map(Vec::len),
            Some(1),
            "{}",
            list.text
        );
    }
}

#[tokio::test]
async fn concurrent_edits_of_one_template_are_all_counted() {
    let n = nodes().await;
    let r = graph(
        n.at(0),
        reqwest::Method::POST,
        &format!("{}/message_templates", seed::WABA_ID),
        template("weekly"),
    )
    .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    n.run_due().await;
    for app in &n.apps {
        let r = graph(app, reqwest::Method::GET, &id, json!({})).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    // A pending template may be edited any number of times; each edit is recorded.
    let edits = (0..8).map(|i| {
        let body = json!({ "components": [ { "type": "BODY", "text": format!("Hello {i}") } ] });
        graph(n.at(i), reqwest::Method::POST, &id, body)
    });
    let rs = join_all(edits).await;
    assert_eq!(statuses(&rs), vec![200; 8], "{:?}", rs.first());
    n.run_due().await;
    for app in &n.apps {
        let edits = app
            .sandbox
            .read(|d| d.template(&id.as_str().into()).unwrap().edits.len());
        assert_eq!(edits, 8, "an edit was lost");
    }
}

#[tokio::test]
async fn a_due_review_is_decided_once_whatever_the_nodes() {
    let rx = Receiver::start(Rx::default()).await;
    // Live on purpose: every node's background review worker takes part in the race.
    let n = live_nodes().await;
    n.at(0).set_webhook(&rx.url).await;
    let r = graph(
        n.at(0),
        reqwest::Method::POST,
        &format!("{}/message_templates", seed::WABA_ID),
        template("reviewed_once"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Every node's review worker and ten explicit passes race for the one due review.
    n.at(0)
        .post_json("/_vitrine/clock/advance", json!({ "seconds": 3600 }))
        .await;
    let passes = (0..10).map(|i| n.at(i).sandbox.process_due_reviews());
    let decided: usize = join_all(passes).await.into_iter().map(|r| r.unwrap()).sum();
    assert!(decided <= 1, "{decided} passes decided it");
    let rows = n
        .at(0)
        .wait_webhooks("event=template_status", |w| !w.is_empty())
        .await;
    n.at(0)
        .post_json("/_vitrine/clock/advance", json!({ "seconds": 3600 }))
        .await;
    let rows_after = n
        .at(0)
        .wait_webhooks("event=template_status", |w| w.len() >= rows.len())
        .await;
    assert_eq!(rows_after.len(), 1, "{rows_after:?}");
}

#[tokio::test]
async fn concurrent_product_updates_keep_every_field() {
    let n = nodes().await;
    const TOTE: &str = "7337219806314518";
    let updates = [
        json!({ "name": "Canvas tote, large" }),
        json!({ "description": "Now with an inner pocket." }),
        json!({ "price": 2100 }),
        json!({ "availability": "out of stock" }),
        json!({ "brand": "Vitrine Goods" }),
        json!({ "url": "https://example.com/tote" }),
    ];
    let rs = join_all(
        updates
            .iter()
            .enumerate()
            .map(|(i, body)| graph(n.at(i), reqwest::Method::POST, TOTE, body.clone())),
    )
    .await;
    assert_eq!(statuses(&rs), vec![200; 6], "{:?}", rs.first());
    n.run_due().await;
    for app in &n.apps {
        let p = graph(
            app,
            reqwest::Method::GET,
            &format!("{TOTE}?fields=name,description,price,availability,brand,url"),
            json!({}),
        )
        .await;
        let b = &p.body;
        assert!(
            b["name"] == "Canvas tote, large"
                && b["description"] == "Now with an inner pocket."
                && b["availability"] == "out of stock"
                && b["brand"] == "Vitrine Goods"
                && b["url"] == "https://example.com/tote"
                && b["price"].as_str().is_some_and(|p| p.contains("21")),
            "a field was lost: {}",
            p.text
        );
    }
}

#[tokio::test]
async fn a_product_change_on_one_node_reaches_a_cart_seen_on_another() {
    // The cart remembers product revisions (change-log numbers), not times: every node sees the
    // update notice alike, whatever its clock, and once.
    let n = nodes().await;
    const TOTE: &str = "7337219806314518";
    let path = format!("/_vitrine/customers/{CUSTOMER}/cart");
    let r = post(
        n.at(0),
        format!("{path}/items"),
        json!({ "product_retailer_id": "tote-canvas-natural" }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    n.run_due().await;
    assert!(n.at(1).get(&path).await.body["notice"].is_null());
    let r = graph(
        n.at(1),
        reqwest::Method::POST,
        TOTE,
        json!({ "price": 2100 }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    n.run_due().await;
    let r = n.at(0).get(&path).await;
    assert_eq!(
        r.body["notice"], "One or more items in your cart have been updated",
        "{}",
        r.text
    );
    n.run_due().await;
    for app in &n.apps {
        let r = app.get(&path).await;
        assert!(r.body["notice"].is_null(), "shown once: {}", r.text);
        assert_eq!(r.body["items"][0]["price"], 2100);
    }
}

#[tokio::test]
async fn one_retailer_id_created_ten_times_at_once_is_one_product() {
    let n = nodes().await;
    let creates = (0..10).map(|i| {
        graph(
            n.at(i),
            reqwest::Method::POST,
            format!("{CATALOG}/products"),
            json!({
                "retailer_id": "limited-edition", "name": format!("Limited {i}"),
                "description": "One of a kind", "price": 5000, "currency": "USD",
                "availability": "in stock", "condition": "new",
                "url": "https://example.com/l", "image_url": "https://example.com/l.jpg",
            }),
        )
    });
    let rs = join_all(creates).await;
    let ok = rs.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 1, "{:?} {:?}", statuses(&rs), rs.first());
    for r in rs.iter().filter(|r| r.status != 200) {
        assert_eq!(r.body["error"]["code"], 10800, "{}", r.text);
    }
}

#[tokio::test]
async fn two_batches_creating_one_product_create_it_once() {
    let n = nodes().await;
    let batch = |name: &str| {
        json!({
            "item_type": "PRODUCT_ITEM",
            "allow_upsert": false,
            "requests": [{ "method": "CREATE", "data": {
                "id": "batch-made", "title": name, "description": "From a batch",
                "price": "12.00 USD", "availability": "in stock", "condition": "new",
                "link": "https://example.com/b", "image_link": "https://example.com/b.jpg"
            }}]
        })
    };
    let rs = join_all((0..6).map(|i| {
        graph(
            n.at(i),
            reqwest::Method::POST,
            format!("{CATALOG}/items_batch"),
            batch(&format!("Batch {i}")),
        )
    }))
    .await;
    assert_eq!(statuses(&rs), vec![200; 6], "{:?}", rs.first());
    n.at(0)
        .post_json("/_vitrine/clock/advance", json!({ "seconds": 600 }))
        .await;
    // Every node's batch worker takes its share of the due batches.
    join_all(n.apps.iter().map(|app| app.run_due())).await;
    let mut errors = 0;
    for (i, r) in rs.iter().enumerate() {
        let handle = r.body["handles"][0].as_str().unwrap();
        let s = graph(
            n.at(i),
            reqwest::Method::GET,
            &format!("{CATALOG}/check_batch_request_status?handle={handle}"),
            json!({}),
        )
        .await;
        assert_eq!(s.body["data"][0]["status"], "finished", "{}", s.text);
        errors += s.body["data"][0]["errors_total_count"].as_u64().unwrap();
    }
    assert_eq!(errors, 5, "one batch created it, five found it there");
}

#[tokio::test]
async fn two_catalogs_connected_at_once_leave_one_connected() {
    let n = nodes().await;
    // Free the demo WABA, then make two candidate catalogs.
    let r = graph(
        n.at(0),
        reqwest::Method::DELETE,
        &format!("{}/product_catalogs?catalog_id={CATALOG}", seed::WABA_ID),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut ids = vec![];
    for name in ["Spring", "Autumn"] {
        let r = graph(
            n.at(0),
            reqwest::Method::POST,
            &format!("{}/owned_product_catalogs", seed::BUSINESS_ID),
            json!({ "name": name }),
        )
        .await;
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    n.run_due().await;
    for app in &n.apps {
        for id in &ids {
            let r = graph(app, reqwest::Method::GET, id, json!({})).await;
            assert_eq!(r.status, 200, "{}", r.text);
        }
    }
    let rs = join_all(ids.iter().enumerate().map(|(i, id)| {
        graph(
            n.at(i),
            reqwest::Method::POST,
            format!("{}/product_catalogs", seed::WABA_ID),
            json!({ "catalog_id": id }),
        )
    }))
    .await;
    assert_eq!(statuses(&rs), vec![200, 400], "{rs:?}");
    let winner = &ids[rs.iter().position(|r| r.status == 200).unwrap()];
    n.run_due().await;
    for app in &n.apps {
        let r = graph(
            app,
            reqwest::Method::GET,
            &format!("{}/product_catalogs", seed::WABA_ID),
            json!({}),
        )
        .await;
        assert_eq!(
            r.body["data"],
            json!([{ "id": winner, "name": r.body["data"][0]["name"] }]),
            "{}",
            r.text
        );
    }
}

#[tokio::test]
async fn a_message_read_ten_times_at_once_is_read_once() {
    let rx = Receiver::start(Rx::default()).await;
    let n = nodes().await;
    n.at(0).set_webhook(&rx.url).await;
    let wamid = n.at(0).post_message(text("read me")).await.wamid();
    n.run_due().await;
    for app in &n.apps {
        let r = app.get(&format!("/_vitrine/messages/{wamid}")).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let reads = (0..10).map(|i| {
        post(
            n.at(i),
            format!("/_vitrine/messages/{wamid}/read"),
            json!({}),
        )
    });
    let rs = join_all(reads).await;
    assert_eq!(statuses(&rs), vec![200; 10], "{:?}", rs.first());
    let first = rs[0].body.clone();
    assert!(
        rs.iter().all(|r| r.body == first),
        "one read, reported alike: {rs:?}"
    );
    n.at(0)
        .post_json("/_vitrine/clock/advance", json!({ "seconds": 60 }))
        .await;
    let rows = n
        .at(0)
        .wait_webhooks(&format!("wamid={wamid}"), |w| {
            w.iter().any(|h| h["message_status"] == "read")
        })
        .await;
    let read = rows
        .iter()
        .filter(|h| h["message_status"] == "read")
        .count();
    assert_eq!(read, 1, "{rows:?}");
}
