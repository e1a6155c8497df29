//! GET /_vitrine/metrics: Prometheus' text format, the names and types of every metric, counters
//! that move with sends, webhook attempts, limits and the change log, and the /_vitrine/ guard.
//! Manual apps: nothing runs in the background, so every value read is exact.

use crate::support::receiver::{Behaviour as Rx, Receiver};
use crate::support::*;
use serde_json::json;
use vitrine_core::settings::Behaviour;
use vitrine_core::webhook::schedule::WebhookSettings;

/// The exposition, read whole.
struct Scrape(String);

impl Scrape {
    /// The value of one series, spelled as in the exposition (`name{label="v",…}`), if present.
    fn value(&self, series: &str) -> Option<f64> {
        self.0
            .lines()
            .filter(|l| !l.starts_with('#'))
            .find_map(|l| {
                let (name, value) = l.rsplit_once(' ')?;
                (name == series).then(|| value.parse().unwrap())
            })
    }

    /// A series' value, 0 when it is not there yet.
    fn get(&self, series: &str) -> f64 {
        self.value(series).unwrap_or(0.0)
    }
}

async fn scrape(app: &TestApp) -> Scrape {
    let r = app.get("/_vitrine/metrics").await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    Scrape(r.text)
}

const SEND: &str = "/{version}/{phone_number_id}/messages";

#[tokio::test]
async fn metrics_are_named_and_typed_in_prometheus_text_format() {
    let app = spawn_app().await;
    // Requests are counted once answered: the first scrape shows none, the second the first.
    scrape(&app).await;
    let s = scrape(&app).await;
    for (name, kind) in [
        ("vitrine_http_requests_total", "counter"),
        ("vitrine_http_request_duration_seconds", "histogram"),
        ("vitrine_send_duration_seconds", "histogram"),
        ("vitrine_messages_accepted_total", "counter"),
        ("vitrine_store_commit_batch_size", "histogram"),
        ("vitrine_store_commit_duration_seconds", "histogram"),
        ("vitrine_webhook_attempts_total", "counter"),
        ("vitrine_webhook_attempt_duration_seconds", "histogram"),
        ("vitrine_webhooks_pending", "gauge"),
        ("vitrine_webhooks_handed_over_total", "counter"),
        ("vitrine_limiter_rejections_total", "counter"),
        ("vitrine_changelog_lag", "gauge"),
    ] {
        assert!(
            s.0.contains(&format!("\n# TYPE {name} {kind}\n")),
            "no `# TYPE {name} {kind}` in:\n{}",
            s.0
        );
        assert!(
            s.0.contains(&format!("# HELP {name} ")),
            "no help for {name}"
        );
    }
    // Prometheus' format, not OpenMetrics': no `# EOF`.
    assert!(!s.0.contains("# EOF"), "{}", s.0);
    // The first scrape was counted by its template.
    assert_eq!(
        s.value(
            r#"vitrine_http_requests_total{route="/_vitrine/metrics",method="GET",status="200"}"#
        ),
        Some(1.0),
        "{}",
        s.0
    );
    // Series of known label values are there from the start, at 0.
    for series in [
        r#"vitrine_messages_accepted_total{type="text"}"#,
        r#"vitrine_messages_accepted_total{type="product_list"}"#,
        r#"vitrine_messages_accepted_total{type="image"}"#,
        r#"vitrine_webhook_attempts_total{outcome="delivered"}"#,
        r#"vitrine_webhook_attempts_total{outcome="failed"}"#,
        r#"vitrine_webhook_attempts_total{outcome="gave_up"}"#,
        r#"vitrine_limiter_rejections_total{limit="throughput",code="130429"}"#,
        r#"vitrine_limiter_rejections_total{limit="pair",code="131056"}"#,
        r#"vitrine_send_duration_seconds_count{outcome="accepted"}"#,
        r#"vitrine_send_duration_seconds_count{outcome="refused"}"#,
    ] {
        assert_eq!(s.value(series), Some(0.0), "{series}");
    }
    // The node's own lag, and nothing pending in a fresh sandbox without a callback.
    let node = &app.sandbox.node_id;
    assert_eq!(
        s.value(&format!(r#"vitrine_changelog_lag{{node="{node}"}}"#)),
        Some(0.0)
    );
    assert_eq!(s.value("vitrine_webhooks_pending"), Some(0.0), "{}", s.0);
}

#[tokio::test]
async fn a_send_and_its_webhooks_move_the_counters() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    let before = scrape(&app).await;
    let batches = before.get("vitrine_store_commit_batch_size_count");

    let wamid = app.post_message(text("hi")).await.wamid();
    let s = scrape(&app).await;
    assert_eq!(
        s.get(&format!(
            r#"vitrine_http_requests_total{{route="{SEND}",method="POST",status="200"}}"#
        )),
        1.0,
        "{}",
        s.0
    );
    assert_eq!(
        s.get(&format!(
            r#"vitrine_http_request_duration_seconds_count{{route="{SEND}",method="POST"}}"#
        )),
        1.0
    );
    assert_eq!(
        s.get(r#"vitrine_messages_accepted_total{type="text"}"#),
        1.0
    );
    assert_eq!(
        s.get(r#"vitrine_send_duration_seconds_count{outcome="accepted"}"#),
        1.0
    );
    assert!(
        s.get("vitrine_store_commit_batch_size_count") > batches,
        "the message was written by the group-commit writer"
    );
    assert!(s.get("vitrine_store_commit_batch_size_sum") >= 1.0);
    assert_eq!(
        s.get("vitrine_store_commit_batch_size_count"),
        s.get("vitrine_store_commit_duration_seconds_count")
    );
    // `sent` and `delivered`, not due yet.
    assert_eq!(s.value("vitrine_webhooks_pending"), Some(2.0), "{}", s.0);
    // Ids never become labels.
    assert!(!s.0.contains(PHONE), "{}", s.0);

    // A /_vitrine/ route is counted by its template too.
    app.stored(&wamid).await;
    let s = scrape(&app).await;
    assert_eq!(
        s.get(r#"vitrine_http_requests_total{route="/_vitrine/messages/{wamid}",method="GET",status="200"}"#),
        1.0,
        "{}",
        s.0
    );
    assert!(!s.0.contains(&wamid));

    assert_eq!(app.tick_and_run(1_000).await, 2);
    assert_eq!(rx.received().len(), 2);
    let s = scrape(&app).await;
    assert_eq!(
        s.get(r#"vitrine_webhook_attempts_total{outcome="delivered"}"#),
        2.0,
        "{}",
        s.0
    );
    assert_eq!(
        s.get(r#"vitrine_webhook_attempt_duration_seconds_count{outcome="delivered"}"#),
        2.0
    );
    assert_eq!(
        s.get(r#"vitrine_webhook_attempts_total{outcome="failed"}"#),
        0.0
    );
    assert_eq!(s.value("vitrine_webhooks_pending"), Some(0.0));
}

#[tokio::test]
async fn failed_attempts_and_giving_up_are_counted_apart() {
    let rx = Receiver::start(Rx {
        fail_first: 100,
        ..Default::default()
    })
    .await;
    let app = spawn_with(Options {
        behaviour: Behaviour {
            webhooks: WebhookSettings {
                retry_schedule_s: vec![10],
                give_up_after_s: 15,
                ..Default::default()
            },
            ..Behaviour::default()
        },
        ..Default::default()
    })
    .await;
    app.set_webhook(&rx.url).await;
    app.post_message(text("hi")).await.wamid();
    // First attempts fail; another comes 10 s later, within the 15 s allowed.
    assert_eq!(app.tick_and_run(1_000).await, 2);
    let s = scrape(&app).await;
    assert_eq!(
        s.get(r#"vitrine_webhook_attempts_total{outcome="failed"}"#),
        2.0,
        "{}",
        s.0
    );
    assert_eq!(
        s.get(r#"vitrine_webhook_attempts_total{outcome="gave_up"}"#),
        0.0
    );
    assert_eq!(s.value("vitrine_webhooks_pending"), Some(2.0));
    // The second attempts fail too, and a third would come too late: given up.
    assert_eq!(app.tick_and_run(10_000).await, 2);
    let s = scrape(&app).await;
    assert_eq!(
        s.get(r#"vitrine_webhook_attempts_total{outcome="gave_up"}"#),
        2.0,
        "{}",
        s.0
    );
    assert_eq!(
        s.get(r#"vitrine_webhook_attempts_total{outcome="failed"}"#),
        2.0
    );
    assert_eq!(
        s.get(r#"vitrine_webhook_attempts_total{outcome="delivered"}"#),
        0.0
    );
    assert_eq!(s.value("vitrine_webhooks_pending"), Some(0.0));
}

#[tokio::test]
async fn limiter_rejections_are_counted() {
    let app = spawn_app().await;
    let r = app
        .post_json(
            &format!("/_vitrine/phone_numbers/{PHONE}/throughput"),
            json!({ "mps": 1 }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    // The manual clock stands still: the second send of this second is over the budget.
    app.post_message(text("one")).await.wamid();
    let r = app.post_message(text("two")).await;
    assert_eq!(r.body["error"]["code"], 130429, "{}", r.text);
    let s = scrape(&app).await;
    assert_eq!(
        s.get(r#"vitrine_limiter_rejections_total{limit="throughput",code="130429"}"#),
        1.0,
        "{}",
        s.0
    );
    assert_eq!(
        s.get(&format!(
            r#"vitrine_http_requests_total{{route="{SEND}",method="POST",status="429"}}"#
        )),
        1.0
    );
    assert_eq!(
        s.get(r#"vitrine_send_duration_seconds_count{outcome="refused"}"#),
        1.0
    );
    assert_eq!(
        s.get(r#"vitrine_messages_accepted_total{type="text"}"#),
        1.0
    );
}

/// A change logged by another writer (here: straight into the store) is lag until this node
/// follows the log.
#[tokio::test]
async fn changelog_lag_is_what_this_node_has_not_applied() {
    let app = spawn_app().await;
    let series = format!(r#"vitrine_changelog_lag{{node="{}"}}"#, app.sandbox.node_id);
    assert_eq!(scrape(&app).await.value(&series), Some(0.0));
    for _ in 0..2 {
        let commit = vitrine_core::store::Commit {
            changes: vec![vitrine_core::directory::DirectoryChange::Clock(
                app.sandbox.clock.state(),
            )],
            ..Default::default()
        };
        app.store.commit(&commit).await.unwrap();
    }
    assert_eq!(scrape(&app).await.value(&series), Some(2.0));
    app.run_due().await;
    assert_eq!(scrape(&app).await.value(&series), Some(0.0));
}

#[tokio::test]
async fn the_metrics_are_guarded_like_the_rest_of_the_sandbox_api() {
    let app = spawn_app().await;
    for (name, value) in [
        ("x-forwarded-for", "203.0.113.7"),
        ("forwarded", "for=203.0.113.7;proto=https"),
    ] {
        let r = app
            .send(
                app.client
                    .get(app.url("/_vitrine/metrics"))
                    .header(name, value),
            )
            .await;
        assert_eq!(r.status.as_u16(), 403, "{name}: {}", r.text);
        assert_eq!(r.body["error"]["code"], "forbidden");
    }
    // The refusals were counted, by their template.
    let s = scrape(&app).await;
    assert_eq!(
        s.get(
            r#"vitrine_http_requests_total{route="/_vitrine/metrics",method="GET",status="403"}"#
        ),
        2.0,
        "{}",
        s.0
    );

    let app = spawn_with(Options {
        admin_token: Some("s3cret".into()),
        ..Default::default()
    })
    .await;
    let r = app.get("/_vitrine/metrics").await;
    assert_eq!(r.status.as_u16(), 401, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "unauthorized");
    let r = app
        .send(
            app.client
                .get(app.url("/_vitrine/metrics"))
                .bearer_auth("s3cret"),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    assert!(r
        .text
        .contains("# TYPE vitrine_http_requests_total counter"));
}

/// Whatever a request's fate, its route label is a template: a Graph request refused before its
/// node is known goes by its path's shape, one that reached its endpoint by the endpoint's.
#[tokio::test]
async fn every_request_counts_under_a_template() {
    let app = spawn_app().await;
    let bad_token = app.post_message_as(PHONE, "not-a-token", text("hi")).await;
    assert_eq!(bad_token.status.as_u16(), 401, "{}", bad_token.text);
    let r = app
        .send(
            app.client
                .get(app.url(&format!("/{PHONE}")))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let r = app
        .send(
            app.client
                .get(app.url("/v23.0/999999999/nonsense"))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    let r = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{CATALOG}/products")))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    assert_eq!(app.get("/_vitrine/nope").await.status.as_u16(), 404);
    let s = scrape(&app).await;
    for series in [
        format!(r#"vitrine_http_requests_total{{route="{SEND}",method="POST",status="401"}}"#),
        r#"vitrine_http_requests_total{route="/{version}/{phone_number_id}",method="GET",status="200"}"#.to_owned(),
        r#"vitrine_http_requests_total{route="/{version}/{node_id}/{edge}",method="GET",status="400"}"#.to_owned(),
        r#"vitrine_http_requests_total{route="/{version}/{catalog_id}/products",method="GET",status="200"}"#.to_owned(),
        r#"vitrine_http_requests_total{route="unmatched",method="GET",status="404"}"#.to_owned(),
    ] {
        assert_eq!(s.value(&series), Some(1.0), "{series} in:\n{}", s.0);
    }
    for id in [PHONE, CATALOG, "999999999", "nonsense", "nope"] {
        assert!(!s.0.contains(id), "{id} in:\n{}", s.0);
    }
}
