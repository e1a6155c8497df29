//! POST /messages: common fields and text messages (spec §2.1–§2.3, §4.6).

use crate::support::*;
use serde_json::json;
use vitrine_core::seed;

#[tokio::test]
async fn accepted_send_answers_like_meta() {
    let app = spawn_app().await;
    let r = app
        .post_message(json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+1 (650) 555-0123",
            "type": "text",
            "text": { "body": "Hello" }
        }))
        .await;
    let wamid = r.wamid();
    assert_eq!(
        r.body,
        json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": "+1 (650) 555-0123", "wa_id": "16505550123" }],
            "messages": [{ "id": wamid }]
        })
    );
    assert!(wamid.starts_with("wamid.HBgLMTY1MDU1NTAxMjM"), "{wamid}");
}

#[tokio::test]
async fn wamids_are_never_reused() {
    let app = spawn_app().await;
    let mut seen = std::collections::HashSet::new();
    for i in 0..50 {
        // Different customers: the pair rate limit allows 45 at once to one customer.
        let mut body = text("hi");
        body["to"] = json!(format!("1650555{i:04}"));
        assert!(seen.insert(app.post_message(body).await.wamid()));
    }
}

#[tokio::test]
async fn accepted_message_is_stored_before_the_answer() {
    let app = spawn_app().await;
    let mut body = text("Hi there");
    body["biz_opaque_callback_data"] = json!("cart-7781");
    body["context"] = json!({ "message_id": "wamid.earlier" });
    let wamid = app.post_message(body).await.wamid();
    let stored = app.stored(&wamid).await;
    assert_eq!(stored["wamid"], wamid);
    assert_eq!(stored["phone_number_id"], PHONE);
    assert_eq!(stored["waba_id"], seed::WABA_ID);
    assert_eq!(stored["wa_id"], CUSTOMER);
    assert_eq!(
        stored["content"],
        json!({ "type": "text", "body": "Hi there", "preview_url": false })
    );
    assert_eq!(stored["biz_opaque_callback_data"], "cart-7781");
    assert_eq!(stored["context_message_id"], "wamid.earlier");
    assert_eq!(stored["api_version"], "v23.0");
}

#[tokio::test]
async fn messages_survive_a_restart() {
    let db = fresh_database().await;
    let url = db.url.clone();
    let app = spawn_with(Options {
        database: Some(url.clone()),
        ..Default::default()
    })
    .await;
    let wamid = app.post_message(text("durable")).await.wamid();
    app.stop().await;
    let app = spawn_with(Options {
        database: Some(url),
        ..Default::default()
    })
    .await;
    assert_eq!(app.stored(&wamid).await["content"]["body"], "durable");
    // The seed is not written twice.
    app.post_message(text("again")).await.wamid();
}

#[tokio::test]
async fn messaging_product_rules() {
    let app = spawn_app().await;
    app.post_message(json!({ "to": CUSTOMER, "text": { "body": "x" } }))
        .await
        .assert_100("The parameter messaging_product is required.", None);
    app.post_message(
        json!({ "messaging_product": "sms", "to": CUSTOMER, "text": { "body": "x" } }),
    )
    .await
    .assert_100(
        "Invalid parameter",
        Some("The parameter messaging_product must be set to whatsapp."),
    );
}

#[tokio::test]
async fn to_rules() {
    let app = spawn_app().await;
    app.post_message(json!({ "messaging_product": "whatsapp", "text": { "body": "x" } }))
        .await
        .assert_100("The parameter to is required.", None);
    app.post_message(
        json!({ "messaging_product": "whatsapp", "to": "call me", "text": { "body": "x" } }),
    )
    .await
    .assert_100(
        "Invalid parameter",
        Some("The parameter to is not a valid phone number."),
    );
    // A number as a JSON number is accepted.
    let r = app.post_message(json!({ "messaging_product": "whatsapp", "to": 16505550123u64, "text": { "body": "x" } })).await;
    assert_eq!(
        r.body["contacts"][0],
        json!({ "input": "16505550123", "wa_id": "16505550123" })
    );
}

#[tokio::test]
async fn recipient_cannot_be_sender() {
    let app = spawn_app().await;
    let mut body = text("x");
    body["to"] = json!("+1 555-010-7788");
    app.post_message(body).await.assert_error(400, json!({
        "message": "(#131021) Recipient cannot be sender",
        "type": "OAuthException",
        "code": 131021,
        "error_data": { "messaging_product": "whatsapp", "details": "Sender and recipient phone number is the same." },
    }));
}

#[tokio::test]
async fn recipient_check_comes_before_the_type_structure() {
    let app = spawn_app().await;
    let r = app
        .post_message(json!({ "messaging_product": "whatsapp", "to": seed::DISPLAY_PHONE_NUMBER, "type": "interactive" }))
        .await;
    assert_eq!(r.body["error"]["code"], 131021);
}

#[tokio::test]
async fn type_rules() {
    let app = spawn_app().await;
    // Defaults to text.
    app.post_message(
        json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "text": { "body": "x" } }),
    )
    .await
    .wamid();
    app.post_message(
        json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": "hologram" }),
    )
    .await
    .assert_100("Invalid parameter", Some("Invalid message type: hologram"));
    app.post_message(json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": "poll" }))
        .await
        .assert_100("Invalid parameter", Some("Invalid message type: poll"));
    app.post_message(json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "recipient_type": "broadcast", "text": { "body": "x" } }))
        .await
        .assert_100("Invalid parameter", Some("Invalid recipient_type 'broadcast': must be individual or group."));
}

#[tokio::test]
async fn text_body_rules() {
    let app = spawn_app().await;
    app.post_message(json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": "text" }))
        .await
        .assert_100("The parameter text['body'] is required.", None);
    app.post_message(text(&"a".repeat(4096))).await.wamid();
    // Characters, not bytes.
    app.post_message(text(&"é".repeat(4096))).await.wamid();
    app.post_message(text(&"a".repeat(4097))).await.assert_100(
        "Param text['body'] must be at most 4096 characters long.",
        None,
    );
}

#[tokio::test]
async fn biz_opaque_callback_data_limit() {
    let app = spawn_app().await;
    let mut body = text("x");
    body["biz_opaque_callback_data"] = json!("b".repeat(512));
    app.post_message(body.clone()).await.wamid();
    body["biz_opaque_callback_data"] = json!("b".repeat(513));
    app.post_message(body).await.assert_100(
        "Param biz_opaque_callback_data must be at most 512 characters long.",
        None,
    );
}

#[tokio::test]
async fn unknown_optional_fields_that_sdks_send_are_tolerated() {
    let app = spawn_app().await;
    let mut body = text("x");
    body["recipient_identity_key_hash"] = json!("abc123");
    body["text"]["preview_url"] = json!(true);
    app.post_message(body).await.wamid();
}

#[tokio::test]
async fn wrong_json_types_are_code_100_with_the_parameter() {
    let app = spawn_app().await;
    let r = app
        .post_message(json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "text": "hello" }))
        .await;
    assert_eq!(r.body["error"]["code"], 100);
    assert!(r.body["error"]["error_data"]["details"]
        .as_str()
        .unwrap()
        .starts_with("Param text has the wrong type"));
}

#[tokio::test]
async fn catalog_links_are_recognised() {
    let app = spawn_app().await;
    let mut body = text("Browse everything we sell: https://wa.me/c/15550107788");
    body["text"]["preview_url"] = json!(true);
    let wamid = app.post_message(body).await.wamid();
    assert_eq!(
        app.stored(&wamid).await["content"],
        json!({ "type": "text", "body": "Browse everything we sell: https://wa.me/c/15550107788", "preview_url": true, "catalog_link": "15550107788" })
    );
}

#[tokio::test]
async fn context_needs_a_message_id() {
    let app = spawn_app().await;
    let mut body = text("x");
    body["context"] = json!({});
    app.post_message(body)
        .await
        .assert_100("The parameter context['message_id'] is required.", None);
}
