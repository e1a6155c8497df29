//! The store conformance suite: every store operation, run against each backend by that backend's
//! own tests (`cargo test -p vitrine-store-sqlite`, `-p vitrine-store-postgres`). A new store
//! operation gets its case here, once.
//!
//! Its length: one case per store operation, kept together so that a new operation's case is
//! written next to the others.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::{Commit, CommitOutcome, Store, StoreError, StoreResult};
use crate::clock::{ClockState, Millis};
use crate::directory::DirectoryChange;
use crate::id::Wamid;
use crate::message::{MessageQuery, MessageRecord, Outgoing};
use crate::model::{AppSubscription, Scope, Token, WabaSubscription};
use crate::seed;
use crate::webhook::{
    AfterAttempt, Attempt, AttemptRecord, DeliveryState, EventType, MessageStatus, NewWebhook,
    Outbox, StatusEvent, WebhookQuery,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Makes a fresh, empty store for one case.
pub type Factory =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Arc<dyn Store>> + Send>> + Send + Sync>;

/// Runs every case, each on a fresh store.
pub async fn run_all(factory: Factory) {
    for (name, case) in cases() {
        let store = factory().await;
        eprintln!("store conformance: {name}");
        case(store.clone()).await;
        store.close().await;
    }
}

/// Commits one change that depends on nothing read; its change-log number.
async fn change(store: &Arc<dyn Store>, change: DirectoryChange) -> StoreResult<i64> {
    let commit = Commit {
        changes: vec![change],
        ..Commit::default()
    };
    match store.commit(&commit).await? {
        CommitOutcome::Committed(Some(seq)) => Ok(seq),
        other => panic!("unexpected {other:?}"),
    }
}

type Case = fn(Arc<dyn Store>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

fn cases() -> Vec<(&'static str, Case)> {
    vec![
        ("seed_and_load_directory", |s| {
            Box::pin(seed_and_load_directory(s))
        }),
        ("a_catalog_of_several_pages", |s| {
            Box::pin(a_catalog_of_several_pages(s))
        }),
        ("tokens", |s| Box::pin(tokens(s))),
        ("subscriptions", |s| Box::pin(subscriptions(s))),
        ("change_log_clock_and_products", |s| {
            Box::pin(change_log_clock_and_products(s))
        }),
        ("heartbeats_count_live_nodes", |s| {
            Box::pin(heartbeats_count_live_nodes(s))
        }),
        ("templates_move_once", |s| Box::pin(templates_move_once(s))),
        ("commits_compare_and_set", |s| {
            Box::pin(commits_compare_and_set(s))
        }),
        ("concurrent_commits_one_wins", |s| {
            Box::pin(concurrent_commits_one_wins(s))
        }),
        ("one_final_status_per_message", |s| {
            Box::pin(one_final_status_per_message(s))
        }),
        ("failed_when_accepted_is_final", |s| {
            Box::pin(failed_when_accepted_is_final(s))
        }),
        ("messages_and_paging", |s| Box::pin(messages_and_paging(s))),
        ("messages_in_accepted_order", |s| {
            Box::pin(messages_in_accepted_order(s))
        }),
        ("messages_keep_products_as_sent", |s| {
            Box::pin(messages_keep_products_as_sent(s))
        }),
        ("statuses_in_time_order", |s| {
            Box::pin(statuses_in_time_order(s))
        }),
        ("failing_write_keeps_its_batch", |s| {
            Box::pin(failing_write_keeps_its_batch(s))
        }),
        ("claims_lease_due_rows_once", |s| {
            Box::pin(claims_lease_due_rows_once(s))
        }),
        ("inserts_leased_for_the_handover", |s| {
            Box::pin(inserts_leased_for_the_handover(s))
        }),
        ("attempts_retry_dead_redeliver", |s| {
            Box::pin(attempts_retry_dead_redeliver(s))
        }),
        ("attempts_recorded_together", |s| {
            Box::pin(attempts_recorded_together(s))
        }),
        ("webhook_log_filters", |s| Box::pin(webhook_log_filters(s))),
        ("logs_pruned_past_retention", |s| {
            Box::pin(logs_pruned_past_retention(s))
        }),
        ("thread_reads_only_move_forward", |s| {
            Box::pin(thread_reads_only_move_forward(s))
        }),
        ("peer_messages_between_two", |s| {
            Box::pin(peer_messages_between_two(s))
        }),
        ("media_chunks_copy_purge", |s| {
            Box::pin(media_chunks_copy_purge(s))
        }),
    ]
}

async fn peer_messages_between_two(store: Arc<dyn Store>) {
    let peer = |id: &str, from: &str, to: &str, at: i64| crate::forward::PeerMessage {
        id: id.to_owned(),
        from: from.into(),
        to: to.into(),
        created_at: Millis(at),
        forwards: 1,
        content: crate::forward::Forwarded::Customer {
            content: crate::inbound::Incoming::Text { body: "hé".into() },
        },
    };
    assert_eq!(store.peer_messages_version().await.unwrap(), 0);
    let a = peer("p1", "1", "2", 10);
    let b = peer("p2", "2", "1", 20);
    let c = peer("p3", "1", "3", 30);
    store
        .insert_peer_messages(&[a.clone(), b.clone(), c.clone()])
        .await
        .unwrap();
    assert_eq!(store.get_peer_message("p2").await.unwrap(), Some(b.clone()));
    assert_eq!(store.get_peer_message("p9").await.unwrap(), None);
    assert_eq!(
        store
            .list_peer_messages(&"2".into(), &"1".into(), 10)
            .await
            .unwrap(),
        vec![a.clone(), b]
    );
    assert_eq!(
        store
            .list_peer_messages(&"1".into(), &"2".into(), 1)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store.peer_chats(&"1".into()).await.unwrap(),
        vec![("3".into(), 30), ("2".into(), 20)]
    );
    assert!(store.peer_messages_version().await.unwrap() > 0);
    assert!(store.insert_peer_messages(&[a]).await.is_err());
}

async fn thread_reads_only_move_forward(store: Arc<dyn Store>) {
    let none = store.thread_reads(&"p".into(), &"c".into()).await.unwrap();
    assert_eq!(none, crate::inbound::ThreadReads::default());
    let v0 = store.thread_reads_version().await.unwrap();
    store
        .mark_thread_read(&"p".into(), &"c".into(), 100, Some(7))
        .await
        .unwrap();
    store
        .mark_thread_read(&"p".into(), &"c".into(), 50, None)
        .await
        .unwrap();
    let r = store.thread_reads(&"p".into(), &"c".into()).await.unwrap();
    assert_eq!(r.read_up_to, Some(100));
    assert_eq!(r.typing_at, Some(7));
    store
        .mark_thread_read(&"p".into(), &"c".into(), 200, Some(9))
        .await
        .unwrap();
    let r = store.thread_reads(&"p".into(), &"c".into()).await.unwrap();
    assert_eq!((r.read_up_to, r.typing_at), (Some(200), Some(9)));
    assert!(store.thread_reads_version().await.unwrap() > v0);
    assert_eq!(
        store
            .thread_reads(&"p".into(), &"other".into())
            .await
            .unwrap()
            .read_up_to,
        None
    );
}

fn media(id: &str, expires: i64) -> crate::media::MediaRecord {
    crate::media::MediaRecord {
        id: id.into(),
        phone_number_id: seed::PHONE_NUMBER_ID.into(),
        mime_type: "application/octet-stream".to_owned(),
        sha256: String::new(),
        file_size: 0,
        filename: Some("a.pdf".to_owned()),
        animated: false,
        origin: crate::media::MediaOrigin::Upload,
        created_at: Millis(1),
        expires_at: Millis(expires),
        url_secret: "s".to_owned(),
    }
}

async fn media_chunks_copy_purge(store: Arc<dyn Store>) {
    let mut m = media("1000", 10_000);
    store.begin_media(&m, 50).await.unwrap();
    store
        .put_media_chunk(&"1000".into(), 0, vec![1; 3])
        .await
        .unwrap();
    store
        .put_media_chunk(&"1000".into(), 1, vec![2; 2])
        .await
        .unwrap();
    // Invisible until finished.
    assert!(store.get_media(&"1000".into()).await.unwrap().is_none());
    m.mime_type = "application/pdf".to_owned();
    m.sha256 = "ab".to_owned();
    m.file_size = 5;
    store.finish_media(&m).await.unwrap();
    assert_eq!(
        store.get_media(&"1000".into()).await.unwrap(),
        Some(m.clone())
    );
    assert!(matches!(
        store.finish_media(&m).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.media_chunk(&"1000".into(), 1).await.unwrap(),
        Some(vec![2; 2])
    );
    assert_eq!(store.media_chunk(&"1000".into(), 2).await.unwrap(), None);
    // A copy has the bytes under its own id, and outlives the original.
    let mut copy = m.clone();
    copy.id = "2000".into();
    copy.expires_at = Millis(90_000);
    assert!(store.copy_media(&"1000".into(), &copy).await.unwrap());
    assert!(!store.copy_media(&"404".into(), &copy).await.unwrap());
    assert_eq!(
        store.media_chunk(&"2000".into(), 0).await.unwrap(),
        Some(vec![1; 3])
    );
    // An upload left unfinished and an expired media are purged; the rest stays.
    store.begin_media(&media("3000", 99_000), 10).await.unwrap();
    store
        .put_media_chunk(&"3000".into(), 0, vec![3])
        .await
        .unwrap();
    assert_eq!(store.purge_media(Millis(9_999), 5, 10).await.unwrap(), 0);
    assert_eq!(store.purge_media(Millis(10_000), 20, 10).await.unwrap(), 2);
    assert!(store.get_media(&"1000".into()).await.unwrap().is_none());
    assert_eq!(store.media_chunk(&"1000".into(), 0).await.unwrap(), None);
    assert_eq!(store.media_chunk(&"3000".into(), 0).await.unwrap(), None);
    assert_eq!(store.get_media(&"2000".into()).await.unwrap(), Some(copy));
    assert!(store.delete_media(&"2000".into()).await.unwrap());
    assert!(!store.delete_media(&"2000".into()).await.unwrap());
    assert_eq!(store.media_chunk(&"2000".into(), 0).await.unwrap(), None);
}

pub fn message(wamid: &str, wa_id: &str, created: i64) -> MessageRecord {
    MessageRecord {
        wamid: wamid.into(),
        phone_number_id: seed::PHONE_NUMBER_ID.into(),
        waba_id: seed::WABA_ID.into(),
        wa_id: wa_id.into(),
        to_input: format!("+{wa_id}"),
        content: Outgoing::Text {
            body: "hé".into(),
            preview_url: false,
            catalog_link: None,
        },
        products: vec![],
        dropped_retailer_ids: vec![],
        context_message_id: None,
        biz_opaque_callback_data: Some("opaque".into()),
        api_version: "v23.0".into(),
        created_at: Millis(created),
        pricing: Some(crate::message::Pricing::service()),
    }
}

pub fn webhook(wamid: &str, status: MessageStatus, due: i64) -> NewWebhook {
    NewWebhook {
        app_id: seed::APP_ID.into(),
        waba_id: seed::WABA_ID.into(),
        url: "http://127.0.0.1:1/hook".into(),
        event_type: EventType::Status,
        wamid: Some(wamid.into()),
        status: Some(status),
        body: format!("{{\"wamid\":\"{wamid}\"}}").into_bytes(),
        signature_256: "sha256=a".into(),
        signature_1: "sha1=b".into(),
        due_at: Millis(due),
    }
}

/// The demo customer's text "hi" to the demo number, at sandbox millisecond 5.
fn customer_says_hi(wamid: &str) -> crate::inbound::InboundRecord {
    crate::inbound::InboundRecord {
        wamid: wamid.into(),
        phone_number_id: seed::PHONE_NUMBER_ID.into(),
        waba_id: seed::WABA_ID.into(),
        wa_id: seed::CUSTOMER_WA_ID.into(),
        content: crate::inbound::Incoming::Text { body: "hi".into() },
        context: None,
        created_at: Millis(5),
    }
}

async fn seeded(store: &Arc<dyn Store>) {
    store.seed(&seed::demo("http://x")).await.unwrap();
}

async fn seed_and_load_directory(store: Arc<dyn Store>) {
    assert!(
        store.load_directory().await.unwrap().is_none(),
        "a new store is not seeded"
    );
    let data = seed::demo("http://x");
    store.seed(&data).await.unwrap();
    let loaded = store.load_directory().await.unwrap().unwrap();
    assert_eq!(loaded.last_change, 0);
    assert_eq!(loaded.clock, None);
    let loaded = loaded.data;
    assert_eq!(loaded.businesses.len(), data.businesses.len());
    assert_eq!(loaded.apps, data.apps);
    let mut tokens = loaded.tokens.clone();
    tokens.sort_by(|a, b| a.token.cmp(&b.token));
    let mut expected = data.tokens.clone();
    expected.sort_by(|a, b| a.token.cmp(&b.token));
    assert_eq!(tokens, expected);
    let mut wabas = loaded.wabas.clone();
    wabas.sort_by(|a, b| a.id.cmp(&b.id));
    let mut ew = data.wabas.clone();
    ew.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(wabas, ew);
    let mut phones = loaded.phone_numbers.clone();
    phones.sort_by(|a, b| a.id.cmp(&b.id));
    let mut ep = data.phone_numbers.clone();
    ep.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(phones, ep);
    assert_eq!(loaded.catalogs, data.catalogs);
    assert_eq!(loaded.products, data.products, "products in creation order");
    // Seeding twice is refused, not doubled.
    assert!(store.seed(&data).await.is_err());
}

/// The catalog is read at start-up in pages: every product comes back once, in creation order.
async fn a_catalog_of_several_pages(store: Arc<dyn Store>) {
    let mut data = seed::demo("http://x");
    let model = data.products[0].clone();
    for i in 0..4_500 {
        let mut p = model.clone();
        p.id = format!("9{i:015}").into();
        p.retailer_id = format!("generated-{i}").into();
        p.price = i;
        data.products.push(p);
    }
    store.seed(&data).await.unwrap();
    let loaded = store.load_directory().await.unwrap().unwrap().data;
    assert_eq!(loaded.products.len(), data.products.len());
    assert!(
        loaded.products == data.products,
        "products in creation order"
    );
}

async fn tokens(store: Arc<dyn Store>) {
    seeded(&store).await;
    let t = Token {
        token: "EAAtest".into(),
        business_id: seed::BUSINESS_ID.into(),
        app_id: seed::APP_ID.into(),
        scopes: [Scope::CatalogManagement, Scope::WhatsappBusinessMessaging]
            .into_iter()
            .collect(),
        expires_at: Some(123),
    };
    change(&store, DirectoryChange::Token(t.clone()))
        .await
        .unwrap();
    assert!(matches!(
        change(&store, DirectoryChange::Token(t.clone())).await,
        Err(StoreError::Conflict(_))
    ));
    let loaded = store.load_directory().await.unwrap().unwrap();
    assert!(loaded.data.tokens.contains(&t));
    assert_eq!(
        loaded.last_change, 1,
        "the refused duplicate left no change behind"
    );
}

async fn subscriptions(store: Arc<dyn Store>) {
    seeded(&store).await;
    let mut app = seed::demo("http://x").apps[0].clone();
    app.subscription = Some(AppSubscription {
        callback_url: "http://h/1".into(),
        verify_token: "v".into(),
        fields: vec!["messages".into(), "message_template_status_update".into()],
        version: "v24.0".into(),
    });
    change(&store, DirectoryChange::App(app.clone()))
        .await
        .unwrap();
    let mut waba = seed::demo("http://x").wabas[0].clone();
    waba.subscribed_apps = vec![WabaSubscription {
        app_id: seed::APP_ID.into(),
        override_callback_uri: Some("http://h/2".into()),
        verify_token: Some("w".into()),
    }];
    change(&store, DirectoryChange::Waba(waba.clone()))
        .await
        .unwrap();
    let loaded = store.load_directory().await.unwrap().unwrap().data;
    assert_eq!(loaded.apps[0], app);
    assert_eq!(
        loaded.wabas.iter().find(|w| w.id == waba.id).unwrap(),
        &waba
    );
    app.subscription = None;
    waba.subscribed_apps.clear();
    change(&store, DirectoryChange::App(app.clone()))
        .await
        .unwrap();
    change(&store, DirectoryChange::Waba(waba.clone()))
        .await
        .unwrap();
    let loaded = store.load_directory().await.unwrap().unwrap().data;
    assert_eq!(loaded.apps[0], app);
    assert_eq!(
        loaded.wabas.iter().find(|w| w.id == waba.id).unwrap(),
        &waba
    );
}

async fn change_log_clock_and_products(store: Arc<dyn Store>) {
    assert_eq!(
        store.latest_change().await.unwrap(),
        0,
        "an empty change log"
    );
    seeded(&store).await;
    let demo = seed::demo("http://x");
    let mut product = demo.products[3].clone();
    product.price = 999;
    product.availability = crate::model::Availability::OutOfStock;
    let mut phone = demo.phone_numbers[0].clone();
    phone.commerce.is_catalog_visible = false;
    let clock = ClockState {
        offset_ms: 86_400_000,
        frozen_at: Some(42),
    };
    let changes = vec![
        DirectoryChange::Product(product.clone()),
        DirectoryChange::PhoneNumber(phone.clone()),
        DirectoryChange::Clock(clock),
    ];
    let mut seqs = vec![];
    for c in &changes {
        seqs.push(change(&store, c.clone()).await.unwrap());
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    let log = store.changes_since(0, 100).await.unwrap();
    assert_eq!(
        log.iter().flat_map(|(_, c)| c.clone()).collect::<Vec<_>>(),
        changes
    );
    assert_eq!(store.changes_since(seqs[1], 100).await.unwrap().len(), 1);
    assert_eq!(store.changes_since(0, 2).await.unwrap().len(), 2);
    let loaded = store.load_directory().await.unwrap().unwrap();
    assert_eq!(loaded.last_change, seqs[2]);
    assert_eq!(store.latest_change().await.unwrap(), seqs[2]);
    assert_eq!(loaded.clock, Some(clock));
    assert_eq!(
        loaded.data.products[3], product,
        "an updated product keeps its place"
    );
    assert_eq!(loaded.data.products.len(), demo.products.len());
    assert!(loaded.data.phone_numbers.contains(&phone));
}

async fn heartbeats_count_live_nodes(store: Arc<dyn Store>) {
    assert_eq!(store.heartbeat("a", 10_000, 3_000).await.unwrap(), 1);
    assert_eq!(store.heartbeat("b", 10_500, 3_000).await.unwrap(), 2);
    assert_eq!(store.heartbeat("a", 11_000, 3_000).await.unwrap(), 2);
    // b went quiet.
    assert_eq!(store.heartbeat("a", 14_000, 3_000).await.unwrap(), 1);
}

async fn messages_in_accepted_order(store: Arc<dyn Store>) {
    seeded(&store).await;
    let inbound = |wamid: &str| Commit {
        inbound: Some(customer_says_hi(wamid)),
        ..Commit::default()
    };
    // Both directions in one millisecond, alternating; then many at once (group commits).
    store
        .insert_message(
            &message("b1", seed::CUSTOMER_WA_ID, 5),
            &Outbox::default(),
            &[],
        )
        .await
        .unwrap();
    store.commit(&inbound("c1")).await.unwrap();
    store
        .insert_message(
            &message("b2", seed::CUSTOMER_WA_ID, 5),
            &Outbox::default(),
            &[],
        )
        .await
        .unwrap();
    let mut tasks = vec![];
    for i in 0..20 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.insert_message(
                &message(&format!("m{i}"), seed::CUSTOMER_WA_ID, 5),
                &Outbox::default(),
                &[],
            )
            .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    store.commit(&inbound("c2")).await.unwrap();
    let mut wamids: Vec<Wamid> = ["c2", "b2", "c1", "b1", "nope"]
        .iter()
        .map(|w| Wamid::from(*w))
        .collect();
    wamids.extend((0..20).map(|i| Wamid::from(format!("m{i}"))));
    let order = store.message_order(&wamids).await.unwrap();
    assert_eq!(order.len(), 24, "{order:?}");
    assert!(
        order["b1"] < order["c1"] && order["c1"] < order["b2"],
        "{order:?}"
    );
    let mut numbers: Vec<i64> = (0..20).map(|i| order[format!("m{i}").as_str()]).collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), 20, "one number each: {order:?}");
    assert!(
        numbers[0] > order["b2"] && numbers[19] < order["c2"],
        "{order:?}"
    );
    assert!(store.message_order(&[]).await.unwrap().is_empty());
}

async fn messages_and_paging(store: Arc<dyn Store>) {
    seeded(&store).await;
    for i in 0..7 {
        let wa = if i % 2 == 0 { "111" } else { "222" };
        store
            .insert_message(&message(&format!("w{i}"), wa, i), &Outbox::default(), &[])
            .await
            .unwrap();
    }
    let got = store.get_message(&"w3".into()).await.unwrap().unwrap();
    assert_eq!(got, message("w3", "222", 3));
    assert!(store.get_message(&"nope".into()).await.unwrap().is_none());
    let page = store
        .list_messages(&MessageQuery {
            limit: 3,
            ..Default::default()
        })
        .await
        .unwrap();
    let ids: Vec<_> = page.items.iter().map(|(_, m)| m.wamid.clone()).collect();
    assert_eq!(ids, vec!["w6", "w5", "w4"]);
    assert!(page.has_more);
    let next = store
        .list_messages(&MessageQuery {
            limit: 3,
            before_cursor: Some(page.items[2].0),
            ..Default::default()
        })
        .await
        .unwrap();
    let ids: Vec<_> = next.items.iter().map(|(_, m)| m.wamid.clone()).collect();
    assert_eq!(ids, vec!["w3", "w2", "w1"]);
    // Following: newer than a cursor, oldest first.
    let followed = store
        .list_messages(&MessageQuery {
            limit: 2,
            after_cursor: Some(next.items[0].0),
            ..Default::default()
        })
        .await
        .unwrap();
    let ids: Vec<_> = followed
        .items
        .iter()
        .map(|(_, m)| m.wamid.clone())
        .collect();
    assert_eq!(ids, vec!["w4", "w5"]);
    assert!(followed.has_more);
    let only = store
        .list_messages(&MessageQuery {
            wa_id: Some("222".into()),
            phone_number_id: Some(seed::PHONE_NUMBER_ID.into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(only.items.len(), 3);
    assert!(!only.has_more);
    assert!(matches!(
        store
            .insert_message(&message("w1", "111", 9), &Outbox::default(), &[])
            .await,
        Err(StoreError::Conflict(_))
    ));
}

/// A message shows its products as they were when it was sent, whatever became of them since;
/// messages showing the same version of a product show it alike.
async fn messages_keep_products_as_sent(store: Arc<dyn Store>) {
    seeded(&store).await;
    let demo = seed::demo("http://x");
    let (mug, beans) = (demo.products[1].clone(), demo.products[2].clone());
    let showing = |wamid: &str, at: i64, products: &[&crate::model::Product]| {
        let mut m = message(wamid, "111", at);
        m.products = products
            .iter()
            .map(|p| crate::message::ProductSnapshot::from(*p))
            .collect();
        m.dropped_retailer_ids = vec!["gone".into()];
        m
    };
    let before = showing("w1", 1, &[&mug, &beans, &mug]);
    store
        .insert_message(&before, &Outbox::default(), &[])
        .await
        .unwrap();
    let mut changed = mug.clone();
    changed.name = "Renamed".into();
    changed.price += 100;
    changed.availability = crate::model::Availability::OutOfStock;
    change(&store, DirectoryChange::Product(changed.clone()))
        .await
        .unwrap();
    let after = showing("w2", 2, &[&changed, &beans]);
    let same = showing("w3", 3, &[&beans]);
    store
        .insert_message(&after, &Outbox::default(), &[])
        .await
        .unwrap();
    store
        .insert_message(&same, &Outbox::default(), &[])
        .await
        .unwrap();
    assert_eq!(
        store.get_message(&"w1".into()).await.unwrap().unwrap(),
        before
    );
    assert_eq!(
        store.get_message(&"w2".into()).await.unwrap().unwrap(),
        after
    );
    let page = store
        .list_messages(&MessageQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let listed: Vec<MessageRecord> = page.items.into_iter().map(|(_, m)| m).collect();
    assert_eq!(listed, vec![same, after, before.clone()]);
    assert_eq!(listed[2].products[0].price, mug.price);
    assert_eq!(listed[2].products[0].name, mug.name);
}

async fn statuses_in_time_order(store: Arc<dyn Store>) {
    seeded(&store).await;
    let err = crate::ApiError::new(crate::ErrorKind::MessageUndeliverable).with_details("d");
    let outbox = Outbox {
        statuses: vec![
            StatusEvent {
                wamid: "w".into(),
                status: MessageStatus::Delivered,
                at: Millis(20),
                errors: vec![],
            },
            StatusEvent {
                wamid: "w".into(),
                status: MessageStatus::Sent,
                at: Millis(10),
                errors: vec![],
            },
        ],
        webhooks: vec![],
    };
    store
        .insert_message(&message("w", "111", 1), &outbox, &[])
        .await
        .unwrap();
    let failed = StatusEvent::failed(&"w".into(), Millis(30), &err);
    store
        .append_outbox(&Outbox {
            statuses: vec![failed.clone()],
            webhooks: vec![],
        })
        .await
        .unwrap();
    let got = store.message_statuses(&"w".into()).await.unwrap();
    let order: Vec<_> = got.iter().map(|e| e.status).collect();
    assert_eq!(
        order,
        vec![
            MessageStatus::Sent,
            MessageStatus::Delivered,
            MessageStatus::Failed
        ]
    );
    assert_eq!(got[2], failed);
}

async fn failing_write_keeps_its_batch(store: Arc<dyn Store>) {
    seeded(&store).await;
    let dup = Token {
        token: seed::ACCESS_TOKEN.into(),
        business_id: seed::BUSINESS_ID.into(),
        app_id: seed::APP_ID.into(),
        scopes: Default::default(),
        expires_at: None,
    };
    let mut tasks = vec![];
    for i in 0..20 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.insert_message(
                &message(&format!("m{i}"), "111", i),
                &Outbox::default(),
                &[],
            )
            .await
        }));
    }
    let s = store.clone();
    let bad = tokio::spawn(async move { change(&s, DirectoryChange::Token(dup)).await });
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert!(matches!(bad.await.unwrap(), Err(StoreError::Conflict(_))));
    for i in 0..20 {
        assert!(store
            .get_message(&format!("m{i}").into())
            .await
            .unwrap()
            .is_some());
    }
}

async fn claims_lease_due_rows_once(store: Arc<dyn Store>) {
    seeded(&store).await;
    let outbox = Outbox {
        statuses: vec![],
        webhooks: vec![
            webhook("w", MessageStatus::Sent, 100),
            webhook("w", MessageStatus::Delivered, 5_000),
        ],
    };
    store
        .insert_message(&message("w", "111", 1), &outbox, &[])
        .await
        .unwrap();
    assert_eq!(store.next_webhook_due(0).await.unwrap(), Some(Millis(100)));
    assert_eq!(store.pending_webhooks().await.unwrap(), 2);
    let first = store
        .claim_due_webhooks(Millis(200), 0, 10_000, 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].body, b"{\"wamid\":\"w\"}");
    assert_eq!(first[0].signature_256, "sha256=a");
    assert_eq!(first[0].attempts_before, 0);
    assert_eq!(first[0].due_at, Millis(100));
    assert!(
        store
            .claim_due_webhooks(Millis(200), 5_000, 20_000, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    let again = store
        .claim_due_webhooks(Millis(200), 10_001, 20_000, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "the lease ran out");
    // Concurrent claimers never get the same row.
    let mut tasks = vec![];
    for _ in 0..4 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.claim_due_webhooks(Millis(10_000), 30_000, 60_000, 10)
                .await
                .unwrap()
        }));
    }
    let mut ids = vec![];
    for t in tasks {
        ids.extend(t.await.unwrap().into_iter().map(|c| c.id));
    }
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len());
    assert_eq!(ids.len(), 2);
}

/// A send's webhooks leased by their insert (the handover to this node's dispatcher): the insert
/// returns each row's id in the outbox's order, over several messages of one batch; a leased row
/// is neither claimed nor due until its lease runs out, and is then claimed like any other.
async fn inserts_leased_for_the_handover(store: Arc<dyn Store>) {
    seeded(&store).await;
    let mut tasks = vec![];
    for i in 0..8 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let wamid = format!("h{i}");
            let outbox = Outbox {
                statuses: vec![],
                webhooks: vec![
                    webhook(&wamid, MessageStatus::Sent, 10),
                    webhook(&wamid, MessageStatus::Delivered, 10),
                    webhook(&wamid, MessageStatus::Read, 9_000),
                ],
            };
            let ids = s
                .insert_message(
                    &message(&wamid, "111", i),
                    &outbox,
                    &[Some(5_000), Some(5_000), None],
                )
                .await
                .unwrap();
            (wamid, ids)
        }));
    }
    let mut all = vec![];
    for t in tasks {
        let (wamid, ids) = t.await.unwrap();
        assert_eq!(ids.len(), 3);
        for (id, status) in ids.iter().zip(["sent", "delivered", "read"]) {
            let (rec, _) = store.get_webhook(*id).await.unwrap().unwrap();
            assert_eq!(
                (rec.wamid.as_ref().map(|w| w.as_str()), rec.status),
                (Some(wamid.as_str()), MessageStatus::parse(status)),
                "webhook {id}"
            );
        }
        all.extend(ids);
    }
    assert_eq!(store.pending_webhooks().await.unwrap(), 24);
    assert_eq!(
        store.next_webhook_due(1_000).await.unwrap(),
        Some(Millis(9_000))
    );
    assert_eq!(
        store.next_webhook_due(5_001).await.unwrap(),
        Some(Millis(10))
    );
    assert!(store
        .claim_due_webhooks(Millis(100), 1_000, 20_000, 100)
        .await
        .unwrap()
        .is_empty());
    let mut claimed: Vec<i64> = store
        .claim_due_webhooks(Millis(100), 5_001, 20_000, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    claimed.sort();
    let mut leased: Vec<i64> = all.chunks(3).flat_map(|ids| ids[..2].to_vec()).collect();
    leased.sort();
    assert_eq!(claimed, leased, "once the lease ran out");
}

async fn attempts_retry_dead_redeliver(store: Arc<dyn Store>) {
    seeded(&store).await;
    let outbox = Outbox {
        statuses: vec![],
        webhooks: vec![
            webhook("w", MessageStatus::Sent, 0),
            webhook("w", MessageStatus::Delivered, 0),
        ],
    };
    store
        .insert_message(&message("w", "111", 1), &outbox, &[])
        .await
        .unwrap();
    let claimed = store
        .claim_due_webhooks(Millis(0), 0, 1_000, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    let fail = |n, at| Attempt {
        number: n,
        at: Millis(at),
        http_status: Some(500),
        latency_ms: 3,
        response: Some("boom".into()),
        error: None,
    };
    store
        .record_attempt(
            claimed[0].id,
            &fail(1, 0),
            AfterAttempt::RetryAt(Millis(10_000)),
        )
        .await
        .unwrap();
    let conn_err = Attempt {
        number: 1,
        at: Millis(0),
        http_status: None,
        latency_ms: 1,
        response: None,
        error: Some("connection failed".into()),
    };
    store
        .record_attempt(claimed[1].id, &conn_err, AfterAttempt::Dead)
        .await
        .unwrap();
    let (rec, attempts) = store.get_webhook(claimed[0].id).await.unwrap().unwrap();
    assert_eq!(rec.state, DeliveryState::Pending);
    assert_eq!(rec.next_attempt_at, Some(Millis(10_000)));
    assert_eq!(rec.attempt_count, 1);
    assert_eq!(attempts, vec![fail(1, 0)]);
    assert!(store
        .claim_due_webhooks(Millis(9_999), 5_000, 9_000, 10)
        .await
        .unwrap()
        .is_empty());
    let retry = store
        .claim_due_webhooks(Millis(10_000), 5_000, 9_000, 10)
        .await
        .unwrap();
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].attempts_before, 1);
    let ok = Attempt {
        number: 2,
        at: Millis(10_000),
        http_status: Some(200),
        latency_ms: 2,
        response: Some("".into()),
        error: None,
    };
    store
        .record_attempt(retry[0].id, &ok, AfterAttempt::Delivered)
        .await
        .unwrap();
    let (rec, attempts) = store.get_webhook(claimed[0].id).await.unwrap().unwrap();
    assert_eq!(rec.state, DeliveryState::Delivered);
    assert_eq!(rec.delivered_at, Some(Millis(10_000)));
    assert_eq!(attempts.len(), 2);
    let (dead, dead_attempts) = store.get_webhook(claimed[1].id).await.unwrap().unwrap();
    assert_eq!(dead.state, DeliveryState::Dead);
    assert_eq!(dead.next_attempt_at, None);
    assert_eq!(dead_attempts, vec![conn_err]);
    assert_eq!(store.next_webhook_due(0).await.unwrap(), None);
    assert_eq!(store.pending_webhooks().await.unwrap(), 0);
    assert!(store
        .redeliver_webhook(dead.id, Millis(50_000))
        .await
        .unwrap());
    assert!(!store
        .redeliver_webhook(987_654, Millis(50_000))
        .await
        .unwrap());
    let again = store
        .claim_due_webhooks(Millis(50_000), 99_000, 100_000, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts_before, 1);
    assert!(store.get_webhook(424_242).await.unwrap().is_none());
}

/// A dispatcher records a round of attempts in one write: each webhook gets its own outcome and
/// attempt, and a round with one bad attempt records none of them.
async fn attempts_recorded_together(store: Arc<dyn Store>) {
    seeded(&store).await;
    let outbox = Outbox {
        statuses: vec![],
        webhooks: vec![
            webhook("r", MessageStatus::Sent, 0),
            webhook("r", MessageStatus::Delivered, 0),
            webhook("r", MessageStatus::Read, 0),
        ],
    };
    store
        .insert_message(&message("r", "111", 1), &outbox, &[])
        .await
        .unwrap();
    let mut claimed = store
        .claim_due_webhooks(Millis(0), 0, 1_000, 10)
        .await
        .unwrap();
    claimed.sort_by_key(|c| c.id);
    assert_eq!(claimed.len(), 3);
    let attempt = |status: Option<u16>, error: Option<&str>| Attempt {
        number: 1,
        at: Millis(7),
        http_status: status,
        latency_ms: 2,
        response: status.map(|_| "ok".to_owned()),
        error: error.map(str::to_owned),
    };
    let round = vec![
        AttemptRecord {
            id: claimed[0].id,
            attempt: attempt(Some(200), None),
            after: AfterAttempt::Delivered,
        },
        AttemptRecord {
            id: claimed[1].id,
            attempt: attempt(Some(500), None),
            after: AfterAttempt::RetryAt(Millis(10_000)),
        },
        AttemptRecord {
            id: claimed[2].id,
            attempt: attempt(None, Some("timeout")),
            after: AfterAttempt::Dead,
        },
    ];
    // The same attempt twice in one round: refused as a whole.
    let mut twice = round.clone();
    twice.push(round[0].clone());
    assert!(store.record_attempts(&twice).await.is_err());
    for c in &claimed {
        let (rec, attempts) = store.get_webhook(c.id).await.unwrap().unwrap();
        assert_eq!(rec.state, DeliveryState::Pending);
        assert!(attempts.is_empty());
    }
    store.record_attempts(&round).await.unwrap();
    let (delivered, attempts) = store.get_webhook(claimed[0].id).await.unwrap().unwrap();
    assert_eq!(delivered.state, DeliveryState::Delivered);
    assert_eq!(delivered.delivered_at, Some(Millis(7)));
    assert_eq!(delivered.next_attempt_at, None);
    assert_eq!(delivered.attempt_count, 1);
    assert_eq!(attempts, vec![round[0].attempt.clone()]);
    let (retry, attempts) = store.get_webhook(claimed[1].id).await.unwrap().unwrap();
    assert_eq!(retry.state, DeliveryState::Pending);
    assert_eq!(retry.next_attempt_at, Some(Millis(10_000)));
    assert_eq!(retry.delivered_at, None);
    assert_eq!(retry.attempt_count, 1);
    assert_eq!(attempts, vec![round[1].attempt.clone()]);
    let (dead, attempts) = store.get_webhook(claimed[2].id).await.unwrap().unwrap();
    assert_eq!(dead.state, DeliveryState::Dead);
    assert_eq!(dead.next_attempt_at, None);
    assert_eq!(attempts, vec![round[2].attempt.clone()]);
    // The leases are released: the retry is claimed again when due, the others never.
    let again = store
        .claim_due_webhooks(Millis(10_000), 0, 1_000, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, claimed[1].id);
    assert_eq!(again[0].attempts_before, 1);
    assert_eq!(store.pending_webhooks().await.unwrap(), 1);
    // A webhook delivered at once, sent again: its attempts are the first and the new one, in
    // order, and the first cannot be recorded a second time.
    assert!(store
        .record_attempts(&round[..1])
        .await
        .is_err_and(|e| matches!(e, StoreError::Conflict(_))));
    assert!(store
        .redeliver_webhook(claimed[0].id, Millis(20_000))
        .await
        .unwrap());
    let resent = store
        .claim_due_webhooks(Millis(20_000), 2_000, 3_000, 10)
        .await
        .unwrap();
    let resent = resent.iter().find(|c| c.id == claimed[0].id).unwrap();
    assert_eq!(resent.attempts_before, 1);
    let second = Attempt {
        number: 2,
        at: Millis(20_000),
        http_status: Some(204),
        latency_ms: 5,
        response: Some(String::new()),
        error: None,
    };
    store
        .record_attempt(resent.id, &second, AfterAttempt::Delivered)
        .await
        .unwrap();
    let (again, attempts) = store.get_webhook(claimed[0].id).await.unwrap().unwrap();
    assert_eq!(again.state, DeliveryState::Delivered);
    assert_eq!(again.delivered_at, Some(Millis(20_000)));
    assert_eq!(attempts, vec![round[0].attempt.clone(), second]);
}

async fn webhook_log_filters(store: Arc<dyn Store>) {
    seeded(&store).await;
    for (i, w) in ["a", "b", "c"].iter().enumerate() {
        let outbox = Outbox {
            statuses: vec![],
            webhooks: vec![
                webhook(w, MessageStatus::Sent, i as i64),
                webhook(w, MessageStatus::Delivered, i as i64),
            ],
        };
        store
            .insert_message(&message(w, "111", i as i64), &outbox, &[])
            .await
            .unwrap();
    }
    let all = store
        .list_webhooks(&WebhookQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.items.len(), 6);
    assert!(
        all.items.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    assert_eq!(all.items[0].body, "{\"wamid\":\"c\"}");
    assert_eq!(all.items[0].status, Some(MessageStatus::Delivered));
    let b = store
        .list_webhooks(&WebhookQuery {
            wamid: Some("b".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(b.items.len(), 2);
    let page = store
        .list_webhooks(&WebhookQuery {
            limit: 4,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(page.has_more);
    let rest = store
        .list_webhooks(&WebhookQuery {
            limit: 4,
            before_id: Some(page.items[3].id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 2);
    assert!(!rest.has_more);
    let after = store
        .list_webhooks(&WebhookQuery {
            limit: 100,
            after_id: Some(all.items[3].id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(after.items.len(), 3);
    assert!(
        after.items.windows(2).all(|w| w[0].id < w[1].id),
        "oldest first after a cursor"
    );
    let pending = store
        .list_webhooks(&WebhookQuery {
            state: Some(DeliveryState::Pending),
            event_type: Some(EventType::Status),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pending.items.len(), 6);
    let none = store
        .list_webhooks(&WebhookQuery {
            state: Some(DeliveryState::Dead),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.items.is_empty());
}

async fn templates_move_once(store: Arc<dyn Store>) {
    seeded(&store).await;
    let mut t = crate::template::Template {
        id: "1000000000000001".into(),
        waba_id: seed::WABA_ID.into(),
        name: "hello".into(),
        language: "en_US".into(),
        category: "MARKETING".into(),
        parameter_format: "POSITIONAL".into(),
        components: serde_json::from_value(serde_json::json!([{ "type": "BODY", "text": "Hi" }]))
            .unwrap(),
        status: crate::template::TemplateStatus::Pending,
        reason: "NONE".into(),
        review_due_at: Some(5),
        edits: vec![],
    };
    change(&store, DirectoryChange::Template(t.clone()))
        .await
        .unwrap();
    let pending_version = store.load_directory().await.unwrap().unwrap().last_change;
    t.status = crate::template::TemplateStatus::Approved;
    let approve = Commit {
        changes: vec![DirectoryChange::Template(t.clone())],
        expect: vec![(format!("template:{}", t.id), pending_version)],
        outbox: Outbox {
            statuses: vec![],
            webhooks: vec![webhook("x", MessageStatus::Sent, 0)],
        },
        inbound: None,
    };
    assert!(matches!(
        store.commit(&approve).await.unwrap(),
        CommitOutcome::Committed(Some(_))
    ));
    assert_eq!(
        store.commit(&approve).await.unwrap(),
        CommitOutcome::Stale,
        "a second node finds it moved, and writes nothing"
    );
    let loaded = store.load_directory().await.unwrap().unwrap();
    assert_eq!(loaded.data.templates, vec![t.clone()]);
    assert_eq!(
        store
            .list_webhooks(&WebhookQuery {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    change(
        &store,
        DirectoryChange::TemplateDeleted { id: t.id.clone() },
    )
    .await
    .unwrap();
    assert!(store
        .load_directory()
        .await
        .unwrap()
        .unwrap()
        .data
        .templates
        .is_empty());
}

fn cart(items: u32) -> crate::cart::Cart {
    let mut cart = crate::cart::Cart::new(crate::cart::CartKey {
        phone_number_id: seed::PHONE_NUMBER_ID.into(),
        wa_id: seed::CUSTOMER_WA_ID.into(),
        device_id: "phone".into(),
    });
    cart.items = (0..items)
        .map(|i| crate::cart::CartItem {
            product_retailer_id: format!("sku-{i}").into(),
            quantity: 1,
            seen_revision: Some(i64::from(i)),
        })
        .collect();
    cart
}

fn cart_commit(items: u32, version: i64) -> Commit {
    let change = DirectoryChange::Cart(cart(items));
    let expect = change.writes().into_iter().map(|k| (k, version)).collect();
    Commit {
        changes: vec![change],
        expect,
        outbox: Outbox {
            statuses: vec![],
            webhooks: vec![webhook("cart", MessageStatus::Sent, 0)],
        },
        inbound: None,
    }
}

async fn webhook_count(store: &Arc<dyn Store>) -> usize {
    store
        .list_webhooks(&WebhookQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .len()
}

async fn commits_compare_and_set(store: Arc<dyn Store>) {
    seeded(&store).await;
    let CommitOutcome::Committed(Some(v1)) = store.commit(&cart_commit(1, 0)).await.unwrap() else {
        panic!("the first write of a new entity expects version 0");
    };
    assert_eq!(
        store.commit(&cart_commit(2, 0)).await.unwrap(),
        CommitOutcome::Stale,
        "computed from a version that moved"
    );
    let loaded = store.load_directory().await.unwrap().unwrap();
    assert_eq!(
        loaded.data.carts,
        vec![cart(1)],
        "the stale commit wrote nothing"
    );
    assert_eq!(loaded.last_change, v1, "and logged nothing");
    assert_eq!(webhook_count(&store).await, 1, "and queued no webhook");
    let key = DirectoryChange::Cart(cart(0)).writes()[0].clone();
    assert_eq!(loaded.versions, vec![(key.clone(), v1)]);

    // Several changes: one transaction, one log entry, every written version moved.
    let customer = crate::model::Customer::new(&"15550001111".into(), Some("Ana"));
    let both = Commit {
        changes: vec![
            DirectoryChange::Cart(cart(3)),
            DirectoryChange::Customer(customer.clone()),
        ],
        expect: vec![(key.clone(), v1), ("customer:15550001111".into(), 0)],
        ..Commit::default()
    };
    let CommitOutcome::Committed(Some(v2)) = store.commit(&both).await.unwrap() else {
        panic!("both read versions are current");
    };
    let log = store.changes_since(v1, 10).await.unwrap();
    assert_eq!(log, vec![(v2, both.changes.clone())]);
    let mut versions = store.load_directory().await.unwrap().unwrap().versions;
    versions.sort();
    assert_eq!(
        versions,
        vec![(key.clone(), v2), ("customer:15550001111".into(), v2)]
    );

    // A read-only dependency is checked but not moved.
    let mut product = seed::demo("http://x").products[0].clone();
    let catalog_key = format!("catalog:{}", product.catalog_id);
    product.price += 1;
    let dependent = |catalog_version: i64| Commit {
        changes: vec![DirectoryChange::Product(product.clone())],
        expect: vec![
            (
                format!("product:{}:{}", product.catalog_id, product.retailer_id),
                0,
            ),
            (catalog_key.clone(), catalog_version),
        ],
        ..Commit::default()
    };
    assert_eq!(
        store.commit(&dependent(7)).await.unwrap(),
        CommitOutcome::Stale
    );
    assert!(matches!(
        store.commit(&dependent(0)).await.unwrap(),
        CommitOutcome::Committed(Some(_))
    ));
    let versions = store.load_directory().await.unwrap().unwrap().versions;
    assert!(!versions.iter().any(|(k, _)| *k == catalog_key));

    // A customer's message goes with its changes, or not at all.
    let mut stale = cart_commit(0, 0);
    stale.inbound = Some(customer_says_hi("wamid.in"));
    assert_eq!(store.commit(&stale).await.unwrap(), CommitOutcome::Stale);
    assert!(store
        .list_inbound(
            &seed::PHONE_NUMBER_ID.into(),
            &seed::CUSTOMER_WA_ID.into(),
            10
        )
        .await
        .unwrap()
        .is_empty());
    stale.expect[0].1 = v2;
    assert!(matches!(
        store.commit(&stale).await.unwrap(),
        CommitOutcome::Committed(Some(_))
    ));
    assert_eq!(
        store
            .list_inbound(
                &seed::PHONE_NUMBER_ID.into(),
                &seed::CUSTOMER_WA_ID.into(),
                10
            )
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn concurrent_commits_one_wins(store: Arc<dyn Store>) {
    seeded(&store).await;
    let mut tasks = vec![];
    for i in 0..24 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.commit(&cart_commit(i + 1, 0)).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap().unwrap() {
            CommitOutcome::Committed(_) => won += 1,
            CommitOutcome::Stale => {}
        }
    }
    assert_eq!(won, 1, "one of 24 commits from the same version");
    assert_eq!(webhook_count(&store).await, 1);
    assert_eq!(store.changes_since(0, 100).await.unwrap().len(), 1);
}

async fn one_final_status_per_message(store: Arc<dyn Store>) {
    seeded(&store).await;
    store
        .insert_message(&message("fin", "111", 1), &Outbox::default(), &[])
        .await
        .unwrap();
    let mut tasks = vec![];
    for (i, status) in [MessageStatus::Read, MessageStatus::Failed]
        .into_iter()
        .cycle()
        .take(12)
        .enumerate()
    {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let outbox = Outbox {
                statuses: vec![StatusEvent {
                    wamid: "fin".into(),
                    status,
                    at: Millis(10 + i as i64),
                    errors: vec![],
                }],
                webhooks: vec![webhook("fin", status, 0)],
            };
            s.append_final_status(&"fin".into(), &outbox).await.unwrap()
        }));
    }
    let mut written = 0;
    for t in tasks {
        if t.await.unwrap() {
            written += 1;
        }
    }
    assert_eq!(written, 1);
    assert_eq!(
        store.message_statuses(&"fin".into()).await.unwrap().len(),
        1
    );
    assert_eq!(webhook_count(&store).await, 1);
}

/// A message accepted with its own statuses (kept in its row) and a status of another message
/// in the same outbox: each message lists its own, and a `failed` the message had when it was
/// accepted is its final status.
async fn failed_when_accepted_is_final(store: Arc<dyn Store>) {
    seeded(&store).await;
    let err = crate::ApiError::new(crate::ErrorKind::MessageUndeliverable).with_details("d");
    store
        .insert_message(&message("earlier", "111", 1), &Outbox::default(), &[])
        .await
        .unwrap();
    let failed = StatusEvent::failed(&"late".into(), Millis(5), &err);
    let other = StatusEvent {
        wamid: "earlier".into(),
        status: MessageStatus::Sent,
        at: Millis(5),
        errors: vec![],
    };
    store
        .insert_message(
            &message("late", "111", 2),
            &Outbox {
                statuses: vec![other.clone(), failed.clone()],
                webhooks: vec![],
            },
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        store.message_statuses(&"late".into()).await.unwrap(),
        vec![failed.clone()]
    );
    assert_eq!(
        store.message_statuses(&"earlier".into()).await.unwrap(),
        vec![other]
    );
    let read = StatusEvent {
        wamid: "late".into(),
        status: MessageStatus::Read,
        at: Millis(9),
        errors: vec![],
    };
    let outbox = Outbox {
        statuses: vec![read],
        webhooks: vec![webhook("late", MessageStatus::Read, 0)],
    };
    assert!(!store
        .append_final_status(&"late".into(), &outbox)
        .await
        .unwrap());
    assert_eq!(
        store.message_statuses(&"late".into()).await.unwrap(),
        vec![failed]
    );
    assert_eq!(webhook_count(&store).await, 0);
}

/// `--retain`: the oldest messages (with their statuses) and finished webhooks (with their
/// attempts) go, a batch at a time; pending webhooks and what is kept stay.
async fn logs_pruned_past_retention(store: Arc<dyn Store>) {
    use crate::settings::Retention;
    seeded(&store).await;
    for i in 0..5i64 {
        let w = format!("m{i}");
        let outbox = Outbox {
            statuses: vec![StatusEvent {
                wamid: w.clone().into(),
                status: MessageStatus::Sent,
                at: Millis(i * 1_000 + 1),
                errors: vec![],
            }],
            webhooks: vec![webhook(&w, MessageStatus::Sent, i * 1_000)],
        };
        store
            .insert_message(&message(&w, "111", i * 1_000), &outbox, &[])
            .await
            .unwrap();
    }
    let mut claimed = store
        .claim_due_webhooks(Millis(10_000), 0, 1_000, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 5);
    claimed.sort_by_key(|c| c.due_at);
    // The last webhook stays pending (a retry is due): never pruned.
    for (n, c) in claimed.iter().enumerate() {
        let after = if n < 4 {
            AfterAttempt::Delivered
        } else {
            AfterAttempt::RetryAt(Millis(99_000))
        };
        let attempt = Attempt {
            number: 1,
            at: Millis(10_000),
            http_status: Some(200),
            latency_ms: 1,
            response: None,
            error: None,
        };
        store.record_attempt(c.id, &attempt, after).await.unwrap();
    }
    let age = Retention::Age(2_500);
    // At 5 s, keeping 2.5 s: m0..m2 and their webhooks go, two of each per transaction.
    assert_eq!(store.prune_logs(age, Millis(5_000), 2).await.unwrap(), 4);
    assert_eq!(store.prune_logs(age, Millis(5_000), 2).await.unwrap(), 2);
    assert_eq!(store.prune_logs(age, Millis(5_000), 2).await.unwrap(), 0);
    for gone in ["m0", "m1", "m2"] {
        assert!(
            store.get_message(&gone.into()).await.unwrap().is_none(),
            "{gone}"
        );
        assert!(store
            .message_statuses(&gone.into())
            .await
            .unwrap()
            .is_empty());
    }
    assert!(store.get_message(&"m3".into()).await.unwrap().is_some());
    assert_eq!(store.message_statuses(&"m3".into()).await.unwrap().len(), 1);
    assert!(store.get_webhook(claimed[0].id).await.unwrap().is_none());
    assert!(store.get_webhook(claimed[3].id).await.unwrap().is_some());
    // Keeping the newest one: m3 and its delivered webhook go; m4 and the pending one stay.
    let newest = Retention::Count(1);
    assert_eq!(
        store.prune_logs(newest, Millis(5_000), 10).await.unwrap(),
        2
    );
    assert_eq!(
        store.prune_logs(newest, Millis(5_000), 10).await.unwrap(),
        0
    );
    assert!(store.get_message(&"m3".into()).await.unwrap().is_none());
    assert!(store.get_message(&"m4".into()).await.unwrap().is_some());
    let (pending, attempts) = store.get_webhook(claimed[4].id).await.unwrap().unwrap();
    assert_eq!(pending.state, DeliveryState::Pending);
    assert_eq!(attempts.len(), 1);
    assert_eq!(store.pending_webhooks().await.unwrap(), 1);
}
