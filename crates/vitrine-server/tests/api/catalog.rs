//! The catalog API, commerce settings and the WABA's catalog, and their effect on sends
//! (spec §6, §10).
//!
//! Its length: one test per catalog rule and its effect on sends.

use crate::support::*;
use serde_json::{json, Value};
use vitrine_core::commerce::{CHECK_CATALOG_LINKED, PRODUCTS_NOT_FOUND};
use vitrine_core::seed;

fn product(rid: &str) -> Value {
    json!({
        "retailer_id": rid,
        "name": "Linen Shirt",
        "description": "Breathable linen",
        "price": 4599,
        "currency": "USD",
        "image_url": "https://cdn.example.com/shirt.jpg",
        "url": "https://shop.example.com/shirt",
        "availability": "in stock",
        "condition": "new",
        "brand": "Acme",
        "color": "sand"
    })
}

impl TestApp {
    async fn graph_get(&self, path: &str) -> Resp {
        self.send(
            self.client
                .get(self.url(&format!("/v23.0{path}")))
                .bearer_auth(TOKEN),
        )
        .await
    }

    async fn graph_post(&self, path: &str, body: Value) -> Resp {
        self.send(
            self.client
                .post(self.url(&format!("/v23.0{path}")))
                .bearer_auth(TOKEN)
                .json(&body),
        )
        .await
    }

    async fn graph_delete(&self, path: &str) -> Resp {
        self.send(
            self.client
                .delete(self.url(&format!("/v23.0{path}")))
                .bearer_auth(TOKEN),
        )
        .await
    }

    async fn product_count(&self) -> i64 {
        self.graph_get(&format!("/{CATALOG}?fields=product_count"))
            .await
            .body["product_count"]
            .as_i64()
            .unwrap()
    }
}

fn assert_100(r: &Resp, details: &str) {
    r.assert_error(
        400,
        json!({
            "message": "(#100) Invalid parameter",
            "type": "OAuthException",
            "code": 100,
            "error_data": { "details": details },
        }),
    );
}

#[tokio::test]
async fn catalogs_of_a_business() {
    let app = spawn_app().await;
    let r = app
        .graph_post(
            &format!("/{}/owned_product_catalogs", seed::BUSINESS_ID),
            json!({ "name": "Spring" }),
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(id.len() >= 15 && id.bytes().all(|b| b.is_ascii_digit()));
    let r = app
        .graph_get(&format!(
            "/{}/owned_product_catalogs?fields=id,name,vertical,product_count",
            seed::BUSINESS_ID
        ))
        .await;
    let data = r.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert!(data.contains(
        &json!({ "id": id, "name": "Spring", "vertical": "commerce", "product_count": 0 })
    ));
    assert_eq!(
        app.graph_get(&format!("/{id}")).await.body,
        json!({ "id": id, "name": "Spring" })
    );
    assert_eq!(
        app.graph_post(&format!("/{id}"), json!({ "name": "Summer" }))
            .await
            .body,
        json!({ "success": true })
    );
    assert_eq!(
        app.graph_get(&format!("/{id}?fields=name")).await.body,
        json!({ "name": "Summer", "id": id })
    );
    let r = app
        .graph_post(
            &format!("/{}/owned_product_catalogs", seed::BUSINESS_ID),
            json!({ "name": "x", "vertical": "spaceships" }),
        )
        .await;
    assert_eq!(r.body["error"]["code"], 100);
    let r = app
        .graph_post(
            &format!("/{}/owned_product_catalogs", seed::BUSINESS_ID),
            json!({}),
        )
        .await;
    r.assert_error(400, json!({ "message": "(#100) The parameter name is required.", "type": "OAuthException", "code": 100 }));
    assert_eq!(
        app.graph_delete(&format!("/{id}")).await.body,
        json!({ "success": true })
    );
    assert_eq!(
        app.graph_get(&format!("/{id}")).await.body["error"]["error_subcode"],
        33
    );
    // Another business's catalog is invisible.
    let r = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{CATALOG}")))
                .bearer_auth(seed::OTHER_ACCESS_TOKEN),
        )
        .await;
    assert_eq!(r.body["error"]["error_subcode"], 33);
}

#[tokio::test]
async fn catalog_permissions() {
    let app = spawn_app().await;
    let minted = app
        .post_json(
            "/_vitrine/tokens",
            json!({ "scopes": ["whatsapp_business_messaging"] }),
        )
        .await;
    let token = minted.body["access_token"].as_str().unwrap();
    let r = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{CATALOG}/products")))
                .bearer_auth(token),
        )
        .await;
    r.assert_error(403, json!({
        "message": "(#10) Application does not have permission for this action",
        "type": "OAuthException",
        "code": 10,
        "error_data": { "details": "The access token needs the catalog_management permission." },
    }));
    let minted = app
        .post_json(
            "/_vitrine/tokens",
            json!({ "scopes": ["catalog_management"] }),
        )
        .await;
    let token = minted.body["access_token"].as_str().unwrap();
    let r = app
        .send(
            app.client
                .post(app.url(&format!(
                    "/v23.0/{}/owned_product_catalogs",
                    seed::BUSINESS_ID
                )))
                .bearer_auth(token)
                .json(&json!({ "name": "x" })),
        )
        .await;
    assert_eq!(
        r.body["error"]["error_data"]["details"],
        "The access token needs the business_management permission."
    );
    let r = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{CATALOG}/products")))
                .bearer_auth(token),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200);
}

#[tokio::test]
async fn create_read_update_delete_a_product() {
    let app = spawn_app().await;
    let r = app
        .graph_post(&format!("/{CATALOG}/products"), product("shirt-linen"))
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .graph_get(&format!("/{id}?fields=retailer_id,name,price,currency,availability,visibility,review_status,brand,color,product_catalog"))
        .await;
    assert_eq!(
        r.body,
        json!({
            "retailer_id": "shirt-linen", "name": "Linen Shirt", "price": "$45.99", "currency": "USD",
            "availability": "in stock", "visibility": "published", "review_status": "approved",
            "brand": "Acme", "color": "sand", "product_catalog": { "id": CATALOG }, "id": id
        })
    );
    assert_eq!(
        app.graph_get(&format!("/{id}")).await.body,
        json!({ "id": id, "retailer_id": "shirt-linen", "name": "Linen Shirt" })
    );
    // It can be sent at once.
    app.post_message(spm("shirt-linen")).await.wamid();
    // Updates land; staging hides it from messages.
    assert_eq!(
        app.graph_post(
            &format!("/{id}"),
            json!({ "price": 3999, "visibility": "staging" })
        )
        .await
        .body,
        json!({ "success": true })
    );
    assert_eq!(
        app.graph_get(&format!("/{id}?fields=price")).await.body["price"],
        "$39.99"
    );
    app.post_message(spm("shirt-linen"))
        .await
        .assert_131009(PRODUCTS_NOT_FOUND);
    app.graph_post(
        &format!("/{id}"),
        json!({ "visibility": "published", "availability": "out of stock" }),
    )
    .await;
    let wamid = app.post_message(spm("shirt-linen")).await.wamid();
    assert_eq!(
        app.stored(&wamid).await["products"][0]["availability"],
        "out of stock"
    );
    // Deleted: gone from sends and reads.
    assert_eq!(
        app.graph_delete(&format!("/{id}")).await.body,
        json!({ "success": true })
    );
    app.post_message(spm("shirt-linen"))
        .await
        .assert_131009(PRODUCTS_NOT_FOUND);
    assert_eq!(
        app.graph_get(&format!("/{id}")).await.body["error"]["error_subcode"],
        33
    );
    // The message keeps what it showed.
    assert_eq!(app.stored(&wamid).await["products"][0]["price"], 3999);
}

#[tokio::test]
async fn bad_products_are_refused_whole() {
    let app = spawn_app().await;
    let before = app.product_count().await;
    let r = app
        .graph_post(&format!("/{CATALOG}/products"), product("gift-card-25"))
        .await;
    r.assert_error(400, json!({
        "message": "(#10800) Duplicate retailer_id",
        "type": "OAuthException",
        "code": 10800,
        "error_data": { "details": format!("A product with retailer_id 'gift-card-25' already exists in catalog {CATALOG}; send allow_upsert=true to update it.") },
    }));
    let mut p = product("x1");
    p["colour"] = json!("red");
    assert_100(
        &app.graph_post(&format!("/{CATALOG}/products"), p).await,
        "Unknown product field: colour",
    );
    let mut p = product("x2");
    p["availability"] = json!("sold out");
    assert_100(
        &app.graph_post(&format!("/{CATALOG}/products"), p).await,
        "Param availability must be one of {in stock, out of stock, available for order, preorder, discontinued, pending, mark_as_sold, mark_as_expired}.",
    );
    let mut p = product("x3");
    p["name"] = json!("n".repeat(201));
    assert_100(
        &app.graph_post(&format!("/{CATALOG}/products"), p).await,
        "Param name must be at most 200 characters long.",
    );
    let mut p = product("x4");
    p["price"] = json!("12.99");
    assert_100(
        &app.graph_post(&format!("/{CATALOG}/products"), p).await,
        "Param price must be a non-negative integer.",
    );
    let mut p = product("x5");
    p.as_object_mut().unwrap().remove("image_url");
    app.graph_post(&format!("/{CATALOG}/products"), p)
        .await
        .assert_error(400, json!({ "message": "(#100) The parameter image_url is required.", "type": "OAuthException", "code": 100 }));
    assert_eq!(app.product_count().await, before, "nothing half-written");
    // allow_upsert updates the existing item instead.
    let mut p = product("gift-card-25");
    p["allow_upsert"] = json!(true);
    p["name"] = json!("Gift Card");
    let r = app.graph_post(&format!("/{CATALOG}/products"), p).await;
    assert_eq!(r.body["id"], "7337219806314524");
    assert_eq!(app.product_count().await, before);
    let r = app.graph_get("/7337219806314524?fields=name,price").await;
    assert_eq!(
        r.body,
        json!({ "name": "Gift Card", "price": "$45.99", "id": "7337219806314524" })
    );
}

#[tokio::test]
async fn listing_pages_filters_and_summary() {
    let app = spawn_app().await;
    let path = format!("/{CATALOG}/products?fields=retailer_id&limit=10&summary=true");
    let page1 = app.graph_get(&path).await;
    assert_eq!(page1.body["data"].as_array().unwrap().len(), 10);
    assert_eq!(page1.body["summary"], json!({ "total_count": 27 }));
    assert!(page1.body["paging"].get("previous").is_none());
    let next = page1.body["paging"]["next"].as_str().unwrap().to_owned();
    assert!(
        next.starts_with(&format!("{}/v23.0/{CATALOG}/products?", app.base)),
        "{next}"
    );
    // Follow the links as an SDK would.
    let page2 = app.send(app.client.get(&next).bearer_auth(TOKEN)).await;
    let page3 = app
        .send(
            app.client
                .get(page2.body["paging"]["next"].as_str().unwrap())
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(page3.body["data"].as_array().unwrap().len(), 7);
    assert!(
        page3.body["paging"].get("next").is_none(),
        "no next on the last page"
    );
    let rids = |r: &Resp| -> Vec<String> {
        r.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["retailer_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut all = rids(&page1);
    all.extend(rids(&page2));
    all.extend(rids(&page3));
    let expected: Vec<String> = seed::demo("x")
        .products
        .iter()
        .map(|p| p.retailer_id.to_string())
        .collect();
    assert_eq!(all, expected);
    // Back with before.
    let prev = app
        .send(
            app.client
                .get(page2.body["paging"]["previous"].as_str().unwrap())
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(rids(&prev), rids(&page1));

    let r = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{CATALOG}/products")))
                .bearer_auth(TOKEN)
                .query(&[
                    ("filter", r#"{"retailer_id":{"eq":"sku-1"}}"#),
                    ("fields", "id,retailer_id"),
                ]),
        )
        .await;
    assert_eq!(r.body, json!({ "data": [] }));
    let r = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{CATALOG}/products")))
                .bearer_auth(TOKEN)
                .query(&[("filter", r#"{"and":[{"category":{"eq":"Coffee"}},{"availability":{"eq":"in stock"}}]}"#), ("fields", "retailer_id"), ("summary", "true")]),
        )
        .await;
    assert_eq!(r.body["summary"]["total_count"], 5);
    let r = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{CATALOG}/products")))
                .bearer_auth(TOKEN)
                .query(&[("filter", r#"{"colour":{"eq":"x"}}"#)]),
        )
        .await;
    assert_100(&r, "filter: unknown field colour");
    let r = app
        .graph_get(&format!("/{CATALOG}/products?fields=bogus"))
        .await;
    assert_eq!(
        r.body["error"]["message"],
        "(#100) Tried accessing nonexisting field (bogus) on node type (ProductItem)"
    );
    assert_100(
        &app.graph_get(&format!("/{CATALOG}/products?after=zzz"))
            .await,
        "Invalid cursor.",
    );
}

/// Prices with characters outside ASCII (a currency sign, say) are refused with the field named,
/// in every place a price is written; they used to panic the price parser (a 500).
#[tokio::test]
async fn non_ascii_prices_are_refused_not_a_crash() {
    let app = spawn_app().await;
    let requests = json!([
        { "method": "UPDATE", "data": { "id": "gift-card-25", "price": "€12" } },
        { "method": "UPDATE", "data": { "id": "tee-classic-white", "price": "1€2" } },
        { "method": "UPDATE", "data": { "id": "mug-stoneware-350ml", "sale_price": "€5" } },
        { "method": "UPDATE", "data": { "id": "candle-cedar-200g", "price": "15.00 USD" } }
    ]);
    let r = app
        .graph_post(
            &format!("/{CATALOG}/items_batch"),
            json!({ "item_type": "PRODUCT_ITEM", "requests": requests }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    assert_eq!(
        r.body["validation_status"],
        json!([
            { "retailer_id": "gift-card-25", "errors": [{ "message": "price: invalid value '€12' (expected \"12.99 USD\")" }] },
            { "retailer_id": "tee-classic-white", "errors": [{ "message": "price: invalid value '1€2' (expected \"12.99 USD\")" }] },
            { "retailer_id": "mug-stoneware-350ml", "errors": [{ "message": "sale_price: invalid value '€5' (expected \"9.99 USD\")" }] }
        ])
    );
    app.advance(app.batch_ms());
    let handle = r.body["handles"][0].as_str().unwrap();
    let status = app
        .graph_get(&format!(
            "/{CATALOG}/check_batch_request_status?handle={handle}"
        ))
        .await;
    assert_eq!(
        status.body["data"][0]["errors_total_count"], 3,
        "{}",
        status.text
    );
    // The good item after the bad ones landed.
    let wamid = app.post_message(spm("candle-cedar-200g")).await.wamid();
    assert_eq!(app.stored(&wamid).await["products"][0]["price"], 1500);
    // Product writes through the Graph API.
    for body in [
        json!({ "price": "€12" }),
        json!({ "price": "1€2" }),
        json!({ "sale_price": "€5" }),
    ] {
        let r = app.graph_post("/7337219806314524", body.clone()).await;
        assert_eq!(r.status.as_u16(), 400, "{body}: {}", r.text);
        assert_eq!(r.body["error"]["code"], 100, "{}", r.text);
    }
    let r = app
        .graph_post(
            &format!("/{CATALOG}/products"),
            json!({ "retailer_id": "euro-1", "name": "E", "description": "d", "price": "€12",
                    "currency": "EUR", "availability": "in stock", "condition": "new",
                    "url": "https://x/e", "image_url": "https://x/e.jpg" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    assert_eq!(r.body["error"]["code"], 100, "{}", r.text);
}

#[tokio::test]
async fn items_batch_applies_item_by_item_on_the_sandbox_clock() {
    let app = spawn_app().await;
    let requests = json!([
        { "method": "CREATE", "data": { "id": "b-1", "title": "Batch One", "description": "d", "availability": "in stock",
          "condition": "new", "price": "12.99 USD", "link": "https://x/p", "image_link": "https://x/i.jpg", "brand": "Acme" } },
        { "method": "UPDATE", "data": { "id": "gift-card-25", "price": "30.00 USD" } },
        { "method": "UPDATE", "data": { "id": "tee-classic-white", "price": "cheap" } },
        { "method": "DELETE", "data": { "id": "candle-cedar-200g" } },
        { "method": "DELETE", "data": { "id": "never-existed" } }
    ]);
    // `requests` as a JSON string, as form-encoded clients send it.
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{CATALOG}/items_batch")))
                .bearer_auth(TOKEN)
                .form(&[
                    ("item_type", "PRODUCT_ITEM"),
                    ("requests", requests.to_string().as_str()),
                ]),
        )
        .await;
    let handle = r.body["handles"][0].as_str().unwrap().to_owned();
    assert_eq!(
        r.body["validation_status"],
        json!([{ "retailer_id": "tee-classic-white", "errors": [{ "message": "price: invalid value 'cheap' (expected \"12.99 USD\")" }] }])
    );
    let status = format!("/{CATALOG}/check_batch_request_status?handle={handle}");
    let r = app.graph_get(&status).await;
    assert_eq!(r.body["data"][0]["status"], "started");
    app.post_message(spm("b-1"))
        .await
        .assert_131009(PRODUCTS_NOT_FOUND);
    app.advance(app.batch_ms());
    let r = app.graph_get(&status).await;
    assert_eq!(
        r.body,
        json!({ "data": [{
            "handle": handle,
            "status": "finished",
            "errors_total_count": 2,
            "errors": [
                { "line": 3, "id": "tee-classic-white", "message": "price: invalid value 'cheap' (expected \"12.99 USD\")" },
                { "line": 5, "id": "never-existed", "message": "No product with id never-existed to delete." }
            ],
            "warnings_total_count": 0,
            "warnings": [],
            "ids_of_invalid_requests": ["tee-classic-white", "never-existed"]
        }] })
    );
    // The good items landed.
    let wamid = app.post_message(spm("b-1")).await.wamid();
    assert_eq!(app.stored(&wamid).await["products"][0]["price"], 1299);
    let r = app.graph_get("/7337219806314524?fields=price").await;
    assert_eq!(r.body["price"], "$30.00");
    app.post_message(spm("candle-cedar-200g"))
        .await
        .assert_131009(PRODUCTS_NOT_FOUND);

    let r = app
        .graph_post(
            &format!("/{CATALOG}/items_batch"),
            json!({ "item_type": "HOTEL", "requests": [] }),
        )
        .await;
    assert_eq!(r.body["error"]["code"], 100);
    let too_many: Vec<Value> = (0..5001)
        .map(|i| json!({ "method": "DELETE", "data": { "id": format!("x{i}") } }))
        .collect();
    let r = app
        .graph_post(
            &format!("/{CATALOG}/items_batch"),
            json!({ "item_type": "PRODUCT_ITEM", "requests": too_many }),
        )
        .await;
    assert_eq!(r.body["error"]["code"], 1);
    assert_eq!(
        r.body["error"]["message"],
        "(#1) Please reduce the amount of data you're asking for, then retry your request"
    );
    let r = app
        .graph_get(&format!(
            "/{CATALOG}/check_batch_request_status?handle=nope"
        ))
        .await;
    assert_100(&r, "Unknown handle nope.");
}

#[tokio::test]
async fn one_catalog_per_waba() {
    let app = spawn_app().await;
    let path = format!("/{}/product_catalogs", seed::WABA_ID);
    assert_eq!(
        app.graph_get(&format!("{path}?fields=id,name,product_count"))
            .await
            .body,
        json!({ "data": [{ "id": CATALOG, "name": "Vitrine Demo Catalog", "product_count": 27 }] })
    );
    let other = app
        .graph_post(
            &format!("/{}/owned_product_catalogs", seed::BUSINESS_ID),
            json!({ "name": "Second" }),
        )
        .await;
    let other = other.body["id"].as_str().unwrap().to_owned();
    let r = app.graph_post(&path, json!({ "catalog_id": other })).await;
    assert_100(&r, &format!("This WhatsApp Business Account already has catalog {CATALOG} connected; disconnect it first."));
    assert_eq!(
        app.graph_delete(&format!("{path}?catalog_id={CATALOG}"))
            .await
            .body,
        json!({ "success": true })
    );
    assert_eq!(app.graph_get(&path).await.body, json!({ "data": [] }));
    // Without a connected catalog, product messages cannot go out.
    app.post_message(spm("gift-card-25"))
        .await
        .assert_131009(CHECK_CATALOG_LINKED);
    assert_eq!(
        app.graph_post(&path, json!({ "catalog_id": other }))
            .await
            .body,
        json!({ "success": true })
    );
    // The demo catalog is no longer the connected one.
    app.post_message(spm("gift-card-25"))
        .await
        .assert_131009(PRODUCTS_NOT_FOUND);
    let r = app.graph_post(&path, json!({})).await;
    r.assert_error(400, json!({ "message": "(#100) The parameter catalog_id is required.", "type": "OAuthException", "code": 100 }));
}

#[tokio::test]
async fn commerce_settings_in_every_parameter_form() {
    let app = spawn_app().await;
    let path = format!("/v23.0/{PHONE}/whatsapp_commerce_settings");
    let get = || app.send(app.client.get(app.url(&path)).bearer_auth(TOKEN));
    assert_eq!(
        get().await.body,
        json!({ "data": [{ "is_cart_enabled": true, "is_catalog_visible": true, "id": seed::COMMERCE_SETTINGS_ID }] })
    );
    // Query string, as Meta documents it.
    let r = app
        .send(
            app.client
                .post(app.url(&format!("{path}?is_catalog_visible=false")))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(r.body, json!({ "success": true }));
    assert_eq!(get().await.body["data"][0]["is_catalog_visible"], false);
    app.post_message(catalog_message(None))
        .await
        .assert_131009(CHECK_CATALOG_LINKED);
    app.post_message(text("https://wa.me/c/15550107788"))
        .await
        .wamid();
    // Form body.
    let r = app
        .send(
            app.client
                .post(app.url(&path))
                .bearer_auth(TOKEN)
                .form(&[("is_catalog_visible", "true"), ("is_cart_enabled", "false")]),
        )
        .await;
    assert_eq!(r.body, json!({ "success": true }));
    assert_eq!(
        get().await.body["data"][0],
        json!({ "is_cart_enabled": false, "is_catalog_visible": true, "id": seed::COMMERCE_SETTINGS_ID })
    );
    app.post_message(catalog_message(None)).await.wamid();
    // JSON body.
    let r = app
        .send(
            app.client
                .post(app.url(&path))
                .bearer_auth(TOKEN)
                .json(&json!({ "is_cart_enabled": true })),
        )
        .await;
    assert_eq!(r.body, json!({ "success": true }));
    // Neither.
    let r = app
        .send(app.client.post(app.url(&path)).bearer_auth(TOKEN))
        .await;
    r.assert_error(400, json!({ "message": "(#100) One feature setting must be specified", "type": "OAuthException", "code": 100 }));
    // A number never configured answers an empty list.
    let other = format!(
        "/v23.0/{}/whatsapp_commerce_settings",
        seed::OTHER_PHONE_NUMBER_ID
    );
    let r = app
        .send(
            app.client
                .get(app.url(&other))
                .bearer_auth(seed::OTHER_ACCESS_TOKEN),
        )
        .await;
    assert_eq!(r.body, json!({ "data": [] }));
}

#[tokio::test]
async fn feed_import_upserts_and_reports_bad_rows() {
    let app = spawn_app().await;
    let feed = "id,title,description,availability,condition,price,link,image_link,brand\n\
                feed-1,\"Tee, blue\",Soft cotton,in stock,new,12.99 USD,https://x/p/1,https://x/1.jpg,Acme\n\
                feed-2,Cap,Canvas cap,out of stock,new,9.50 USD,https://x/p/2,https://x/2.jpg,Acme\n\
                feed-3,Broken,No price,in stock,new,cheap,https://x/p/3,https://x/3.jpg,Acme\n\
                feed-4,Euro,Non-ASCII price,in stock,new,€12,https://x/p/4,https://x/4.jpg,Acme\n\
                gift-card-25,Gift card,Updated by the feed,in stock,new,25.00 USD,https://x/p/g,https://x/g.jpg,Acme\n";
    let import = || {
        app.send(
            app.client
                .post(app.url(&format!("/_vitrine/catalogs/{CATALOG}/import")))
                .body(feed),
        )
    };
    let r = import().await;
    assert_eq!(
        r.body,
        json!({ "rows": 5, "imported": 3, "failed": 2, "errors": [
            { "line": 4, "reason": "price: invalid value 'cheap' (expected \"12.99 USD\")" },
            { "line": 5, "reason": "price: invalid value '€12' (expected \"12.99 USD\")" }
        ] })
    );
    let count = app.product_count().await;
    assert_eq!(count, 29);
    // Again: the same result, nothing doubled.
    assert_eq!(import().await.body["imported"], 3);
    assert_eq!(app.product_count().await, count);
    let wamid = app.post_message(spm("feed-1")).await.wamid();
    assert_eq!(app.stored(&wamid).await["products"][0]["name"], "Tee, blue");
    let r = app
        .graph_get("/7337219806314524?fields=description,price")
        .await;
    assert_eq!(r.body["description"], "Updated by the feed");
    // TSV.
    let tsv = "id\ttitle\tdescription\tprice\timage_link\nfeed-tsv\tMug\tStoneware\t8.00 USD\thttps://x/m.jpg\n";
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/_vitrine/catalogs/{CATALOG}/import?format=tsv")))
                .body(tsv),
        )
        .await;
    assert_eq!(r.body["imported"], 1, "{}", r.text);
    let r = app
        .send(
            app.client
                .post(app.url("/_vitrine/catalogs/123/import"))
                .body(feed),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400);
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/_vitrine/catalogs/{CATALOG}/import")))
                .body("title\nx\n"),
        )
        .await;
    assert_eq!(
        r.body["error"]["message"],
        "the header line has no id column"
    );
}
