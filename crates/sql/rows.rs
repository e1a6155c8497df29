// SQL and row mapping shared by both stores: every statement is written once, for SQLite and
// PostgreSQL alike (`$1` placeholders, `ON CONFLICT`, `RETURNING`). Each store's `rows.rs`
// includes this file after naming its types and the few spellings that differ:
// `Conn`, `Pool`, `Db`, `DbRow`, `GREATEST`, `SKIP_LOCKED`, `notify_change`,
// `take_message_order` and `insert_messages` (a group commit's new messages: a statement per
// table on SQLite, one statement on PostgreSQL).
// Row shapes never leave the store crates.
//
// Its length: one file, because each store includes it whole with `include!`; splitting it would
// mean one include per part in both stores.

use crate::db_err;
use sqlx::{QueryBuilder, Row, Transaction};
use vitrine_core::catalog::batch::{BatchJob, BatchResult};
use vitrine_core::clock::Millis;
use vitrine_core::directory::{DirectoryChange, DirectoryData, LoadedDirectory, WindowState};
use vitrine_core::forward::PeerMessage;
use vitrine_core::id::{MediaId, PhoneNumberId, WaId, WabaId, Wamid};
use vitrine_core::inbound::{InboundRecord, ThreadReads};
use vitrine_core::media::{MediaOrigin, MediaRecord};
use vitrine_core::message::{MessagePage, MessageQuery, MessageRecord, ProductSnapshot};
use vitrine_core::model::{
    App, AppSubscription, Business, Catalog, CommerceSettings, Customer, PhoneNumber, Product,
    Scope, Throughput, ThroughputLevel, Token, Waba, WabaSubscription,
};
use vitrine_core::settings::Retention;
use vitrine_core::store::packed::{self, MessageColumns};
use vitrine_core::store::writer::{NewMessage, WebhookRow};
use vitrine_core::store::{Commit, CommitOutcome, StoreError, StoreResult};
use vitrine_core::webhook::{
    AfterAttempt, Attempt, AttemptRecord, Claimed, DeliveryState, EventType, MessageStatus,
    NewWebhook, Outbox, StatusEvent, WebhookPage, WebhookQuery, WebhookRecord,
};

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn scopes_to_text(token: &Token) -> String {
    token
        .scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Products per page when the catalog is loaded at start-up.
const PRODUCTS_PER_PAGE: i64 = 2_000;

pub(crate) async fn load_directory(
    mut tx: Transaction<'_, Db>,
) -> StoreResult<Option<LoadedDirectory>> {
    let seeded: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'seeded'")
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
    if seeded.is_none() {
        return Ok(None);
    }
    let mut data = DirectoryData::default();
    for r in sqlx::query("SELECT id, name FROM businesses ORDER BY id")
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?
    {
        data.businesses.push(Business {
            id: r.get(0),
            name: r.get(1),
        });
    }
    for r in sqlx::query(
        "SELECT id, name, secret, verify_token, require_appsecret_proof, callback_url, \
         callback_verify_token, webhook_fields, webhook_version FROM apps ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?
    {
        data.apps.push(App {
            id: r.get(0),
            name: r.get(1),
            secret: r.get(2),
            verify_token: r.get(3),
            require_appsecret_proof: r.get::<bool, _>(4),
            subscription: r
                .get::<Option<String>, _>(5)
                .map(|callback_url| AppSubscription {
                    callback_url,
                    verify_token: r.get::<Option<String>, _>(6).unwrap_or_default(),
                    fields: r
                        .get::<Option<String>, _>(7)
                        .unwrap_or_default()
                        .split(',')
                        .filter(|f| !f.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    version: r.get::<Option<String>, _>(8).unwrap_or_default(),
                }),
        });
    }
    for r in sqlx::query("SELECT token, business_id, app_id, scopes, expires_at FROM tokens")
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?
    {
        let scopes_text: String = r.get(3);
        let scopes = scopes_text
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| Scope::parse(s).ok_or_else(|| corrupt(format!("unknown scope {s}"))))
            .collect::<StoreResult<_>>()?;
        data.tokens.push(Token {
            token: r.get(0),
            business_id: r.get(1),
            app_id: r.get(2),
            scopes,
            expires_at: r.get(4),
        });
    }
    for r in sqlx::query("SELECT id, business_id, name, catalog_id FROM wabas ORDER BY id")
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?
    {
        data.wabas.push(Waba {
            id: r.get(0),
            business_id: r.get(1),
            name: r.get(2),
            catalog_id: r.get(3),
            subscribed_apps: vec![],
        });
    }
    for r in sqlx::query(
        "SELECT waba_id, app_id, override_callback_uri, verify_token FROM waba_subscriptions ORDER BY waba_id, app_id",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?
    {
        let waba_id: WabaId = r.get(0);
        if let Some(w) = data.wabas.iter_mut().find(|w| w.id == waba_id) {
            w.subscribed_apps.push(WabaSubscription {
                app_id: r.get(1),
                override_callback_uri: r.get(2),
                verify_token: r.get(3),
            });
        }
    }
    for r in sqlx::query(
        "SELECT id, waba_id, display_phone_number, verified_name, commerce_id, is_cart_enabled, \
         is_catalog_visible, commerce_saved, throughput_level, throughput_mps, throughput_unlimited \
         FROM phone_numbers ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?
    {
        data.phone_numbers.push(PhoneNumber {
            id: r.get(0),
            waba_id: r.get(1),
            display_phone_number: r.get(2),
            verified_name: r.get(3),
            commerce: CommerceSettings {
                id: r.get(4),
                is_cart_enabled: r.get::<bool, _>(5),
                is_catalog_visible: r.get::<bool, _>(6),
                saved: r.get::<bool, _>(7),
            },
            throughput: Throughput {
                level: {
                    let level: String = r.get(8);
                    ThroughputLevel::parse(&level).ok_or_else(|| corrupt(format!("throughput level {level}")))?
                },
                custom_mps: r.get::<Option<i64>, _>(9).and_then(|m| u32::try_from(m).ok()),
                unlimited: r.get::<bool, _>(10),
            },
        });
    }
    for r in sqlx::query("SELECT id, business_id, name, vertical FROM catalogs ORDER BY id")
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?
    {
        data.catalogs.push(Catalog {
            id: r.get(0),
            business_id: r.get(1),
            name: r.get(2),
            vertical: r.get(3),
        });
    }
    // The catalog in pages, each one JSON array built by the database (one row to hand over
    // instead of one per product), parsed on a blocking thread while the next page is read. One
    // array of the whole catalog would be one allocation of ~100 MB at 100,000 products, copied
    // several times: most of the start-up time went into the kernel zeroing its pages.
    let mut after = 0i64;
    let mut pages = Vec::new();
    loop {
        let (page, last): (Option<String>, Option<i64>) = sqlx::query_as(
            "SELECT '[' || string_agg(data, ',' ORDER BY seq) || ']', MAX(seq) \
             FROM (SELECT seq, data FROM products WHERE seq > $1 ORDER BY seq LIMIT $2) AS page",
        )
        .bind(after)
        .bind(PRODUCTS_PER_PAGE)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        let (Some(page), Some(last)) = (page, last) else {
            break;
        };
        after = last;
        pages.push(tokio::task::spawn_blocking(move || {
            serde_json::from_str::<Vec<Product>>(&page).map_err(corrupt)
        }));
    }
    for page in pages {
        let products = page
            .await
            .map_err(|e| StoreError::Database(format!("parsing the catalog: {e}")))??;
        data.products.extend(products);
    }
    for r in sqlx::query("SELECT data FROM customers ORDER BY wa_id")
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?
    {
        let json: String = r.get(0);
        data.customers
            .push(serde_json::from_str::<Customer>(&json).map_err(corrupt)?);
    }
    for r in sqlx::query("SELECT data FROM templates ORDER BY id")
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?
    {
        let json: String = r.get(0);
        data.templates
            .push(serde_json::from_str(&json).map_err(corrupt)?);
    }
    for r in sqlx::query("SELECT data FROM carts")
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?
    {
        let json: String = r.get(0);
        data.carts
            .push(serde_json::from_str(&json).map_err(corrupt)?);
    }
    for r in sqlx::query("SELECT phone_number_id, wa_id, last_inbound_at FROM windows")
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?
    {
        data.windows.push(WindowState {
            phone_number_id: r.get(0),
            wa_id: r.get(1),
            last_inbound_at: r.get(2),
        });
    }
    let clock: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'clock'")
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
    let clock = clock
        .map(|c| serde_json::from_str(&c).map_err(corrupt))
        .transpose()?;
    let last_change: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM directory_changes")
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
    let versions = sqlx::query("SELECT key, seq FROM versions WHERE seq > 0")
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1)))
        .collect();
    tx.commit().await.map_err(db_err)?;
    Ok(Some(LoadedDirectory {
        data,
        clock,
        last_change,
        versions,
    }))
}

pub(crate) async fn write_seed(conn: &mut Conn, data: &DirectoryData) -> StoreResult<()> {
    // First, so that a second seed (another node starting at the same time) conflicts at once.
    sqlx::query("INSERT INTO meta (key, value) VALUES ('seeded', 'demo')")
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    for b in &data.businesses {
        sqlx::query("INSERT INTO businesses (id, name) VALUES ($1, $2)")
            .bind(&b.id)
            .bind(&b.name)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    for a in &data.apps {
        upsert_app(conn, a).await?;
    }
    for t in &data.tokens {
        insert_token(conn, t).await?;
    }
    for w in &data.wabas {
        upsert_waba(conn, w).await?;
    }
    for p in &data.phone_numbers {
        upsert_phone_number(conn, p).await?;
    }
    for c in &data.catalogs {
        upsert_catalog(conn, c).await?;
    }
    for p in &data.products {
        upsert_product(conn, p).await?;
    }
    for c in &data.customers {
        upsert_customer(conn, c).await?;
    }
    Ok(())
}

/// Writes a commit (see `vitrine_core::store::Commit`): first checks, with the rows locked, that
/// every entity it read is still at the version it was read at, and writes nothing if one moved.
pub(crate) async fn commit(conn: &mut Conn, c: &Commit) -> StoreResult<CommitOutcome> {
    let written = c.written_keys();
    let mut expect: Vec<&(String, i64)> = c.expect.iter().collect();
    // One lock order for every transaction, so that two nodes never wait on each other.
    expect.sort();
    expect.dedup_by(|a, b| a.0 == b.0);
    for (key, version) in expect {
        if *version == 0 {
            // A row to lock even for an entity never changed; another node's insert of the same
            // key is waited for.
            sqlx::query(
                "INSERT INTO versions (key, seq) VALUES ($1, 0) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        }
        let lock = if written.binary_search(key).is_ok() {
            FOR_UPDATE
        } else {
            FOR_SHARE
        };
        let current: Option<i64> =
            sqlx::query_scalar(&format!("SELECT seq FROM versions WHERE key = $1 {lock}"))
                .bind(key)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db_err)?;
        if current.unwrap_or(0) != *version {
            return Ok(CommitOutcome::Stale);
        }
    }
    if let Some(record) = &c.inbound {
        let json = serde_json::to_string(record).map_err(corrupt)?;
        let accepted = take_message_order(conn, 1).await?;
        sqlx::query(
            "INSERT INTO inbound_messages (wamid, phone_number_id, wa_id, created_at, record, accepted) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&record.wamid)
        .bind(&record.phone_number_id)
        .bind(&record.wa_id)
        .bind(record.created_at.0)
        .bind(json)
        .bind(accepted.first().copied())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    write_outbox(conn, &c.outbox).await?;
    if c.changes.is_empty() {
        return Ok(CommitOutcome::Committed(None));
    }
    for change in &c.changes {
        write_change(conn, change).await?;
    }
    // One log entry per commit: a single change as itself, several as an array.
    let json = match c.changes.as_slice() {
        [one] => serde_json::to_string(one),
        many => serde_json::to_string(many),
    }
    .map_err(corrupt)?;
    let seq: i64 =
        sqlx::query_scalar("INSERT INTO directory_changes (change) VALUES ($1) RETURNING seq")
            .bind(json)
            .fetch_one(&mut *conn)
            .await
            .map_err(db_err)?;
    for key in &written {
        sqlx::query(
            "INSERT INTO versions (key, seq) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET seq = excluded.seq",
        )
        .bind(key)
        .bind(seq)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    notify_change(conn, seq).await?;
    Ok(CommitOutcome::Committed(Some(seq)))
}

/// Writes one directory change to its table.
async fn write_change(conn: &mut Conn, change: &DirectoryChange) -> StoreResult<()> {
    match change {
        DirectoryChange::Token(t) => insert_token(conn, t).await?,
        DirectoryChange::App(a) => upsert_app(conn, a).await?,
        DirectoryChange::Waba(w) => upsert_waba(conn, w).await?,
        DirectoryChange::PhoneNumber(p) => upsert_phone_number(conn, p).await?,
        DirectoryChange::Catalog(c) => upsert_catalog(conn, c).await?,
        DirectoryChange::Product(p) => upsert_product(conn, p).await?,
        DirectoryChange::ProductDeleted { id, .. } => {
            sqlx::query("DELETE FROM products WHERE id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
        }
        DirectoryChange::CatalogDeleted { id } => {
            sqlx::query("DELETE FROM products WHERE catalog_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
            sqlx::query("DELETE FROM catalogs WHERE id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
        }
        DirectoryChange::Customer(c) => upsert_customer(conn, c).await?,
        DirectoryChange::Template(t) => {
            let json = serde_json::to_string(t).map_err(corrupt)?;
            sqlx::query(
                "INSERT INTO templates (id, waba_id, status, data) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status, data = excluded.data",
            )
            .bind(&t.id)
            .bind(&t.waba_id)
            .bind(t.status.as_str())
            .bind(json)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        }
        DirectoryChange::TemplateDeleted { id } => {
            sqlx::query("DELETE FROM templates WHERE id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
        }
        DirectoryChange::Cart(c) => {
            let json = serde_json::to_string(c).map_err(corrupt)?;
            sqlx::query(
                "INSERT INTO carts (phone_number_id, wa_id, device_id, data) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (phone_number_id, wa_id, device_id) DO UPDATE SET data = excluded.data",
            )
            .bind(&c.key.phone_number_id)
            .bind(&c.key.wa_id)
            .bind(&c.key.device_id)
            .bind(json)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        }
        DirectoryChange::Window(w) => {
            sqlx::query(&format!(
                "INSERT INTO windows (phone_number_id, wa_id, last_inbound_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (phone_number_id, wa_id) DO UPDATE SET \
                 last_inbound_at = {GREATEST}(windows.last_inbound_at, excluded.last_inbound_at)"
            ))
            .bind(&w.phone_number_id)
            .bind(&w.wa_id)
            .bind(w.last_inbound_at)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        }
        DirectoryChange::Clock(state) => {
            let json = serde_json::to_string(state).map_err(corrupt)?;
            sqlx::query(
                "INSERT INTO meta (key, value) VALUES ('clock', $1) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(json)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        }
    }
    Ok(())
}

pub(crate) async fn latest_change(pool: &Pool) -> StoreResult<i64> {
    let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM directory_changes")
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    Ok(seq.unwrap_or(0))
}

pub(crate) async fn changes_since(
    pool: &Pool,
    after: i64,
    limit: u32,
) -> StoreResult<Vec<(i64, Vec<DirectoryChange>)>> {
    let rows = sqlx::query(
        "SELECT seq, change FROM directory_changes WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit as i64)
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.into_iter()
        .map(|r| {
            let json: String = r.get(1);
            let changes = match serde_json::from_str::<serde_json::Value>(&json).map_err(corrupt)? {
                serde_json::Value::Array(many) => many
                    .into_iter()
                    .map(serde_json::from_value)
                    .collect::<Result<Vec<DirectoryChange>, _>>()
                    .map_err(corrupt)?,
                one => vec![serde_json::from_value(one).map_err(corrupt)?],
            };
            Ok((r.get::<i64, _>(0), changes))
        })
        .collect()
}

pub(crate) async fn heartbeat(
    conn: &mut Conn,
    node_id: &str,
    wall_now: i64,
    ttl_ms: i64,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO nodes (id, heartbeat_at) VALUES ($1, $2) \
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
    )
    .bind(node_id)
    .bind(wall_now)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    // Forget nodes long gone.
    sqlx::query("DELETE FROM nodes WHERE heartbeat_at < $1")
        .bind(wall_now - 100 * ttl_ms)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM nodes WHERE heartbeat_at > $1")
        .bind(wall_now - ttl_ms)
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(live)
}

pub(crate) async fn upsert_app(conn: &mut Conn, a: &App) -> StoreResult<()> {
    let sub = a.subscription.as_ref();
    sqlx::query(
        "INSERT INTO apps (id, name, secret, verify_token, require_appsecret_proof, callback_url, \
         callback_verify_token, webhook_fields, webhook_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, secret = excluded.secret, \
         verify_token = excluded.verify_token, require_appsecret_proof = excluded.require_appsecret_proof, \
         callback_url = excluded.callback_url, callback_verify_token = excluded.callback_verify_token, \
         webhook_fields = excluded.webhook_fields, webhook_version = excluded.webhook_version",
    )
    .bind(&a.id)
    .bind(&a.name)
    .bind(&a.secret)
    .bind(&a.verify_token)
    .bind(a.require_appsecret_proof)
    .bind(sub.map(|s| s.callback_url.clone()))
    .bind(sub.map(|s| s.verify_token.clone()))
    .bind(sub.map(|s| s.fields.join(",")))
    .bind(sub.map(|s| s.version.clone()))
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn upsert_waba(conn: &mut Conn, w: &Waba) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO wabas (id, business_id, name, catalog_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET business_id = excluded.business_id, name = excluded.name, \
         catalog_id = excluded.catalog_id",
    )
    .bind(&w.id)
    .bind(&w.business_id)
    .bind(&w.name)
    .bind(&w.catalog_id)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    sqlx::query("DELETE FROM waba_subscriptions WHERE waba_id = $1")
        .bind(&w.id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    for s in &w.subscribed_apps {
        sqlx::query(
            "INSERT INTO waba_subscriptions (waba_id, app_id, override_callback_uri, verify_token) VALUES ($1, $2, $3, $4)",
        )
        .bind(&w.id)
        .bind(&s.app_id)
        .bind(&s.override_callback_uri)
        .bind(&s.verify_token)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

pub(crate) async fn upsert_phone_number(conn: &mut Conn, p: &PhoneNumber) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO phone_numbers (id, waba_id, display_phone_number, verified_name, commerce_id, \
         is_cart_enabled, is_catalog_visible, commerce_saved, throughput_level, throughput_mps, \
         throughput_unlimited) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (id) DO UPDATE SET waba_id = excluded.waba_id, \
         display_phone_number = excluded.display_phone_number, verified_name = excluded.verified_name, \
         commerce_id = excluded.commerce_id, is_cart_enabled = excluded.is_cart_enabled, \
         is_catalog_visible = excluded.is_catalog_visible, commerce_saved = excluded.commerce_saved, \
         throughput_level = excluded.throughput_level, throughput_mps = excluded.throughput_mps, \
         throughput_unlimited = excluded.throughput_unlimited",
    )
    .bind(&p.id)
    .bind(&p.waba_id)
    .bind(&p.display_phone_number)
    .bind(&p.verified_name)
    .bind(&p.commerce.id)
    .bind(p.commerce.is_cart_enabled)
    .bind(p.commerce.is_catalog_visible)
    .bind(p.commerce.saved)
    .bind(p.throughput.level.as_str())
    .bind(p.throughput.custom_mps.map(i64::from))
    .bind(p.throughput.unlimited)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn upsert_catalog(conn: &mut Conn, c: &Catalog) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO catalogs (id, business_id, name, vertical) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET business_id = excluded.business_id, name = excluded.name, \
         vertical = excluded.vertical",
    )
    .bind(&c.id)
    .bind(&c.business_id)
    .bind(&c.name)
    .bind(&c.vertical)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Keeps a product's place (`seq`) in its catalog when it is updated.
pub(crate) async fn upsert_product(conn: &mut Conn, p: &Product) -> StoreResult<()> {
    let json = serde_json::to_string(p).map_err(corrupt)?;
    sqlx::query(
        "INSERT INTO products (id, catalog_id, retailer_id, data) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET catalog_id = excluded.catalog_id, \
         retailer_id = excluded.retailer_id, data = excluded.data",
    )
    .bind(&p.id)
    .bind(&p.catalog_id)
    .bind(&p.retailer_id)
    .bind(json)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn upsert_customer(conn: &mut Conn, c: &Customer) -> StoreResult<()> {
    let json = serde_json::to_string(c).map_err(corrupt)?;
    sqlx::query(
        "INSERT INTO customers (wa_id, data) VALUES ($1, $2) \
         ON CONFLICT (wa_id) DO UPDATE SET data = excluded.data",
    )
    .bind(&c.wa_id)
    .bind(json)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn insert_token(conn: &mut Conn, t: &Token) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO tokens (token, business_id, app_id, scopes, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&t.token)
    .bind(&t.business_id)
    .bind(&t.app_id)
    .bind(scopes_to_text(t))
    .bind(t.expires_at)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// The columns [`messages_from_rows`] reads, in its order.
const MESSAGE_COLUMNS: &str = "seq, record, packed, wamid, phone_number_id, wa_id, created_at";

/// Message rows as records: a packed record with the snapshots it refers to (fetched once for
/// all the rows), a record from before migration 0004 as it is.
async fn messages_from_rows(pool: &Pool, rows: &[DbRow]) -> StoreResult<Vec<(i64, MessageRecord)>> {
    let mut keys: Vec<String> = vec![];
    for r in rows {
        if let Some(p) = r.get::<Option<Vec<u8>>, _>(2) {
            keys.extend(packed::message_snapshot_keys(&p).map_err(corrupt)?);
        }
    }
    keys.sort();
    keys.dedup();
    let snapshots = product_snapshots(pool, &keys).await?;
    rows.iter()
        .map(|r| {
            let seq: i64 = r.get(0);
            let record = match r.get::<Option<Vec<u8>>, _>(2) {
                Some(p) => packed::unpack_message(
                    MessageColumns {
                        wamid: r.get(3),
                        phone_number_id: r.get(4),
                        wa_id: r.get(5),
                        created_at: r.get(6),
                    },
                    &p,
                    |key| snapshots.get(key).cloned(),
                )
                .map_err(corrupt)?,
                None => serde_json::from_str::<MessageRecord>(&r.get::<String, _>(1))
                    .map_err(corrupt)?,
            };
            Ok((seq, record))
        })
        .collect()
}

async fn product_snapshots(
    pool: &Pool,
    keys: &[String],
) -> StoreResult<std::collections::HashMap<String, ProductSnapshot>> {
    let mut found = std::collections::HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(ROWS_PER_INSERT) {
        let mut sql: QueryBuilder<Db> =
            QueryBuilder::new("SELECT key, data FROM product_snapshots WHERE key IN (");
        let mut list = sql.separated(", ");
        for k in chunk {
            list.push_bind(k);
        }
        sql.push(")");
        for r in sql.build().fetch_all(pool).await.map_err(db_err)? {
            let data: String = r.get(1);
            found.insert(
                r.get::<String, _>(0),
                serde_json::from_str::<ProductSnapshot>(&data).map_err(corrupt)?,
            );
        }
    }
    Ok(found)
}

pub(crate) async fn list_messages(pool: &Pool, q: &MessageQuery) -> StoreResult<MessagePage> {
    let limit = q.limit.clamp(1, 500) as i64;
    let mut sql: QueryBuilder<Db> = QueryBuilder::new(format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE 1 = 1"
    ));
    if let Some(phone) = &q.phone_number_id {
        sql.push(" AND phone_number_id = ").push_bind(phone);
    }
    if let Some(wa_id) = &q.wa_id {
        sql.push(" AND wa_id = ").push_bind(wa_id);
    }
    if let Some(cursor) = q.before_cursor {
        sql.push(" AND seq < ").push_bind(cursor);
    }
    if let Some(cursor) = q.after_cursor {
        sql.push(" AND seq > ").push_bind(cursor);
        sql.push(" ORDER BY seq ASC LIMIT ").push_bind(limit + 1);
    } else {
        sql.push(" ORDER BY seq DESC LIMIT ").push_bind(limit + 1);
    }
    let mut rows = sql.build().fetch_all(pool).await.map_err(db_err)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let items = messages_from_rows(pool, &rows).await?;
    Ok(MessagePage { items, has_more })
}

/// A `messages` row by its wamid: by the wamid's key ([`packed::wamid_key`], every row since
/// migration 0006) or, for a row from before (no key), by the wamid itself, checked against the
/// wamid either way. `wamid` and `key` are the placeholders they are bound to.
fn message_of(wamid: &str, key: &str) -> String {
    format!(
        "((messages.wamid_key = {key} AND messages.wamid = {wamid}) \
         OR (messages.wamid_key IS NULL AND messages.wamid = {wamid}))"
    )
}

/// [`message_of`] with its values bound in place, inside one row of a multi-row statement.
fn push_message_of<'q, Sep: std::fmt::Display>(
    row: &mut sqlx::query_builder::Separated<'_, 'q, Db, Sep>,
    wamid: &'q Wamid,
    key: i64,
) {
    row.push_unseparated("((messages.wamid_key = ")
        .push_bind_unseparated(key)
        .push_unseparated(" AND messages.wamid = ")
        .push_bind_unseparated(wamid)
        .push_unseparated(") OR (messages.wamid_key IS NULL AND messages.wamid = ")
        .push_bind_unseparated(wamid)
        .push_unseparated("))");
}

pub(crate) async fn get_message(pool: &Pool, wamid: &Wamid) -> StoreResult<Option<MessageRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE {}",
        message_of("$1", "$2")
    ))
    .bind(wamid)
    .bind(packed::wamid_key(wamid))
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    let Some(row) = row else { return Ok(None) };
    Ok(messages_from_rows(pool, &[row])
        .await?
        .pop()
        .map(|(_, m)| m))
}

/// The statuses message `wamid` had when it was accepted (its row's `statuses`); none when it
/// has none kept there or there is no such message. `lock` follows the `SELECT`.
async fn own_statuses<'e, E>(ex: E, wamid: &Wamid, lock: &str) -> StoreResult<Vec<StatusEvent>>
where
    E: sqlx::Executor<'e, Database = Db>,
{
    let own: Option<Option<String>> = sqlx::query_scalar(&format!(
        "SELECT statuses FROM messages WHERE {} {lock}",
        message_of("$1", "$2")
    ))
    .bind(wamid)
    .bind(packed::wamid_key(wamid))
    .fetch_optional(ex)
    .await
    .map_err(db_err)?;
    match own.flatten() {
        Some(own) => packed::unpack_own_statuses(wamid, &own).map_err(corrupt),
        None => Ok(Vec::new()),
    }
}

/// Writes a final status (and its webhooks) unless the message has one; the message row is
/// locked first (with its own statuses read), so two nodes deciding at once take turns.
pub(crate) async fn append_final_status(
    conn: &mut Conn,
    wamid: &Wamid,
    outbox: &Outbox,
) -> StoreResult<bool> {
    let key = packed::wamid_key(wamid);
    let own = own_statuses(&mut *conn, wamid, FOR_UPDATE).await?;
    if own
        .iter()
        .any(|e| matches!(e.status, MessageStatus::Read | MessageStatus::Failed))
    {
        return Ok(false);
    }
    let finals: i64 = sqlx::query_scalar(&format!(
        "SELECT (SELECT COUNT(*) FROM message_statuses WHERE status IN ('read', 'failed') \
         AND message_seq = (SELECT seq FROM messages WHERE {})) \
         + (SELECT COUNT(*) FROM message_statuses WHERE status IN ('read', 'failed') \
         AND wamid = $1 AND wamid <> '')",
        message_of("$1", "$2")
    ))
    .bind(wamid)
    .bind(key)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    if finals > 0 {
        return Ok(false);
    }
    write_outbox(conn, outbox).await?;
    Ok(true)
}

/// Rows per multi-row `INSERT`: far under both databases' limits on bound parameters (11 per
/// webhook row).
const ROWS_PER_INSERT: usize = 512;

/// A status's `errors` column: its error objects as JSON, `NULL` for none.
fn status_errors(e: &StatusEvent) -> StoreResult<Option<String>> {
    if e.errors.is_empty() {
        Ok(None)
    } else {
        serde_json::to_string(&e.errors).map(Some).map_err(corrupt)
    }
}

async fn insert_statuses(conn: &mut Conn, statuses: &[&StatusEvent]) -> StoreResult<()> {
    for chunk in statuses.chunks(ROWS_PER_INSERT) {
        let errors = chunk
            .iter()
            .copied()
            .map(status_errors)
            .collect::<StoreResult<Vec<Option<String>>>>()?;
        // A status names its message by number; one whose message is not there keeps its
        // wamid.
        let mut sql: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO message_statuses (message_seq, wamid, status, at, errors) ",
        );
        sql.push_values(chunk.iter().zip(errors), |mut row, (e, errors)| {
            let key = packed::wamid_key(&e.wamid);
            row.push("(SELECT seq FROM messages WHERE ");
            push_message_of(&mut row, &e.wamid, key);
            row.push_unseparated(")")
                .push("COALESCE((SELECT CAST('' AS TEXT) FROM messages WHERE ");
            push_message_of(&mut row, &e.wamid, key);
            row.push_unseparated("), ");
            row.push_bind_unseparated(&e.wamid)
                .push_unseparated(")")
                .push_bind(e.status.as_str())
                .push_bind(e.at.0)
                .push_bind(errors);
        });
        sql.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

/// An empty `body` (a packed webhook keeps its body in `packed`).
const NO_BYTES: &[u8] = &[];

/// Webhooks with their rows ([`packed::pack_webhook`], and a lease or none): the wamid,
/// signatures and body columns stay empty. Returns each statement's result with the number of
/// rows it was given.
async fn insert_webhooks(
    conn: &mut Conn,
    webhooks: &[(&NewWebhook, &WebhookRow)],
) -> StoreResult<Vec<(usize, <Db as sqlx::Database>::QueryResult)>> {
    let mut results = Vec::with_capacity(webhooks.len().div_ceil(ROWS_PER_INSERT));
    for chunk in webhooks.chunks(ROWS_PER_INSERT) {
        let mut sql: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO webhooks (app_id, waba_id, url, event_type, status, body, \
             signature_256, signature_1, state, attempt_count, due_at, next_attempt_at, \
             packed, wamid_key, leased_until) ",
        );
        sql.push_values(chunk, |mut row, (w, r)| {
            row.push_bind(&w.app_id)
                .push_bind(&w.waba_id)
                .push_bind(&w.url)
                .push_bind(w.event_type.as_str())
                .push_bind(w.status.map(|s| s.as_str()))
                .push_bind(NO_BYTES)
                .push("''")
                .push("''")
                .push("'pending'")
                .push("0")
                .push_bind(w.due_at.0)
                .push_bind(w.due_at.0)
                .push_bind(r.packed.as_slice())
                .push_bind(w.wamid.as_ref().map(packed::wamid_key))
                .push_bind(r.leased_until);
        });
        let done = sql.build().execute(&mut *conn).await.map_err(db_err)?;
        results.push((chunk.len(), done));
    }
    Ok(results)
}

pub(crate) async fn write_outbox(conn: &mut Conn, outbox: &Outbox) -> StoreResult<()> {
    let statuses: Vec<&StatusEvent> = outbox.statuses.iter().collect();
    insert_statuses(conn, &statuses).await?;
    let rows: Vec<WebhookRow> = outbox
        .webhooks
        .iter()
        .map(|w| WebhookRow {
            packed: packed::pack_webhook(w),
            leased_until: None,
        })
        .collect();
    let webhooks: Vec<(&NewWebhook, &WebhookRow)> = outbox.webhooks.iter().zip(&rows).collect();
    insert_webhooks(conn, &webhooks).await?;
    Ok(())
}

pub(crate) async fn claim_webhooks(
    conn: &mut Conn,
    now: Millis,
    wall_now: i64,
    lease_until: i64,
    limit: u32,
) -> StoreResult<Vec<Claimed>> {
    let rows = sqlx::query(
        &format!(
        "UPDATE webhooks SET leased_until = $1 WHERE id IN ( \
           SELECT id FROM webhooks WHERE state = 'pending' AND next_attempt_at <= $2 \
           AND (leased_until IS NULL OR leased_until < $3) ORDER BY next_attempt_at, id LIMIT $4 {SKIP_LOCKED}) \
         RETURNING id, url, body, signature_256, signature_1, attempt_count, due_at, packed"
    ),
    )
    .bind(lease_until)
    .bind(now.0)
    .bind(wall_now)
    .bind(limit as i64)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    rows.into_iter()
        .map(|r| {
            let (body, signature_256, signature_1) = match r.get::<Option<Vec<u8>>, _>(7) {
                Some(p) => {
                    let parts = packed::unpack_webhook(&p).map_err(corrupt)?;
                    (parts.body, parts.signature_256, parts.signature_1)
                }
                None => (r.get(2), r.get(3), r.get(4)),
            };
            Ok(Claimed {
                id: r.get(0),
                url: r.get(1),
                body,
                signature_256,
                signature_1,
                attempts_before: r.get(5),
                due_at: Millis(r.get(6)),
            })
        })
        .collect()
}

/// Attempts with what follows each: one multi-row `INSERT` of the attempts and one `UPDATE …
/// FROM (VALUES …)` of their webhooks per [`ROWS_PER_INSERT`] attempts, whatever the outcomes
/// (a dispatcher records what a round of deliveries gave in one write).
pub(crate) async fn record_attempts(
    conn: &mut Conn,
    attempts: &[AttemptRecord],
) -> StoreResult<()> {
    for chunk in attempts.chunks(ROWS_PER_INSERT) {
        let mut sql: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO webhook_attempts (webhook_id, number, at, http_status, latency_ms, response, error) ",
        );
        sql.push_values(chunk, |mut row, r| {
            let a = &r.attempt;
            row.push_bind(r.id)
                .push_bind(a.number)
                .push_bind(a.at.0)
                .push_bind(a.http_status.map(i64::from))
                .push_bind(a.latency_ms)
                .push_bind(&a.response)
                .push_bind(&a.error);
        });
        sql.build().execute(&mut *conn).await.map_err(db_err)?;
        // `VALUES` names its columns column1, column2, … on both databases.
        let mut sql: QueryBuilder<Db> = QueryBuilder::new(format!(
            "UPDATE webhooks SET state = v.column2, next_attempt_at = v.column3, \
             delivered_at = COALESCE(v.column4, webhooks.delivered_at), leased_until = NULL, \
             attempt_count = {GREATEST}(webhooks.attempt_count, v.column5) FROM ("
        ));
        sql.push_values(chunk, |mut row, r| {
            let (state, next, delivered) = match r.after {
                AfterAttempt::Delivered => (DeliveryState::Delivered, None, Some(r.attempt.at.0)),
                AfterAttempt::RetryAt(at) => (DeliveryState::Pending, Some(at.0), None),
                AfterAttempt::Dead => (DeliveryState::Dead, None, None),
            };
            row.push_bind(r.id)
                .push_bind(state.as_str())
                .push_bind(next)
                .push_bind(delivered)
                .push_bind(r.attempt.number);
        });
        sql.push(") AS v WHERE webhooks.id = v.column1");
        sql.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

pub(crate) async fn redeliver(conn: &mut Conn, id: i64, now: Millis) -> StoreResult<bool> {
    let r = sqlx::query(
        "UPDATE webhooks SET state = 'pending', next_attempt_at = $1, leased_until = NULL WHERE id = $2",
    )
    .bind(now.0)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(r.rows_affected() > 0)
}

pub(crate) async fn message_statuses(pool: &Pool, wamid: &Wamid) -> StoreResult<Vec<StatusEvent>> {
    // The later statuses first, then the message's own (which never change once its row is
    // there): read in that order, two snapshots still give a state the message was in.
    let rows = sqlx::query(&format!(
        "SELECT status, at, errors, seq FROM message_statuses \
         WHERE message_seq = (SELECT seq FROM messages WHERE {}) \
         UNION ALL SELECT status, at, errors, seq FROM message_statuses \
         WHERE wamid = $1 AND wamid <> '' ORDER BY 2, 4",
        message_of("$1", "$2")
    ))
    .bind(wamid)
    .bind(packed::wamid_key(wamid))
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    let mut all = own_statuses(pool, wamid, "").await?;
    for r in rows {
        let status: String = r.get(0);
        let errors: Option<String> = r.get(2);
        all.push(StatusEvent {
            wamid: wamid.to_owned(),
            status: MessageStatus::parse(&status)
                .ok_or_else(|| corrupt(format!("status {status}")))?,
            at: Millis(r.get(1)),
            errors: match errors {
                Some(e) => serde_json::from_str(&e).map_err(corrupt)?,
                None => vec![],
            },
        });
    }
    // In time order; at the same time, the own statuses (written first) before the rows.
    all.sort_by_key(|e| e.at);
    Ok(all)
}

pub(crate) async fn next_webhook_due(pool: &Pool, wall_now: i64) -> StoreResult<Option<Millis>> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(next_attempt_at) FROM webhooks WHERE state = 'pending' \
         AND (leased_until IS NULL OR leased_until < $1)",
    )
    .bind(wall_now)
    .fetch_one(pool)
    .await
    .map_err(db_err)?;
    Ok(at.map(Millis))
}

pub(crate) async fn pending_webhooks(pool: &Pool) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM webhooks WHERE state = 'pending'")
        .fetch_one(pool)
        .await
        .map_err(db_err)
}

const WEBHOOK_COLUMNS: &str =
    "id, app_id, waba_id, url, event_type, wamid, status, body, signature_256, \
     signature_1, state, attempt_count, due_at, next_attempt_at, delivered_at, packed";

fn webhook_from_row(r: &DbRow) -> StoreResult<WebhookRecord> {
    let event: String = r.get(4);
    let status: Option<String> = r.get(6);
    let state: String = r.get(10);
    let parts = match r.get::<Option<Vec<u8>>, _>(15) {
        Some(p) => packed::unpack_webhook(&p).map_err(corrupt)?,
        None => packed::WebhookParts {
            wamid: r.get(5),
            signature_256: r.get(8),
            signature_1: r.get(9),
            body: r.get(7),
        },
    };
    Ok(WebhookRecord {
        id: r.get(0),
        app_id: r.get(1),
        waba_id: r.get(2),
        url: r.get(3),
        event_type: EventType::parse(&event)
            .ok_or_else(|| corrupt(format!("event type {event}")))?,
        wamid: parts.wamid,
        status: status.as_deref().and_then(MessageStatus::parse),
        body: String::from_utf8_lossy(&parts.body).into_owned(),
        signature_256: parts.signature_256,
        signature_1: parts.signature_1,
        state: DeliveryState::parse(&state).ok_or_else(|| corrupt(format!("state {state}")))?,
        attempt_count: r.get(11),
        due_at: Millis(r.get(12)),
        next_attempt_at: r.get::<Option<i64>, _>(13).map(Millis),
        delivered_at: r.get::<Option<i64>, _>(14).map(Millis),
    })
}

pub(crate) async fn list_webhooks(pool: &Pool, q: &WebhookQuery) -> StoreResult<WebhookPage> {
    let limit = q.limit.clamp(1, 500) as i64;
    let mut sql: QueryBuilder<Db> = QueryBuilder::new(format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE 1 = 1"
    ));
    if let Some(state) = q.state {
        sql.push(" AND state = ").push_bind(state.as_str());
    }
    if let Some(wamid) = &q.wamid {
        // By its key (packed rows) or itself (rows from before): rows whose key matches but
        // not their wamid are dropped below.
        let [key, hashed] = packed::wamid_lookup_keys(wamid);
        sql.push(" AND (wamid_key IN (")
            .push_bind(key)
            .push(", ")
            .push_bind(hashed)
            .push(") OR wamid = ")
            .push_bind(wamid.clone())
            .push(")");
    }
    if let Some(event) = q.event_type {
        sql.push(" AND event_type = ").push_bind(event.as_str());
    }
    if let Some(before) = q.before_id {
        sql.push(" AND id < ").push_bind(before);
    }
    if let Some(after) = q.after_id {
        sql.push(" AND id > ").push_bind(after);
        sql.push(" ORDER BY id ASC LIMIT ").push_bind(limit + 1);
    } else {
        sql.push(" ORDER BY id DESC LIMIT ").push_bind(limit + 1);
    }
    let rows = sql.build().fetch_all(pool).await.map_err(db_err)?;
    let has_more = rows.len() as i64 > limit;
    let items = rows
        .iter()
        .take(limit as usize)
        .map(webhook_from_row)
        .filter(|w| match (&q.wamid, w) {
            (Some(wamid), Ok(w)) => w.wamid.as_ref() == Some(wamid),
            _ => true,
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(WebhookPage { items, has_more })
}

pub(crate) async fn get_webhook(
    pool: &Pool,
    id: i64,
) -> StoreResult<Option<(WebhookRecord, Vec<Attempt>)>> {
    let Some(row) = sqlx::query(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(db_err)?
    else {
        return Ok(None);
    };
    let record = webhook_from_row(&row)?;
    let attempts = sqlx::query(
        "SELECT number, at, http_status, latency_ms, response, error FROM webhook_attempts WHERE webhook_id = $1 ORDER BY number",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .map_err(db_err)?
    .into_iter()
    .map(|r| Attempt {
        number: r.get(0),
        at: Millis(r.get(1)),
        http_status: r.get::<Option<i64>, _>(2).and_then(|s| u16::try_from(s).ok()),
        latency_ms: r.get(3),
        response: r.get(4),
        error: r.get(5),
    })
    .collect();
    Ok(Some((record, attempts)))
}

pub(crate) async fn insert_batch(conn: &mut Conn, b: &BatchJob) -> StoreResult<()> {
    let requests = serde_json::to_string(&b.requests).map_err(corrupt)?;
    sqlx::query(
        "INSERT INTO catalog_batches (handle, catalog_id, requests, allow_upsert, due_at, status) \
         VALUES ($1, $2, $3, $4, $5, 'started')",
    )
    .bind(&b.handle)
    .bind(&b.catalog_id)
    .bind(requests)
    .bind(b.allow_upsert)
    .bind(b.due_at.0)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

const BATCH_COLUMNS: &str = "handle, catalog_id, requests, allow_upsert, due_at, status, result";

fn batch_from_row(r: &DbRow) -> StoreResult<BatchJob> {
    let requests: String = r.get(2);
    let status: String = r.get(5);
    let result: Option<String> = r.get(6);
    Ok(BatchJob {
        handle: r.get(0),
        catalog_id: r.get(1),
        requests: serde_json::from_str(&requests).map_err(corrupt)?,
        allow_upsert: r.get::<bool, _>(3),
        due_at: Millis(r.get(4)),
        finished: status == "finished",
        result: result
            .map(|j| serde_json::from_str(&j).map_err(corrupt))
            .transpose()?,
    })
}

pub(crate) async fn claim_batches(
    conn: &mut Conn,
    now: Millis,
    wall_now: i64,
    lease_until: i64,
    limit: u32,
) -> StoreResult<Vec<BatchJob>> {
    let rows = sqlx::query(&format!(
        "UPDATE catalog_batches SET leased_until = $1 WHERE handle IN ( \
           SELECT handle FROM catalog_batches WHERE status = 'started' AND due_at <= $2 \
           AND (leased_until IS NULL OR leased_until < $3) ORDER BY due_at LIMIT $4 {SKIP_LOCKED}) \
         RETURNING {BATCH_COLUMNS}"
    ))
    .bind(lease_until)
    .bind(now.0)
    .bind(wall_now)
    .bind(limit as i64)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    rows.iter().map(batch_from_row).collect()
}

pub(crate) async fn finish_batch(
    conn: &mut Conn,
    handle: &str,
    result: &BatchResult,
) -> StoreResult<()> {
    let json = serde_json::to_string(result).map_err(corrupt)?;
    sqlx::query("UPDATE catalog_batches SET status = 'finished', result = $1, leased_until = NULL WHERE handle = $2")
        .bind(json)
        .bind(handle)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn get_batch(pool: &Pool, handle: &str) -> StoreResult<Option<BatchJob>> {
    let row = sqlx::query(&format!(
        "SELECT {BATCH_COLUMNS} FROM catalog_batches WHERE handle = $1"
    ))
    .bind(handle)
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    row.as_ref().map(batch_from_row).transpose()
}

pub(crate) async fn get_inbound(pool: &Pool, wamid: &Wamid) -> StoreResult<Option<InboundRecord>> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT record FROM inbound_messages WHERE wamid = $1")
            .bind(wamid)
            .fetch_optional(pool)
            .await
            .map_err(db_err)?;
    json.map(|j| serde_json::from_str(&j).map_err(corrupt))
        .transpose()
}

pub(crate) async fn list_inbound(
    pool: &Pool,
    phone_number_id: &PhoneNumberId,
    wa_id: &WaId,
    limit: u32,
) -> StoreResult<Vec<InboundRecord>> {
    let rows = sqlx::query(
        "SELECT record FROM inbound_messages WHERE phone_number_id = $1 AND wa_id = $2 ORDER BY seq DESC LIMIT $3",
    )
    .bind(phone_number_id)
    .bind(wa_id)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    oldest_first(rows)
}

/// Where each of these messages (the business's or a customer's, by wamid) stands in the order
/// of acceptance; messages written before it was kept are left out.
pub(crate) async fn message_order(
    pool: &Pool,
    wamids: &[Wamid],
) -> StoreResult<std::collections::HashMap<Wamid, i64>> {
    let mut found = std::collections::HashMap::with_capacity(wamids.len());
    for chunk in wamids.chunks(ROWS_PER_INSERT) {
        // By key, or by wamid for rows from before (`message_of` for many).
        let mut sql: QueryBuilder<Db> = QueryBuilder::new(
            "SELECT wamid, accepted FROM messages WHERE accepted IS NOT NULL AND \
             (wamid_key IS NOT NULL AND wamid_key IN (",
        );
        let mut list = sql.separated(", ");
        for w in chunk {
            list.push_bind(packed::wamid_key(w));
        }
        sql.push(") OR wamid_key IS NULL AND wamid IN (");
        let mut list = sql.separated(", ");
        for w in chunk {
            list.push_bind(w);
        }
        sql.push(
            ")) UNION ALL SELECT wamid, accepted FROM inbound_messages \
             WHERE accepted IS NOT NULL AND wamid IN (",
        );
        let mut list = sql.separated(", ");
        for w in chunk {
            list.push_bind(w);
        }
        sql.push(")");
        for r in sql.build().fetch_all(pool).await.map_err(db_err)? {
            // A key another wamid shares finds that one too.
            let wamid: Wamid = r.get(0);
            if chunk.contains(&wamid) {
                found.insert(wamid, r.get::<i64, _>(1));
            }
        }
    }
    Ok(found)
}

/// JSON records in their first column, read newest first, given back oldest first.
fn oldest_first<T: serde::de::DeserializeOwned>(rows: Vec<DbRow>) -> StoreResult<Vec<T>> {
    let mut out = rows
        .into_iter()
        .map(|r| {
            let json: String = r.get(0);
            serde_json::from_str::<T>(&json).map_err(corrupt)
        })
        .collect::<StoreResult<Vec<_>>>()?;
    out.reverse();
    Ok(out)
}

const MEDIA_COLUMNS: &str =
    "id, phone_number_id, mime_type, sha256, file_size, filename, animated, \
     origin, created_at, expires_at, url_secret";

fn media_from_row(r: &DbRow) -> StoreResult<MediaRecord> {
    let origin: String = r.get(7);
    Ok(MediaRecord {
        id: r.get(0),
        phone_number_id: r.get(1),
        mime_type: r.get(2),
        sha256: r.get(3),
        file_size: r.get(4),
        filename: r.get(5),
        animated: r.get::<bool, _>(6),
        origin: MediaOrigin::parse(&origin)
            .ok_or_else(|| corrupt(format!("unknown media origin {origin}")))?,
        created_at: Millis(r.get(8)),
        expires_at: Millis(r.get(9)),
        url_secret: r.get(10),
    })
}

pub(crate) async fn insert_media(
    conn: &mut Conn,
    m: &MediaRecord,
    state: &str,
    wall_now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO media (id, phone_number_id, mime_type, sha256, file_size, filename, animated, \
         origin, state, created_at, expires_at, url_secret, started_wall) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&m.id)
    .bind(&m.phone_number_id)
    .bind(&m.mime_type)
    .bind(&m.sha256)
    .bind(m.file_size)
    .bind(&m.filename)
    .bind(m.animated)
    .bind(m.origin.as_str())
    .bind(state)
    .bind(m.created_at.0)
    .bind(m.expires_at.0)
    .bind(&m.url_secret)
    .bind(wall_now)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn insert_media_chunk(
    conn: &mut Conn,
    id: &MediaId,
    seq: i64,
    data: &[u8],
) -> StoreResult<()> {
    sqlx::query("INSERT INTO media_chunks (media_id, seq, data) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(seq)
        .bind(data)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn finish_media(conn: &mut Conn, m: &MediaRecord) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE media SET state = 'ready', mime_type = $1, sha256 = $2, file_size = $3, \
         animated = $4, filename = $5 WHERE id = $6 AND state = 'uploading'",
    )
    .bind(&m.mime_type)
    .bind(&m.sha256)
    .bind(m.file_size)
    .bind(m.animated)
    .bind(&m.filename)
    .bind(&m.id)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?
    .rows_affected();
    if done == 0 {
        return Err(StoreError::Conflict(format!(
            "media {} is not being uploaded",
            m.id
        )));
    }
    Ok(())
}

pub(crate) async fn delete_media(conn: &mut Conn, id: &MediaId) -> StoreResult<bool> {
    sqlx::query("DELETE FROM media_chunks WHERE media_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let gone = sqlx::query("DELETE FROM media WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?
        .rows_affected();
    Ok(gone > 0)
}

pub(crate) async fn copy_media(
    conn: &mut Conn,
    from: &MediaId,
    m: &MediaRecord,
) -> StoreResult<bool> {
    let ready: Option<String> =
        sqlx::query_scalar("SELECT id FROM media WHERE id = $1 AND state = 'ready'")
            .bind(from)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
    if ready.is_none() {
        return Ok(false);
    }
    insert_media(conn, m, "ready", 0).await?;
    sqlx::query(
        "INSERT INTO media_chunks (media_id, seq, data) \
         SELECT $1, seq, data FROM media_chunks WHERE media_id = $2",
    )
    .bind(&m.id)
    .bind(from)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(true)
}

pub(crate) async fn purge_media(
    conn: &mut Conn,
    now: Millis,
    stale_before_wall: i64,
    limit: u32,
) -> StoreResult<i64> {
    let ids: Vec<MediaId> = sqlx::query_scalar(
        "SELECT id FROM media WHERE expires_at <= $1 \
         OR (state = 'uploading' AND started_wall < $2) LIMIT $3",
    )
    .bind(now.0)
    .bind(stale_before_wall)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    for id in &ids {
        delete_media(conn, id).await?;
    }
    Ok(ids.len() as i64)
}

pub(crate) async fn get_media(pool: &Pool, id: &MediaId) -> StoreResult<Option<MediaRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {MEDIA_COLUMNS} FROM media WHERE id = $1 AND state = 'ready'"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    row.as_ref().map(media_from_row).transpose()
}

pub(crate) async fn media_chunk(
    pool: &Pool,
    id: &MediaId,
    seq: i64,
) -> StoreResult<Option<Vec<u8>>> {
    sqlx::query_scalar("SELECT data FROM media_chunks WHERE media_id = $1 AND seq = $2")
        .bind(id)
        .bind(seq)
        .fetch_optional(pool)
        .await
        .map_err(db_err)
}

pub(crate) async fn mark_thread_read(
    conn: &mut Conn,
    phone_number_id: &PhoneNumberId,
    wa_id: &WaId,
    read_up_to: i64,
    typing_at: Option<i64>,
) -> StoreResult<()> {
    let changed: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(changed), 0) + 1 FROM thread_reads")
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
    sqlx::query(&format!(
        "INSERT INTO thread_reads (phone_number_id, wa_id, read_up_to, typing_at, changed) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (phone_number_id, wa_id) DO UPDATE SET \
         read_up_to = {GREATEST}(thread_reads.read_up_to, excluded.read_up_to), \
         typing_at = COALESCE(excluded.typing_at, thread_reads.typing_at), \
         changed = excluded.changed"
    ))
    .bind(phone_number_id)
    .bind(wa_id)
    .bind(read_up_to)
    .bind(typing_at)
    .bind(changed)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn thread_reads(
    pool: &Pool,
    phone_number_id: &PhoneNumberId,
    wa_id: &WaId,
) -> StoreResult<ThreadReads> {
    let row = sqlx::query(
        "SELECT read_up_to, typing_at FROM thread_reads WHERE phone_number_id = $1 AND wa_id = $2",
    )
    .bind(phone_number_id)
    .bind(wa_id)
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    Ok(row
        .map(|r| ThreadReads {
            read_up_to: Some(r.get(0)),
            typing_at: r.get(1),
        })
        .unwrap_or_default())
}

pub(crate) async fn thread_reads_version(pool: &Pool) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT COALESCE(MAX(changed), 0) FROM thread_reads")
        .fetch_one(pool)
        .await
        .map_err(db_err)
}

pub(crate) async fn insert_peer_messages(
    conn: &mut Conn,
    messages: &[PeerMessage],
) -> StoreResult<()> {
    for m in messages {
        insert_peer_message(conn, m).await?;
    }
    Ok(())
}

async fn insert_peer_message(conn: &mut Conn, m: &PeerMessage) -> StoreResult<()> {
    let json = serde_json::to_string(m).map_err(corrupt)?;
    sqlx::query(
        "INSERT INTO peer_messages (id, from_wa_id, to_wa_id, created_at, record) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&m.id)
    .bind(&m.from)
    .bind(&m.to)
    .bind(m.created_at.0)
    .bind(json)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn get_peer_message(pool: &Pool, id: &str) -> StoreResult<Option<PeerMessage>> {
    let json: Option<String> = sqlx::query_scalar("SELECT record FROM peer_messages WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    json.map(|j| serde_json::from_str(&j).map_err(corrupt))
        .transpose()
}

pub(crate) async fn list_peer_messages(
    pool: &Pool,
    a: &WaId,
    b: &WaId,
    limit: u32,
) -> StoreResult<Vec<PeerMessage>> {
    let rows = sqlx::query(
        "SELECT record FROM peer_messages WHERE (from_wa_id = $1 AND to_wa_id = $2) \
         OR (from_wa_id = $2 AND to_wa_id = $1) ORDER BY seq DESC LIMIT $3",
    )
    .bind(a)
    .bind(b)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    oldest_first(rows)
}

pub(crate) async fn peer_chats(pool: &Pool, wa_id: &WaId) -> StoreResult<Vec<(WaId, i64)>> {
    let rows = sqlx::query(
        "SELECT CASE WHEN from_wa_id = $1 THEN to_wa_id ELSE from_wa_id END AS other, \
         MAX(created_at) AS last_at FROM peer_messages WHERE from_wa_id = $1 OR to_wa_id = $1 \
         GROUP BY other ORDER BY last_at DESC LIMIT 100",
    )
    .bind(wa_id)
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.get::<WaId, _>(0), r.get::<i64, _>(1)))
        .collect())
}

pub(crate) async fn peer_messages_version(pool: &Pool) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM peer_messages")
        .fetch_one(pool)
        .await
        .map_err(db_err)
}

/// One log that `--retain` prunes: its table, its ordering key, what must stay, and the rows of
/// other tables that hang on each of its rows.
struct PrunedLog {
    table: &'static str,
    key: &'static str,
    /// Sandbox ms of a row (age retention).
    time: &'static str,
    /// Rows that are never pruned, whatever their age.
    keep: &'static str,
    /// `(table, column, link, only)`: rows of `table` deleted with each row, whose `column`
    /// holds the row's `link` column (and that match `only`, which lets a partial index serve).
    dependents: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

const PRUNED_LOGS: [PrunedLog; 3] = [
    PrunedLog {
        table: "messages",
        key: "seq",
        time: "created_at",
        keep: "",
        dependents: &[
            ("message_statuses", "message_seq", "seq", ""),
            ("message_statuses", "wamid", "wamid", "AND wamid <> ''"),
        ],
    },
    PrunedLog {
        table: "inbound_messages",
        key: "seq",
        time: "created_at",
        keep: "",
        dependents: &[],
    },
    PrunedLog {
        table: "webhooks",
        key: "id",
        time: "due_at",
        keep: "AND state <> 'pending'",
        dependents: &[("webhook_attempts", "webhook_id", "id", "")],
    },
];

/// Removes up to `limit` of the oldest rows of each log that `retain` no longer keeps, with the
/// rows that hang on them, in this one (short) transaction; returns how many log rows went.
pub(crate) async fn prune_logs(
    conn: &mut Conn,
    retain: Retention,
    now: Millis,
    limit: u32,
) -> StoreResult<i64> {
    let mut removed = 0;
    for log in &PRUNED_LOGS {
        let (table, key) = (log.table, log.key);
        let (outside, cutoff) = match retain {
            Retention::Age(ms) => (format!("{} < $1", log.time), now.0.saturating_sub(ms)),
            Retention::Count(n) => {
                // The newest row past the `n` kept (keys may have gaps: no arithmetic on them).
                let past: Option<i64> = sqlx::query_scalar(&format!(
                    "SELECT {key} FROM {table} ORDER BY {key} DESC LIMIT 1 OFFSET $1"
                ))
                .bind(n)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db_err)?;
                let Some(past) = past else { continue };
                (format!("{key} <= $1"), past)
            }
        };
        let chosen = format!("{outside} {}", log.keep);
        let bound: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT MAX({key}) FROM (SELECT {key} FROM {table} WHERE {chosen} \
             ORDER BY {key} LIMIT $2) AS oldest"
        ))
        .bind(cutoff)
        .bind(i64::from(limit))
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
        let Some(bound) = bound else { continue };
        for (dependent, column, link, only) in log.dependents {
            sqlx::query(&format!(
                "DELETE FROM {dependent} WHERE {column} IN \
                 (SELECT {link} FROM {table} WHERE {key} <= $2 AND {chosen}) {only}"
            ))
            .bind(cutoff)
            .bind(bound)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        }
        removed += sqlx::query(&format!(
            "DELETE FROM {table} WHERE {key} <= $2 AND {chosen}"
        ))
        .bind(cutoff)
        .bind(bound)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?
        .rows_affected() as i64;
    }
    Ok(removed)
}
