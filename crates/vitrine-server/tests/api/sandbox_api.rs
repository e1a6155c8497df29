//! Vitrine's own API: facts, message log, tokens, health, and its guard.

use crate::support::*;
use serde_json::json;
use vitrine_core::seed;

#[tokio::test]
async fn sandbox_facts() {
    let app = spawn_app().await;
    let r = app.get("/_vitrine/sandbox").await;
    assert_eq!(r.status.as_u16(), 200);
    let f = &r.body;
    assert_eq!(f["phone_number_id"], seed::PHONE_NUMBER_ID);
    assert_eq!(f["waba_id"], seed::WABA_ID);
    assert_eq!(f["business_id"], seed::BUSINESS_ID);
    assert_eq!(f["app_id"], seed::APP_ID);
    assert_eq!(f["app_secret"], seed::APP_SECRET);
    assert_eq!(f["verify_token"], seed::VERIFY_TOKEN);
    assert_eq!(f["access_token"], seed::ACCESS_TOKEN);
    assert_eq!(f["display_phone_number"], seed::DISPLAY_PHONE_NUMBER);
    assert_eq!(f["catalog_id"], seed::CATALOG_ID);
    assert_eq!(f["graph_url"], format!("{}/v23.0", app.base));
    assert!(f["retailer_ids"].as_array().unwrap().len() >= 3);
}

#[tokio::test]
async fn health_and_unknown_sandbox_paths() {
    let app = spawn_app().await;
    let r = app.get("/_vitrine/health").await;
    assert_eq!(r.body["status"], "ok");
    let r = app.get("/_vitrine/nope").await;
    assert_eq!(r.status.as_u16(), 404);
    assert_eq!(
        r.body,
        json!({ "error": { "code": "not_found", "message": "No such /_vitrine/ endpoint." } })
    );
    let r = app
        .send(app.client.delete(app.url("/_vitrine/sandbox")))
        .await;
    assert_eq!(r.status.as_u16(), 405);
    assert_eq!(r.body["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn admin_token_guards_the_sandbox_api() {
    let app = spawn_with(Options {
        admin_token: Some("s3cret".into()),
        ..Default::default()
    })
    .await;
    let r = app.get("/_vitrine/sandbox").await;
    assert_eq!(r.status.as_u16(), 401);
    assert_eq!(r.body["error"]["code"], "unauthorized");
    let r = app
        .send(
            app.client
                .get(app.url("/_vitrine/sandbox"))
                .bearer_auth("wrong"),
        )
        .await;
    assert_eq!(r.status.as_u16(), 401);
    let r = app
        .send(
            app.client
                .get(app.url("/_vitrine/sandbox"))
                .bearer_auth("s3cret"),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200);
    // The scheme in any case, as Graph takes it.
    for scheme in ["bearer", "BEARER", "BeArEr"] {
        let r = app
            .send(
                app.client
                    .get(app.url("/_vitrine/sandbox"))
                    .header("authorization", format!("{scheme} s3cret")),
            )
            .await;
        assert_eq!(r.status.as_u16(), 200, "{scheme}: {}", r.text);
    }
    for wrong in [
        "Basic s3cret",
        "Bearer s3cre",
        "Bearer s3cret2",
        "s3cret",
        "Bearer",
    ] {
        let r = app
            .send(
                app.client
                    .get(app.url("/_vitrine/sandbox"))
                    .header("authorization", wrong),
            )
            .await;
        assert_eq!(r.status.as_u16(), 401, "{wrong}: {}", r.text);
    }
    // Behind a proxy the token still opens the door.
    let r = app
        .send(
            app.client
                .get(app.url("/_vitrine/sandbox"))
                .header("x-forwarded-for", "203.0.113.7")
                .bearer_auth("s3cret"),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200);
    // Probes need no token.
    assert_eq!(app.get("/_vitrine/health").await.status.as_u16(), 200);
}

/// Without an admin token only loopback clients are answered; a proxy on the same host would make
/// every client look local, so a forwarded request is refused with the way out.
#[tokio::test]
async fn without_an_admin_token_a_proxied_request_is_refused() {
    let app = spawn_app().await;
    for (name, value) in [
        ("x-forwarded-for", "203.0.113.7"),
        ("forwarded", "for=203.0.113.7;proto=https"),
        ("x-forwarded-for", "127.0.0.1"),
    ] {
        let r = app
            .send(
                app.client
                    .post(app.url("/_vitrine/clock/advance"))
                    .header(name, value)
                    .json(&json!({ "seconds": 3600 })),
            )
            .await;
        assert_eq!(r.status.as_u16(), 403, "{name}: {}", r.text);
        assert_eq!(r.body["error"]["code"], "forbidden");
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(message.contains("set admin_token"), "{message}");
    }
    let r = app.get("/_vitrine/clock").await;
    assert_eq!(
        r.body["offset_ms"], 0,
        "the refused moves did nothing: {}",
        r.text
    );
    assert_eq!(app.get("/_vitrine/sandbox").await.status.as_u16(), 200);
}

#[tokio::test]
async fn message_log_filters_and_pages_newest_first() {
    let app = spawn_app().await;
    let mut sent = vec![];
    for i in 0..5 {
        let mut body = text(&format!("m{i}"));
        if i % 2 == 1 {
            body["to"] = json!("15550001111");
        }
        sent.push(app.post_message(body).await.wamid());
    }
    let r = app.get("/_vitrine/messages?limit=2").await;
    let ids: Vec<_> = r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["wamid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, vec![sent[4].clone(), sent[3].clone()]);
    let cursor = r.body["paging"]["before"].as_str().unwrap().to_owned();
    let r = app
        .get(&format!("/_vitrine/messages?limit=2&before={cursor}"))
        .await;
    let ids: Vec<_> = r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["wamid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, vec![sent[2].clone(), sent[1].clone()]);
    let r = app
        .get(&format!(
            "/_vitrine/messages?customer={CUSTOMER}&phone_number_id={PHONE}"
        ))
        .await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 3);
    assert!(r.body["paging"]["before"].is_null());
    let r = app.get("/_vitrine/messages?limit=0").await;
    assert_eq!(r.status.as_u16(), 400);
    assert_eq!(r.body["error"]["code"], "invalid_request");
    let r = app.get("/_vitrine/messages/wamid.nope").await;
    assert_eq!(r.status.as_u16(), 404);
}

#[tokio::test]
async fn minting_tokens() {
    let app = spawn_app().await;
    let r = app
        .post_json("/_vitrine/tokens", json!({ "scopes": ["bogus"] }))
        .await;
    assert_eq!(r.status.as_u16(), 400);
    let r = app
        .post_json("/_vitrine/tokens", json!({ "business_id": "1" }))
        .await;
    assert_eq!(r.status.as_u16(), 400);
    let r = app
        .post_json(
            "/_vitrine/tokens",
            json!({ "business_id": seed::OTHER_BUSINESS_ID }),
        )
        .await;
    let token = r.body["access_token"].as_str().unwrap();
    // That business cannot see the demo number.
    let r = app.post_message_as(PHONE, token, text("hi")).await;
    assert_eq!(r.body["error"]["error_subcode"], 33);
    let r = app
        .send(app.client.post(app.url("/_vitrine/tokens")).body("{nope"))
        .await;
    assert_eq!(r.status.as_u16(), 400);
}

#[tokio::test]
async fn the_sandbox_clock_moves_freezes_and_survives_a_restart() {
    let db = fresh_database().await;
    let app = spawn_with(Options {
        database: Some(db.url.clone()),
        ..Default::default()
    })
    .await;
    let t0 = app.get("/_vitrine/clock").await.body["now_ms"]
        .as_i64()
        .unwrap();
    let r = app
        .post_json("/_vitrine/clock/advance", json!({ "seconds": 86400 }))
        .await;
    assert!(r.body["now_ms"].as_i64().unwrap() >= t0 + 86_400_000);
    let r = app.post_json("/_vitrine/clock/freeze", json!({})).await;
    assert_eq!(r.body["frozen"], true);
    let frozen = r.body["now_ms"].as_i64().unwrap();
    // Wall time passes; frozen sandbox time does not.
    app.tick(60_000);
    assert_eq!(app.get("/_vitrine/clock").await.body["now_ms"], frozen);
    let r = app
        .post_json("/_vitrine/clock/advance", json!({ "ms": 5 }))
        .await;
    assert_eq!(r.body["now_ms"], frozen + 5);
    let r = app
        .post_json("/_vitrine/clock/set", json!({ "unix": 2_000_000_000 }))
        .await;
    assert_eq!(r.body["now_ms"], 2_000_000_000_000i64);
    assert_eq!(r.body["unix"], 2_000_000_000i64);
    let r = app.post_json("/_vitrine/clock/unfreeze", json!({})).await;
    assert_eq!(r.body["frozen"], false);
    assert!(r.body["now_ms"].as_i64().unwrap() >= 2_000_000_000_000);
    assert_eq!(
        app.post_json("/_vitrine/clock/advance", json!({}))
            .await
            .status
            .as_u16(),
        400
    );
    assert_eq!(
        app.post_json("/_vitrine/clock/advance", json!({ "hours": 1 }))
            .await
            .status
            .as_u16(),
        400
    );
    app.stop().await;
    // Another process on the same database starts on the same clock: at the same wall time,
    // the same sandbox time.
    let app = spawn_with(Options {
        database: Some(db.url.clone()),
        ..Default::default()
    })
    .await;
    app.tick(60_000);
    let now = app.get("/_vitrine/clock").await.body["now_ms"]
        .as_i64()
        .unwrap();
    assert_eq!(now, 2_000_000_000_000);
}

#[tokio::test]
async fn extractor_rejections_answer_in_vitrines_shape() {
    let app = spawn_app().await;
    let r = app
        .get(&format!(
            "/_vitrine/customers/{CUSTOMER}/catalog?limit=many"
        ))
        .await;
    assert_eq!(r.status.as_u16(), 400);
    assert_eq!(r.body["error"]["code"], "invalid_request", "{}", r.text);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
}

/// Found by Schemathesis: a JSON array was read field by field into a request, an empty device
/// id was kept, a limit past what the document allows was taken, and the clock could be moved
/// past any real date.
#[tokio::test]
async fn what_schemathesis_found_is_refused() {
    let app = spawn_app().await;
    for (path, body) in [
        ("/_vitrine/tokens", "[null, null]"),
        ("/_vitrine/customers/16505550123/unsupported", "[]"),
        ("/_vitrine/customers", "\"x\""),
        ("/_vitrine/clock/advance", "7"),
        ("/_vitrine/phone_numbers/113859604417350/throughput", "\n"),
    ] {
        let r = app
            .send(
                app.client
                    .post(app.url(path))
                    .header("content-type", "application/json")
                    .body(body),
            )
            .await;
        assert_eq!(r.status.as_u16(), 400, "{path} {body}: {}", r.text);
        assert_eq!(r.body["error"]["code"], "invalid_request");
        assert_eq!(
            r.body["error"]["message"],
            "The body must be a JSON object."
        );
    }
    // An empty body is still `{}`.
    let r = app
        .send(app.client.post(app.url("/_vitrine/clock/freeze")))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);

    let r = app
        .post_json(
            "/_vitrine/customers/16505550123/devices",
            json!({ "id": " ", "app_version": "" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    assert!(app
        .sandbox
        .customer(&"16505550123".into())
        .unwrap()
        .devices
        .iter()
        .all(|d| !d.id.trim().is_empty()));

    let r = app
        .post_json(
            &format!(
                "/_vitrine/phone_numbers/{}/throughput",
                seed::PHONE_NUMBER_ID
            ),
            json!({ "mps": 2_147_483_648u64 }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    let r = app
        .post_json(
            &format!(
                "/_vitrine/phone_numbers/{}/throughput",
                seed::PHONE_NUMBER_ID
            ),
            json!({ "mps": 1_000_001 }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);

    let before = app.get("/_vitrine/clock").await.body;
    for (path, body) in [
        ("/_vitrine/clock/set", json!({ "ms": i64::MAX })),
        ("/_vitrine/clock/set", json!({ "unix": -1 })),
        ("/_vitrine/clock/advance", json!({ "ms": i64::MAX })),
        ("/_vitrine/clock/advance", json!({ "seconds": -1e15 })),
    ] {
        let r = app.post_json(path, body.clone()).await;
        assert_eq!(r.status.as_u16(), 400, "{path} {body}: {}", r.text);
    }
    let after = app.get("/_vitrine/clock").await.body;
    assert_eq!(before["offset_ms"], after["offset_ms"]);
    assert_eq!(before["frozen"], after["frozen"]);
}
