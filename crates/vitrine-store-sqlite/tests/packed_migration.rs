//! A database written before migration 0004 (whole records, statuses by wamid, webhooks with
//! their bytes in columns) reads as it did once migrated, beside rows written packed.

#![allow(clippy::unwrap_used)]

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::SqlitePool;
use std::path::Path;
use std::str::FromStr;
use vitrine_core::clock::Millis;
use vitrine_core::message::{MessageQuery, ProductSnapshot};
use vitrine_core::seed;
use vitrine_core::settings::Retention;
use vitrine_core::store::conformance::{message, webhook};
use vitrine_core::store::{Lifecycle, MediaStore, MessageStore, WebhookStore};
use vitrine_core::webhook::{MessageStatus, Outbox, StatusEvent, WebhookQuery};
use vitrine_store_sqlite::SqliteStore;

#[tokio::test]
async fn rows_from_before_0004_read_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("migrations");
    std::fs::create_dir(&old).unwrap();
    let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(&all).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() < "0004" {
            std::fs::copy(&path, old.join(&name)).unwrap();
        }
    }
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let pool = SqlitePool::connect_with(
        SqliteConnectOptions::from_str(&url)
            .unwrap()
            .create_if_missing(true),
    )
    .await
    .unwrap();
    sqlx::migrate::Migrator::new(old.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();

    // The rows as the version before wrote them.
    let demo = seed::demo("http://x");
    let mut old_record = message("wamid.OLD", "111", 5);
    old_record.products = vec![ProductSnapshot::from(&demo.products[1])];
    sqlx::query(
        "INSERT INTO messages (wamid, phone_number_id, wa_id, created_at, record) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&old_record.wamid)
    .bind(&old_record.phone_number_id)
    .bind(&old_record.wa_id)
    .bind(old_record.created_at.0)
    .bind(serde_json::to_string(&old_record).unwrap())
    .execute(&pool)
    .await
    .unwrap();
    for (status, at) in [("sent", 6), ("delivered", 7)] {
        sqlx::query("INSERT INTO message_statuses (wamid, status, at) VALUES ($1, $2, $3)")
            .bind("wamid.OLD")
            .bind(status)
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
    }
    let old_hook = webhook("wamid.OLD", MessageStatus::Sent, 6);
    sqlx::query(
        "INSERT INTO webhooks (app_id, waba_id, url, event_type, wamid, status, body, \
         signature_256, signature_1, state, attempt_count, due_at, next_attempt_at) \
         VALUES ($1, $2, $3, 'status', $4, 'sent', $5, $6, $7, 'pending', 0, 6, 6)",
    )
    .bind(&old_hook.app_id)
    .bind(&old_hook.waba_id)
    .bind(&old_hook.url)
    .bind(&old_hook.wamid)
    .bind(&old_hook.body)
    .bind(&old_hook.signature_256)
    .bind(&old_hook.signature_1)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let store = SqliteStore::open(&url).await.unwrap();
    let mut new_record = message("wamid.NEW", "111", 8);
    new_record.products = old_record.products.clone();
    let new_hook = webhook("wamid.NEW", MessageStatus::Sent, 9);
    store
        .insert_message(
            &new_record,
            &Outbox {
                statuses: vec![StatusEvent {
                    wamid: "wamid.NEW".into(),
                    status: MessageStatus::Sent,
                    at: Millis(9),
                    errors: vec![],
                }],
                webhooks: vec![new_hook.clone()],
            },
            &[],
        )
        .await
        .unwrap();

    assert_eq!(
        store.get_message(&"wamid.OLD".into()).await.unwrap(),
        Some(old_record.clone())
    );
    let page = store
        .list_messages(&MessageQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let listed: Vec<_> = page.items.into_iter().map(|(_, m)| m).collect();
    assert_eq!(listed, vec![new_record, old_record]);
    // Only a message written since migration 0005 has its place in the order of acceptance;
    // the old one is ordered by its time.
    let order = store
        .message_order(&["wamid.OLD".into(), "wamid.NEW".into()])
        .await
        .unwrap();
    assert_eq!(order.keys().collect::<Vec<_>>(), vec!["wamid.NEW"]);
    let statuses: Vec<_> = store
        .message_statuses(&"wamid.OLD".into())
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.status, s.at.0))
        .collect();
    assert_eq!(
        statuses,
        vec![(MessageStatus::Sent, 6), (MessageStatus::Delivered, 7)]
    );

    // Webhooks of both kinds, found by wamid, claimed with their bytes.
    for (wamid, hook) in [("wamid.OLD", &old_hook), ("wamid.NEW", &new_hook)] {
        let page = store
            .list_webhooks(&WebhookQuery {
                wamid: Some(wamid.into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1, "{wamid}");
        let w = &page.items[0];
        assert_eq!(w.wamid.as_ref().map(|w| w.as_str()), Some(wamid));
        assert_eq!(w.body.as_bytes(), hook.body.as_slice());
        assert_eq!(
            (w.signature_256.as_str(), w.signature_1.as_str()),
            (hook.signature_256.as_str(), hook.signature_1.as_str())
        );
    }
    let claimed = store
        .claim_due_webhooks(Millis(10), 0, 1, 10)
        .await
        .unwrap();
    let mut bodies: Vec<_> = claimed.iter().map(|c| c.body.clone()).collect();
    bodies.sort();
    assert_eq!(bodies, vec![new_hook.body.clone(), old_hook.body.clone()]);

    // A final status of an old message is written once, and its statuses go with it.
    let read = Outbox {
        statuses: vec![StatusEvent {
            wamid: "wamid.OLD".into(),
            status: MessageStatus::Read,
            at: Millis(8),
            errors: vec![],
        }],
        webhooks: vec![],
    };
    assert!(store
        .append_final_status(&"wamid.OLD".into(), &read)
        .await
        .unwrap());
    assert!(!store
        .append_final_status(&"wamid.OLD".into(), &read)
        .await
        .unwrap());
    assert_eq!(
        store
            .message_statuses(&"wamid.OLD".into())
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        store
            .prune_logs(Retention::Count(1), Millis(100), 10)
            .await
            .unwrap(),
        1
    );
    assert!(store
        .get_message(&"wamid.OLD".into())
        .await
        .unwrap()
        .is_none());
    assert!(store
        .message_statuses(&"wamid.OLD".into())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .message_statuses(&"wamid.NEW".into())
            .await
            .unwrap()
            .len(),
        1
    );
    vitrine_core::store::Lifecycle::close(&store).await;
}

/// Packed webhooks written before their wamids were keyed in order kept the hash as their key:
/// they are still found by wamid.
#[tokio::test]
async fn webhooks_keyed_by_hash_are_still_found_by_wamid() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("v.db").display());
    let store = SqliteStore::open(&url).await.unwrap();
    let ids = vitrine_core::ids::IdGen::seeded(9);
    let wamid = ids.wamid(
        &"16505550123".into(),
        vitrine_core::ids::Direction::Outbound,
    );
    let new_hook = webhook(wamid.as_str(), MessageStatus::Delivered, 9);
    store
        .append_outbox(&Outbox {
            statuses: vec![],
            webhooks: vec![new_hook],
        })
        .await
        .unwrap();
    store.close().await;

    let pool = SqlitePool::connect(&url).await.unwrap();
    let old_hook = webhook(wamid.as_str(), MessageStatus::Sent, 6);
    sqlx::query(
        "INSERT INTO webhooks (app_id, waba_id, url, event_type, status, body, signature_256, \
         signature_1, state, attempt_count, due_at, next_attempt_at, packed, wamid_key) \
         VALUES ($1, $2, $3, 'status', 'sent', x'', '', '', 'pending', 0, 6, 6, $4, $5)",
    )
    .bind(&old_hook.app_id)
    .bind(&old_hook.waba_id)
    .bind(&old_hook.url)
    .bind(vitrine_core::store::packed::pack_webhook(&old_hook))
    .bind(vitrine_core::store::packed::hashed_wamid_key(&wamid))
    .execute(&pool)
    .await
    .unwrap();
    let keys: Vec<i64> = sqlx::query_scalar("SELECT wamid_key FROM webhooks ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        keys,
        vec![
            vitrine_core::store::packed::wamid_key(&wamid),
            vitrine_core::store::packed::hashed_wamid_key(&wamid)
        ]
    );
    pool.close().await;

    let store = SqliteStore::open(&url).await.unwrap();
    let page = store
        .list_webhooks(&WebhookQuery {
            wamid: Some(wamid.clone()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let statuses: Vec<_> = page.items.iter().map(|w| w.status).collect();
    assert_eq!(
        statuses,
        vec![Some(MessageStatus::Sent), Some(MessageStatus::Delivered)]
    );
    store.close().await;
}
