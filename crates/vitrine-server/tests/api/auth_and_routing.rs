//! Graph routing, parameters and authentication (spec §1, §4.1, §11 step 1).

use crate::support::*;
use serde_json::json;
use vitrine_core::seed;

#[tokio::test]
async fn no_token_is_104() {
    let app = spawn_app().await;
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages")))
                .json(&text("hi")),
        )
        .await;
    r.assert_error(
        401,
        json!({
            "message": "An access token is required to request this resource.",
            "type": "OAuthException",
            "code": 104,
        }),
    );
}

#[tokio::test]
async fn unknown_token_is_190() {
    let app = spawn_app().await;
    let r = app.post_message_as(PHONE, "EAAnotatoken", text("hi")).await;
    r.assert_error(
        401,
        json!({
            "message": "Invalid OAuth access token - Cannot parse access token",
            "type": "OAuthException",
            "code": 190,
        }),
    );
}

#[tokio::test]
async fn expired_token_is_190_463() {
    let app = spawn_app().await;
    let minted = app
        .post_json("/_vitrine/tokens", json!({ "expires_in": 60 }))
        .await;
    let token = minted.body["access_token"].as_str().unwrap().to_owned();
    app.post_message_as(PHONE, &token, text("hi")).await.wamid();
    app.sandbox.clock.advance_ms(61_000);
    let r = app.post_message_as(PHONE, &token, text("hi")).await;
    r.assert_error(
        401,
        json!({
            "message": "Error validating access token: Session has expired",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
        }),
    );
}

#[tokio::test]
async fn token_without_messaging_permission_is_10() {
    let app = spawn_app().await;
    let minted = app
        .post_json(
            "/_vitrine/tokens",
            json!({ "scopes": ["whatsapp_business_management"] }),
        )
        .await;
    let token = minted.body["access_token"].as_str().unwrap();
    let r = app.post_message_as(PHONE, token, text("hi")).await;
    r.assert_error(403, json!({
        "message": "(#10) Application does not have permission for this action",
        "type": "OAuthException",
        "code": 10,
        "error_data": { "messaging_product": "whatsapp", "details": "The access token needs the whatsapp_business_messaging permission." },
    }));
}

fn unsupported(method: &str, id: &str) -> serde_json::Value {
    json!({
        "message": format!("Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"),
        "type": "GraphMethodException",
        "code": 100,
        "error_subcode": 33,
    })
}

#[tokio::test]
async fn another_business_number_is_100_33() {
    let app = spawn_app().await;
    let r = app
        .post_message_as(seed::OTHER_PHONE_NUMBER_ID, TOKEN, text("hi"))
        .await;
    r.assert_error(400, unsupported("post", seed::OTHER_PHONE_NUMBER_ID));
    let r = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{}/messages", seed::OTHER_PHONE_NUMBER_ID)))
                .bearer_auth(TOKEN),
        )
        .await;
    r.assert_error(400, unsupported("get", seed::OTHER_PHONE_NUMBER_ID));
}

#[tokio::test]
async fn unknown_node_is_100_33() {
    let app = spawn_app().await;
    let r = app
        .post_message_as("123456789012345", TOKEN, text("hi"))
        .await;
    r.assert_error(400, unsupported("post", "123456789012345"));
}

#[tokio::test]
async fn wrong_method_on_a_known_edge_is_100_33() {
    let app = spawn_app().await;
    let r = app
        .send(
            app.client
                .delete(app.url(&format!("/v23.0/{PHONE}/messages")))
                .bearer_auth(TOKEN),
        )
        .await;
    r.assert_error(400, unsupported("delete", PHONE));
}

#[tokio::test]
async fn unknown_edge_and_extra_components_are_2500() {
    let app = spawn_app().await;
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/bogus")))
                .bearer_auth(TOKEN),
        )
        .await;
    r.assert_error(400, json!({ "message": "Unknown path components: /bogus", "type": "OAuthException", "code": 2500 }));
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages/x/y")))
                .bearer_auth(TOKEN),
        )
        .await;
    r.assert_error(400, json!({ "message": "Unknown path components: /x/y", "type": "OAuthException", "code": 2500 }));
}

#[tokio::test]
async fn any_version_and_the_unversioned_form_route_alike() {
    let app = spawn_app().await;
    for (path, version) in [
        (format!("/v17.0/{PHONE}/messages"), "v17.0"),
        (format!("/v26.0/{PHONE}/messages"), "v26.0"),
        (format!("/{PHONE}/messages"), "v23.0"),
    ] {
        let r = app
            .send(
                app.client
                    .post(app.url(&path))
                    .bearer_auth(TOKEN)
                    .json(&text("hi")),
            )
            .await;
        r.wamid();
        assert_eq!(r.header("facebook-api-version"), Some(version));
        assert_eq!(
            r.header("content-type"),
            Some("application/json; charset=UTF-8")
        );
        let trace = r.header("x-fb-trace-id").unwrap();
        assert!(
            trace.len() >= 11
                && trace
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        );
    }
}

#[tokio::test]
async fn host_header_is_ignored() {
    let app = spawn_app().await;
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages")))
                .header("Host", "graph.facebook.com")
                .bearer_auth(TOKEN)
                .json(&text("hi")),
        )
        .await;
    r.wamid();
}

#[tokio::test]
async fn token_in_access_token_parameter() {
    let app = spawn_app().await;
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages?access_token={TOKEN}")))
                .json(&text("hi")),
        )
        .await;
    r.wamid();
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages")))
                .form(&[
                    ("access_token", TOKEN),
                    ("messaging_product", "whatsapp"),
                    ("to", CUSTOMER),
                    ("text", r#"{"body":"hi"}"#),
                ]),
        )
        .await;
    r.wamid();
}

#[tokio::test]
async fn appsecret_proof_is_checked_when_present() {
    let app = spawn_app().await;
    let proof = vitrine_core::auth::hmac_sha256_hex(seed::APP_SECRET.as_bytes(), TOKEN.as_bytes());
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages?appsecret_proof={proof}")))
                .bearer_auth(TOKEN)
                .json(&text("hi")),
        )
        .await;
    r.wamid();
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages?appsecret_proof=deadbeef")))
                .bearer_auth(TOKEN)
                .json(&text("hi")),
        )
        .await;
    r.assert_error(
        400,
        json!({
            "message": "Invalid appsecret_proof provided in the API argument",
            "type": "GraphMethodException",
            "code": 100,
        }),
    );
}

#[tokio::test]
async fn appsecret_proof_that_is_not_a_string_is_a_wrong_proof() {
    let app = spawn_app().await;
    for proof in [
        json!(12345),
        json!(null),
        json!(["x"]),
        json!({"a": 1}),
        json!(true),
    ] {
        let mut body = text("hi");
        body["appsecret_proof"] = proof.clone();
        let r = app
            .send(
                app.client
                    .post(app.url(&format!("/v23.0/{PHONE}/messages")))
                    .bearer_auth(TOKEN)
                    .json(&body),
            )
            .await;
        r.assert_error(
            400,
            json!({
                "message": "Invalid appsecret_proof provided in the API argument",
                "type": "GraphMethodException",
                "code": 100,
            }),
        );
    }
    let listed = app.get("/_vitrine/messages").await;
    assert_eq!(
        listed.body["data"],
        json!([]),
        "nothing was sent: {}",
        listed.text
    );
}

#[tokio::test]
async fn appsecret_proof_required_when_the_app_says_so() {
    let app = spawn_with(Options {
        customize: Some(Box::new(|d| d.apps[0].require_appsecret_proof = true)),
        ..Default::default()
    })
    .await;
    let r = app.post_message(text("hi")).await;
    r.assert_error(
        400,
        json!({
            "message": "API calls from the server require an appsecret_proof argument",
            "type": "GraphMethodException",
            "code": 100,
        }),
    );
}

#[tokio::test]
async fn form_and_multipart_bodies_with_json_valued_fields() {
    let app = spawn_app().await;
    let interactive = json!({
        "type": "product", "action": { "catalog_id": CATALOG, "product_retailer_id": "tee-classic-white" }
    })
    .to_string();
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages")))
                .bearer_auth(TOKEN)
                .form(&[
                    ("messaging_product", "whatsapp"),
                    ("to", CUSTOMER),
                    ("type", "interactive"),
                    ("interactive", &interactive),
                ]),
        )
        .await;
    r.wamid();

    let boundary = "XyZzY";
    let mut body = String::new();
    for (k, v) in [
        ("messaging_product", "whatsapp"),
        ("to", CUSTOMER),
        ("type", "interactive"),
        ("interactive", interactive.as_str()),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages")))
                .bearer_auth(TOKEN)
                .header(
                    "Content-Type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body),
        )
        .await;
    r.wamid();
}

#[tokio::test]
async fn json_body_wins_over_the_query_string() {
    let app = spawn_app().await;
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages?to=19995550000")))
                .bearer_auth(TOKEN)
                .json(&text("hi")),
        )
        .await;
    assert_eq!(r.body["contacts"][0]["wa_id"], CUSTOMER);
}

#[tokio::test]
async fn malformed_json_is_100_after_auth() {
    let app = spawn_app().await;
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages")))
                .bearer_auth(TOKEN)
                .header("Content-Type", "application/json")
                .body("{\"messaging_product\": \"whatsapp\", "),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400);
    assert_eq!(r.body["error"]["code"], 100);
    assert_eq!(r.body["error"]["message"], "(#100) Invalid parameter");
    assert!(r.body["error"]["error_data"]["details"]
        .as_str()
        .unwrap()
        .starts_with("Invalid JSON"));
    // Without a token the same body is a 104: authentication comes first.
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages")))
                .header("Content-Type", "application/json")
                .body("{"),
        )
        .await;
    assert_eq!(r.body["error"]["code"], 104);
    // JSON that is not an object.
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages")))
                .bearer_auth(TOKEN)
                .json(&json!([1, 2])),
        )
        .await;
    assert_eq!(r.body["error"]["code"], 100);
}

#[tokio::test]
async fn curl_style_json_labelled_as_form_is_read_as_json() {
    let app = spawn_app().await;
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages")))
                .bearer_auth(TOKEN)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(text("hi").to_string()),
        )
        .await;
    r.wamid();
}

#[tokio::test]
async fn unknown_paths_answer_in_metas_envelope() {
    let app = spawn_app().await;
    let r = app.send(app.client.get(app.url("/favicon.ico"))).await;
    assert_eq!(r.body["error"]["code"], 104);
    let r = app
        .send(app.client.get(app.url("/v23.0/")).bearer_auth(TOKEN))
        .await;
    r.assert_error(
        400,
        json!({ "message": "Unknown path components: /", "type": "OAuthException", "code": 2500 }),
    );
}
