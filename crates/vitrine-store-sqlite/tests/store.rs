//! The SQLite store on its own: group commit keeps good writes when one write in the batch fails,
//! and the outbox claim leases rows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use vitrine_core::clock::Millis;
use vitrine_core::message::{MessageRecord, Outgoing};
use vitrine_core::model::Token;
use vitrine_core::seed;
use vitrine_core::store::{DirectoryStore, MessageStore, StoreError, WebhookStore};
use vitrine_core::webhook::{AfterAttempt, Attempt, EventType, NewWebhook, Outbox};
use vitrine_store_sqlite::SqliteStore;

fn message(wamid: &str) -> MessageRecord {
    MessageRecord {
        wamid: wamid.to_owned(),
        phone_number_id: seed::PHONE_NUMBER_ID.to_owned(),
        waba_id: seed::WABA_ID.to_owned(),
        wa_id: seed::CUSTOMER_WA_ID.to_owned(),
        to_input: seed::CUSTOMER_WA_ID.to_owned(),
        content: Outgoing::Text {
            body: "hi".into(),
            preview_url: false,
            catalog_link: None,
        },
        products: vec![],
        dropped_retailer_ids: vec![],
        context_message_id: None,
        biz_opaque_callback_data: None,
        api_version: "v23.0".into(),
        created_at: Millis(1_000),
    }
}

fn webhook(wamid: &str, due: i64) -> NewWebhook {
    NewWebhook {
        app_id: seed::APP_ID.into(),
        waba_id: seed::WABA_ID.into(),
        url: "http://127.0.0.1:1/hook".into(),
        event_type: EventType::Status,
        wamid: Some(wamid.into()),
        status: None,
        body: b"{}".to_vec(),
        signature_256: "sha256=x".into(),
        signature_1: "sha1=x".into(),
        due_at: Millis(due),
    }
}

#[tokio::test]
async fn a_failing_write_does_not_take_its_batch_down() {
    let store = Arc::new(SqliteStore::open("sqlite::memory:").await.unwrap());
    store.seed(&seed::demo("http://x")).await.unwrap();
    let dup = Token {
        token: seed::ACCESS_TOKEN.into(),
        business_id: seed::BUSINESS_ID.into(),
        app_id: seed::APP_ID.into(),
        scopes: Default::default(),
        expires_at: None,
    };
    // Submitted together, so the writer commits them as one batch.
    let mut tasks = vec![];
    for i in 0..20 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.insert_message(&message(&format!("wamid.{i}")), &Outbox::default())
                .await
        }));
    }
    let s = store.clone();
    let bad = tokio::spawn(async move { s.insert_token(&dup).await });
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert!(matches!(bad.await.unwrap(), Err(StoreError::Conflict(_))));
    for i in 0..20 {
        assert!(store
            .get_message(&format!("wamid.{i}"))
            .await
            .unwrap()
            .is_some());
    }
    // A duplicate wamid is refused, not overwritten.
    let again = store
        .insert_message(&message("wamid.3"), &Outbox::default())
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
}

#[tokio::test]
async fn claims_lease_due_rows_once() {
    let store = SqliteStore::open("sqlite::memory:").await.unwrap();
    store.seed(&seed::demo("http://x")).await.unwrap();
    let outbox = Outbox {
        statuses: vec![],
        webhooks: vec![webhook("w", 100), webhook("w", 5_000)],
    };
    store.insert_message(&message("w"), &outbox).await.unwrap();
    assert_eq!(store.next_webhook_due().await.unwrap(), Some(Millis(100)));
    // Only the due one, and only once while leased.
    let first = store
        .claim_due_webhooks(Millis(200), 0, 10_000, 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert!(store
        .claim_due_webhooks(Millis(200), 5_000, 20_000, 10)
        .await
        .unwrap()
        .is_empty());
    // After the lease runs out (wall time), another dispatcher may take it.
    let again = store
        .claim_due_webhooks(Millis(200), 10_001, 20_000, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    let attempt = Attempt {
        number: 1,
        at: Millis(300),
        http_status: Some(200),
        latency_ms: 1,
        response: None,
        error: None,
    };
    store
        .record_attempt(again[0].id, &attempt, AfterAttempt::Delivered)
        .await
        .unwrap();
    assert!(
        store
            .claim_due_webhooks(Millis(10_000), 99_999, 100_000, 10)
            .await
            .unwrap()
            .len()
            == 1
    );
    let (rec, attempts) = store.get_webhook(again[0].id).await.unwrap().unwrap();
    assert_eq!(rec.attempt_count, 1);
    assert_eq!(attempts.len(), 1);
    assert!(store
        .redeliver_webhook(again[0].id, Millis(20_000))
        .await
        .unwrap());
    assert!(!store
        .redeliver_webhook(424242, Millis(20_000))
        .await
        .unwrap());
    store.close().await;
}
