//! SQL and row mapping. Row shapes stay in this crate.

use crate::db_err;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool, Transaction};
use vitrine_core::directory::DirectoryData;
use vitrine_core::message::{MessagePage, MessageQuery, MessageRecord};
use vitrine_core::model::{
    App, Business, Catalog, CommerceSettings, PhoneNumber, Product, Scope, Token, Waba,
};
use vitrine_core::store::{StoreError, StoreResult};

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

pub(crate) async fn load_directory(
    mut tx: Transaction<'_, Sqlite>,
) -> StoreResult<Option<DirectoryData>> {
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
        "SELECT id, name, secret, verify_token, require_appsecret_proof FROM apps ORDER BY id",
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
            require_appsecret_proof: r.get::<i64, _>(4) != 0,
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
        });
    }
    for r in sqlx::query(
        "SELECT id, waba_id, display_phone_number, verified_name, commerce_id, is_cart_enabled, \
         is_catalog_visible, commerce_saved FROM phone_numbers ORDER BY id",
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
                is_cart_enabled: r.get::<i64, _>(5) != 0,
                is_catalog_visible: r.get::<i64, _>(6) != 0,
                saved: r.get::<i64, _>(7) != 0,
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
    for r in sqlx::query("SELECT data FROM products ORDER BY seq")
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?
    {
        let json: String = r.get(0);
        data.products
            .push(serde_json::from_str::<Product>(&json).map_err(corrupt)?);
    }
    tx.commit().await.map_err(db_err)?;
    Ok(Some(data))
}

pub(crate) async fn write_seed(
    conn: &mut SqliteConnection,
    data: &DirectoryData,
) -> StoreResult<()> {
    for b in &data.businesses {
        sqlx::query("INSERT INTO businesses (id, name) VALUES (?, ?)")
            .bind(&b.id)
            .bind(&b.name)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    for a in &data.apps {
        sqlx::query("INSERT INTO apps (id, name, secret, verify_token, require_appsecret_proof) VALUES (?, ?, ?, ?, ?)")
            .bind(&a.id)
            .bind(&a.name)
            .bind(&a.secret)
            .bind(&a.verify_token)
            .bind(a.require_appsecret_proof as i64)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    for t in &data.tokens {
        insert_token(conn, t).await?;
    }
    for w in &data.wabas {
        sqlx::query("INSERT INTO wabas (id, business_id, name, catalog_id) VALUES (?, ?, ?, ?)")
            .bind(&w.id)
            .bind(&w.business_id)
            .bind(&w.name)
            .bind(&w.catalog_id)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    for p in &data.phone_numbers {
        sqlx::query(
            "INSERT INTO phone_numbers (id, waba_id, display_phone_number, verified_name, commerce_id, \
             is_cart_enabled, is_catalog_visible, commerce_saved) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&p.id)
        .bind(&p.waba_id)
        .bind(&p.display_phone_number)
        .bind(&p.verified_name)
        .bind(&p.commerce.id)
        .bind(p.commerce.is_cart_enabled as i64)
        .bind(p.commerce.is_catalog_visible as i64)
        .bind(p.commerce.saved as i64)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    for c in &data.catalogs {
        sqlx::query("INSERT INTO catalogs (id, business_id, name, vertical) VALUES (?, ?, ?, ?)")
            .bind(&c.id)
            .bind(&c.business_id)
            .bind(&c.name)
            .bind(&c.vertical)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    for p in &data.products {
        let json = serde_json::to_string(p).map_err(corrupt)?;
        sqlx::query("INSERT INTO products (id, catalog_id, retailer_id, data) VALUES (?, ?, ?, ?)")
            .bind(&p.id)
            .bind(&p.catalog_id)
            .bind(&p.retailer_id)
            .bind(json)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    sqlx::query("INSERT INTO meta (key, value) VALUES ('seeded', 'demo')")
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn insert_token(conn: &mut SqliteConnection, t: &Token) -> StoreResult<()> {
    sqlx::query("INSERT INTO tokens (token, business_id, app_id, scopes, expires_at) VALUES (?, ?, ?, ?, ?)")
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

pub(crate) async fn list_messages(pool: &SqlitePool, q: &MessageQuery) -> StoreResult<MessagePage> {
    let limit = q.limit.clamp(1, 500) as i64;
    let mut sql: QueryBuilder<Sqlite> =
        QueryBuilder::new("SELECT seq, record FROM messages WHERE 1 = 1");
    if let Some(phone) = &q.phone_number_id {
        sql.push(" AND phone_number_id = ").push_bind(phone);
    }
    if let Some(wa_id) = &q.wa_id {
        sql.push(" AND wa_id = ").push_bind(wa_id);
    }
    if let Some(cursor) = q.before_cursor {
        sql.push(" AND seq < ").push_bind(cursor);
    }
    sql.push(" ORDER BY seq DESC LIMIT ").push_bind(limit + 1);
    let rows = sql.build().fetch_all(pool).await.map_err(db_err)?;
    let has_more = rows.len() as i64 > limit;
    let items = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| {
            let json: String = r.get(1);
            Ok((
                r.get::<i64, _>(0),
                serde_json::from_str::<MessageRecord>(&json).map_err(corrupt)?,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(MessagePage { items, has_more })
}

pub(crate) async fn get_message(
    pool: &SqlitePool,
    wamid: &str,
) -> StoreResult<Option<MessageRecord>> {
    let json: Option<String> = sqlx::query_scalar("SELECT record FROM messages WHERE wamid = ?")
        .bind(wamid)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    json.map(|j| serde_json::from_str(&j).map_err(corrupt))
        .transpose()
}
