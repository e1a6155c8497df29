//! The Media API (messaging spec §1): upload, GET with a download URL, the download with the
//! bearer token, DELETE, lifetimes on the sandbox clock, per-business isolation, bad uploads.

use crate::support::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use vitrine_core::seed;

const DAY_MS: i64 = 86_400_000;

fn whitelist_error(received: &str) -> Value {
    json!({
        "message": format!("(#100) Param file must be a file with one of the following types: text/plain, video/mp4, video/3gpp, image/jpeg, image/png, image/webp, audio/aac, audio/mp4, audio/mpeg, audio/amr, audio/ogg, audio/opus, application/vnd.ms-powerpoint, application/msword, application/vnd.openxmlformats-officedocument.wordprocessingml.document, application/vnd.openxmlformats-officedocument.presentationml.presentation, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/pdf, application/vnd.ms-excel. Received file of type '{received}'."),
        "type": "OAuthException",
        "code": 100,
    })
}

fn too_large(limit: u64, mime: &str, size: usize) -> Value {
    json!({
        "message": "(#100) File Too Large",
        "type": "OAuthException",
        "code": 100,
        "error_data": { "messaging_product": "whatsapp", "details": format!("Param file must be at most {limit} bytes for type '{mime}'; it has at least {size} bytes.") },
    })
}

/// The `url` of `GET /{media-id}`.
async fn url_of(app: &TestApp, id: &str) -> String {
    let r = app.get_as(id, TOKEN).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    r.body["url"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn upload_get_download_delete() {
    let app = spawn_app().await;
    let bytes = noise(300_000, 1);
    let id = app.upload(&bytes, "image/jpeg", "shoe.jpg").await;
    assert_eq!(id.len(), 16);
    assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");

    let r = app.get_as(&id, TOKEN).await;
    let url = r.body["url"].as_str().unwrap().to_owned();
    let now_s = app.sandbox.clock.now().unix_seconds();
    let prefix = format!("{}/whatsapp_business/attachments/?mid={id}&ext=", app.base);
    assert!(url.starts_with(&prefix), "{url}");
    let ext: i64 = url[prefix.len()..]
        .split('&')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (now_s + 299..=now_s + 301).contains(&ext),
        "{ext} vs {now_s}"
    );
    assert!(url.contains("&hash=AT"), "{url}");
    let sha = hex::encode(Sha256::digest(&bytes));
    assert_eq!(
        r.body,
        json!({
            "messaging_product": "whatsapp",
            "url": url,
            "mime_type": "image/jpeg",
            "sha256": sha,
            "file_size": 300000,
            "id": id,
        })
    );

    let (status, ct, got) = app.download(&url, Some(TOKEN)).await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(ct.as_deref(), Some("image/jpeg"));
    assert_eq!(got, bytes);
    assert_eq!(hex::encode(Sha256::digest(&got)), sha);
    // The token is required, and must be the owner's.
    assert_eq!(app.download(&url, None).await.0.as_u16(), 404);
    assert_eq!(
        app.download(&url, Some(seed::OTHER_ACCESS_TOKEN))
            .await
            .0
            .as_u16(),
        404
    );
    // A tampered URL is refused.
    let tampered = url.replace("&hash=AT", "&hash=ATx");
    assert_eq!(app.download(&tampered, Some(TOKEN)).await.0.as_u16(), 404);

    let r = app
        .send(
            app.client
                .delete(app.url(&format!("/v23.0/{id}")))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.body, json!({ "success": true }));
    app.get_as(&id, TOKEN)
        .await
        .assert_error(400, unsupported("get", &id));
    assert_eq!(app.download(&url, Some(TOKEN)).await.0.as_u16(), 404);
    let r = app
        .send(
            app.client
                .delete(app.url(&format!("/v23.0/{id}")))
                .bearer_auth(TOKEN),
        )
        .await;
    r.assert_error(400, unsupported("delete", &id));
}

#[tokio::test]
async fn whatsapp_api_js_style_upload_without_a_type_field() {
    let app = spawn_app().await;
    let bytes = noise(2_000, 2);
    let r = app
        .upload_as(
            PHONE,
            TOKEN,
            "?messaging_product=whatsapp",
            &[Part::File(
                "file",
                "menu.pdf",
                Some("application/pdf"),
                &bytes,
            )],
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = app.get_as(&id, TOKEN).await;
    assert_eq!(r.body["mime_type"], "application/pdf");
    assert_eq!(r.body["file_size"], 2000);
    // Without a part type, the `type` field says what it is.
    let r = app
        .upload_as(
            PHONE,
            TOKEN,
            "",
            &[
                Part::Text("messaging_product", "whatsapp"),
                Part::Text("type", "audio/ogg"),
                Part::File("file", "voice.ogg", None, &bytes),
            ],
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(app.get_as(&id, TOKEN).await.body["mime_type"], "audio/ogg");
}

#[tokio::test]
async fn bad_uploads_get_metas_errors_and_lose_nothing() {
    let app = spawn_app().await;
    let kept = noise(10_000, 3);
    let kept_id = app.upload(&kept, "image/png", "kept.png").await;
    let jpeg = noise(1_000, 4);

    // A JPEG labelled application/octet-stream is refused, whatever `type` says.
    app.upload_as(
        PHONE,
        TOKEN,
        "",
        &[
            Part::File("file", "x.jpg", Some("application/octet-stream"), &jpeg),
            Part::Text("messaging_product", "whatsapp"),
            Part::Text("type", "image/jpeg"),
        ],
    )
    .await
    .assert_error(400, whitelist_error("application/octet-stream"));
    // CSV is not on the list.
    app.upload_as(
        PHONE,
        TOKEN,
        "",
        &[
            Part::File("file", "x.csv", Some("text/csv"), b"a,b\n1,2\n"),
            Part::Text("messaging_product", "whatsapp"),
        ],
    )
    .await
    .assert_error(400, whitelist_error("text/csv"));
    // messaging_product first, then the file.
    app.upload_as(
        PHONE,
        TOKEN,
        "",
        &[Part::File("file", "x.jpg", Some("image/jpeg"), &jpeg)],
    )
    .await
    .assert_100("The parameter messaging_product is required.", None);
    app.upload_as(
        PHONE,
        TOKEN,
        "",
        &[
            Part::Text("messaging_product", "whatsapp"),
            Part::Text("type", "image/jpeg"),
        ],
    )
    .await
    .assert_100("The parameter file is required.", None);
    // A JSON body has no file either.
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/media")))
                .bearer_auth(TOKEN)
                .json(&json!({ "messaging_product": "whatsapp" })),
        )
        .await;
    r.assert_100("The parameter file is required.", None);
    // Over the image limit (5 MiB).
    let big = noise(5 * 1024 * 1024 + 1, 5);
    app.upload_as(
        PHONE,
        TOKEN,
        "",
        &[
            Part::File("file", "big.jpg", Some("image/jpeg"), &big),
            Part::Text("messaging_product", "whatsapp"),
        ],
    )
    .await
    .assert_error(400, too_large(5 * 1024 * 1024, "image/jpeg", big.len()));
    // ttl_minutes outside 60..=43200.
    app.upload_as(
        PHONE,
        TOKEN,
        "",
        &[
            Part::File("file", "x.jpg", Some("image/jpeg"), &jpeg),
            Part::Text("messaging_product", "whatsapp"),
            Part::Text("ttl_minutes", "5"),
        ],
    )
    .await
    .assert_100(
        "Invalid parameter",
        Some("Param ttl_minutes must be an integer between 60 and 43200."),
    );
    // A broken multipart body.
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/media")))
                .bearer_auth(TOKEN)
                .header("content-type", "multipart/form-data; boundary=zzz")
                .body("--zzz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc"),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    assert_eq!(r.body["error"]["code"], 100);

    // What was stored before is intact.
    let url = url_of(&app, &kept_id).await;
    assert_eq!(app.download(&url, Some(TOKEN)).await.2, kept);
}

#[tokio::test]
async fn stickers_have_their_own_limits() {
    let app = spawn_app().await;
    let webp = |len: usize, animated: bool| {
        let mut b = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0".to_vec();
        b.push(if animated { 0x02 } else { 0x00 });
        b.resize(len, 7);
        b
    };
    let upload = |bytes: Vec<u8>| {
        let app = &app;
        async move {
            app.upload_as(
                PHONE,
                TOKEN,
                "",
                &[
                    Part::File("file", "s.webp", Some("image/webp"), &bytes),
                    Part::Text("messaging_product", "whatsapp"),
                ],
            )
            .await
        }
    };
    assert_eq!(upload(webp(100 * 1024, false)).await.status.as_u16(), 200);
    upload(webp(100 * 1024 + 1, false))
        .await
        .assert_error(400, too_large(100 * 1024, "image/webp", 100 * 1024 + 1));
    assert_eq!(upload(webp(400 * 1024, true)).await.status.as_u16(), 200);
    upload(webp(500 * 1024 + 1, true))
        .await
        .assert_error(400, too_large(500 * 1024, "image/webp", 500 * 1024 + 1));
}

#[tokio::test]
async fn media_belong_to_one_business_and_number() {
    let app = spawn_app().await;
    let id = app.upload(&noise(100, 6), "image/jpeg", "a.jpg").await;
    // Another business sees nothing.
    app.get_as(&id, seed::OTHER_ACCESS_TOKEN)
        .await
        .assert_error(400, unsupported("get", &id));
    let r = app
        .send(
            app.client
                .delete(app.url(&format!("/v23.0/{id}")))
                .bearer_auth(seed::OTHER_ACCESS_TOKEN),
        )
        .await;
    r.assert_error(400, unsupported("delete", &id));
    // ...nor uploads to a number it does not own.
    app.upload_as(
        PHONE,
        seed::OTHER_ACCESS_TOKEN,
        "",
        &[
            Part::File("file", "a.jpg", Some("image/jpeg"), b"xyz"),
            Part::Text("messaging_product", "whatsapp"),
        ],
    )
    .await
    .assert_error(400, unsupported("post", PHONE));
    // The phone_number_id guard.
    let r = app
        .get_as(&format!("{id}?phone_number_id={PHONE}"), TOKEN)
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    app.get_as(&format!("{id}?phone_number_id=999"), TOKEN)
        .await
        .assert_error(400, unsupported("get", &id));
    // An unknown id.
    app.get_as("1234567890123456", TOKEN)
        .await
        .assert_error(400, unsupported("get", "1234567890123456"));
    // A token without the messaging permission.
    let t = app
        .post_json(
            "/_vitrine/tokens",
            json!({ "scopes": ["whatsapp_business_management"] }),
        )
        .await;
    let limited = t.body["access_token"].as_str().unwrap().to_owned();
    let r = app.get_as(&id, &limited).await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.text);
    assert_eq!(r.body["error"]["code"], 10);
}

#[tokio::test]
async fn urls_and_media_expire_on_the_sandbox_clock() {
    let app = spawn_app().await;
    let bytes = noise(5_000, 8);
    let id = app.upload(&bytes, "video/mp4", "clip.mp4").await;
    let url = url_of(&app, &id).await;
    app.advance(299_000);
    assert_eq!(app.download(&url, Some(TOKEN)).await.0.as_u16(), 200);
    app.advance(2_000);
    assert_eq!(app.download(&url, Some(TOKEN)).await.0.as_u16(), 404);
    // A fresh URL works again.
    let url = url_of(&app, &id).await;
    assert_eq!(app.download(&url, Some(TOKEN)).await.2, bytes);
    // Uploads live 30 days.
    app.advance(30 * DAY_MS - 302_000);
    assert_eq!(app.get_as(&id, TOKEN).await.status.as_u16(), 200);
    app.advance(1_000);
    app.get_as(&id, TOKEN)
        .await
        .assert_error(400, unsupported("get", &id));
    // The purge removes the bytes.
    assert!(app.sandbox.purge_media().await.unwrap() >= 1);
    assert!(app
        .store
        .get_media(&id.as_str().into())
        .await
        .unwrap()
        .is_none());
    assert!(app
        .store
        .media_chunk(&id.as_str().into(), 0)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn large_uploads_are_stored_in_chunks() {
    let app = spawn_app().await;
    let bytes = noise(3 * 1024 * 1024 + 17, 9);
    let id = app.upload(&bytes, "application/pdf", "catalog.pdf").await;
    assert_eq!(
        app.store
            .media_chunk(&id.as_str().into(), 0)
            .await
            .unwrap()
            .unwrap()
            .len(),
        1024 * 1024
    );
    assert_eq!(
        app.store
            .media_chunk(&id.as_str().into(), 3)
            .await
            .unwrap()
            .unwrap()
            .len(),
        17
    );
    let url = url_of(&app, &id).await;
    let (_, _, got) = app.download(&url, Some(TOKEN)).await;
    assert_eq!(got.len(), bytes.len());
    assert!(got == bytes);
    // The web UI reads the same bytes without the bearer token.
    let r = app
        .client
        .get(app.url(&format!("/_vitrine/media/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.bytes().await.unwrap().to_vec() == bytes);
}
