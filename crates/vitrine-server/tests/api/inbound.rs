//! What customers send besides text (messaging spec §4): media the business downloads through
//! the Graph API, locations, contacts, reactions and unsupported types; and what their phone
//! shows back (blue ticks, "typing…", reactions under their message).

use crate::support::receiver::{Behaviour as Rx, Receiver};
use crate::support::*;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use vitrine_core::seed;
use vitrine_core::settings::Behaviour;

/// The customer sends `bytes` as a file; the answer.
async fn send_file(app: &TestApp, query: &str, mime: &str, bytes: &[u8]) -> Resp {
    app.send(
        app.client
            .post(app.url(&format!("/_vitrine/customers/{CUSTOMER}/media{query}")))
            .header("content-type", mime)
            .body(bytes.to_vec()),
    )
    .await
}

fn b64_sha(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

async fn v24_app() -> TestApp {
    spawn_with(Options {
        behaviour: Behaviour {
            default_api_version: "v24.0".to_owned(),
            ..Default::default()
        },
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn customers_send_media_the_business_downloads() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    let photo = noise(40_000, 1);
    let r = send_file(
        &app,
        "?caption=Is%20this%20in%20stock%3F",
        "image/jpeg",
        &photo,
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let msg = app.inbound_webhook(&r.body["wamid"]).await;
    let id = msg["image"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        msg,
        json!({
            "from": CUSTOMER, "from_user_id": CUSTOMER_BSUID, "id": r.body["wamid"],
            "timestamp": r.body["timestamp"], "type": "image",
            "image": { "caption": "Is this in stock?", "mime_type": "image/jpeg",
                "sha256": b64_sha(&photo), "id": id },
        })
    );
    // The bot fetches it as on Meta: GET /{media-id}, then the URL with its token.
    let info = app.get_as(&id, TOKEN).await;
    assert_eq!(info.body["mime_type"], "image/jpeg");
    assert_eq!(info.body["file_size"], 40_000);
    assert_eq!(info.body["sha256"], hex::encode(Sha256::digest(&photo)));
    let url = info.body["url"].as_str().unwrap();
    let (status, ct, got) = app.download(url, Some(TOKEN)).await;
    assert_eq!((status.as_u16(), ct.as_deref()), (200, Some("image/jpeg")));
    assert!(got == photo);
    // Another business cannot.
    app.get_as(&id, seed::OTHER_ACCESS_TOKEN)
        .await
        .assert_error(400, unsupported("get", &id));
    // Downloadable for 7 days.
    app.advance(7 * 86_400_000);
    app.get_as(&id, TOKEN)
        .await
        .assert_error(400, unsupported("get", &id));
}

#[tokio::test]
async fn every_media_kind_has_metas_fields() {
    let app = spawn_app().await;
    app.set_webhook("http://127.0.0.1:9/").await;
    let webp = {
        let mut b = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\x02".to_vec();
        b.resize(300, 1);
        b
    };
    let cases: Vec<(&str, &str, Vec<u8>, Value)> = vec![
        (
            "?caption=Unboxing",
            "video/mp4",
            noise(100, 2),
            json!({ "caption": "Unboxing", "mime_type": "video/mp4" }),
        ),
        (
            "?voice=true",
            "audio/ogg",
            noise(100, 3),
            json!({ "mime_type": "audio/ogg; codecs=opus", "voice": true }),
        ),
        (
            "?type=audio",
            "audio/mpeg",
            noise(100, 4),
            json!({ "mime_type": "audio/mpeg", "voice": false }),
        ),
        (
            "?filename=receipt.pdf&caption=My%20receipt",
            "application/pdf",
            noise(100, 5),
            json!({ "caption": "My receipt", "filename": "receipt.pdf", "mime_type": "application/pdf" }),
        ),
        (
            "?type=document",
            "image/png",
            noise(100, 6),
            json!({ "filename": "file", "mime_type": "image/png" }),
        ),
        (
            "",
            "image/webp",
            webp,
            json!({ "mime_type": "image/webp", "animated": true }),
        ),
    ];
    for (query, mime, bytes, expected) in cases {
        let r = send_file(&app, query, mime, &bytes).await;
        assert_eq!(r.status.as_u16(), 200, "{query}: {}", r.text);
        let msg = app.inbound_webhook(&r.body["wamid"]).await;
        let kind = msg["type"].as_str().unwrap().to_owned();
        let mut body = msg[&kind].clone();
        assert_eq!(body["sha256"], b64_sha(&bytes), "{query}");
        assert!(body["id"].is_string());
        let obj = body.as_object_mut().unwrap();
        obj.remove("sha256");
        obj.remove("id");
        assert_eq!(body, expected, "{query}");
    }
}

#[tokio::test]
async fn media_webhooks_carry_a_url_from_v24() {
    let app = v24_app().await;
    app.set_webhook("http://127.0.0.1:9/").await;
    let doc = noise(5_000, 7);
    let r = send_file(&app, "?filename=list.txt", "text/plain", &doc).await;
    let msg = app.inbound_webhook(&r.body["wamid"]).await;
    let url = msg["document"]["url"].as_str().unwrap();
    let id = msg["document"]["id"].as_str().unwrap();
    assert!(
        url.starts_with(&format!(
            "{}/whatsapp_business/attachments/?mid={id}&source=webhook&ext=",
            app.base
        )),
        "{url}"
    );
    let (status, _, got) = app.download(url, Some(TOKEN)).await;
    assert_eq!(status.as_u16(), 200);
    assert!(got == doc);
    assert_eq!(app.download(url, None).await.0.as_u16(), 404);
}

#[tokio::test]
async fn files_over_the_limit_arrive_as_131052_and_bad_files_are_refused() {
    let mut behaviour = Behaviour::default();
    behaviour.media.inbound_max_mb = 1;
    let app = spawn_with(Options {
        behaviour,
        ..Default::default()
    })
    .await;
    app.set_webhook("http://127.0.0.1:9/").await;
    let r = send_file(&app, "", "video/mp4", &noise(1024 * 1024 + 1, 8)).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let msg = app.inbound_webhook(&r.body["wamid"]).await;
    assert_eq!(
        msg,
        json!({
            "from": CUSTOMER, "from_user_id": CUSTOMER_BSUID, "id": r.body["wamid"],
            "timestamp": r.body["timestamp"], "type": "video",
            "errors": [{ "code": 131052,
                "title": "Media file size too big. Max file size we currently support: 100MB. Please communicate with your customer to send a media file that is smaller than 100MB",
                "message": "Media file size too big. Max file size we currently support: 100MB. Please communicate with your customer to send a media file that is smaller than 100MB",
                "error_data": { "details": "Media file size too big. Max file size we currently support: 100MB. Please communicate with your customer to send a media file that is smaller than 100MB" } }],
        })
    );
    for (query, mime, why) in [
        (
            "?type=sticker",
            "image/png",
            "A file of type 'image/png' cannot be sent as sticker.",
        ),
        (
            "?type=audio&caption=x",
            "audio/ogg",
            "A audio has no caption.",
        ),
        (
            "?voice=true",
            "image/jpeg",
            "Only audio can be a voice note.",
        ),
    ] {
        let r = send_file(&app, query, mime, b"abc").await;
        assert_eq!(r.status.as_u16(), 400, "{query}");
        assert_eq!(
            r.body["error"]["message"],
            format!("(#100) Invalid parameter ({why})"),
            "{query}"
        );
    }
    let r = send_file(&app, "", "image/jpeg", b"").await;
    assert_eq!(
        r.body["error"]["message"],
        "(#100) Invalid parameter (The file is empty.)"
    );
}

#[tokio::test]
async fn locations_contacts_reactions_and_unsupported_types() {
    let app = spawn_app().await;
    app.set_webhook("http://127.0.0.1:9/").await;
    let base = format!("/_vitrine/customers/{CUSTOMER}");
    let head = |r: &Resp| json!({ "from": CUSTOMER, "from_user_id": CUSTOMER_BSUID, "id": r.body["wamid"], "timestamp": r.body["timestamp"] });
    let with = |mut v: Value, extra: Value| {
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };

    // A location, answering the business's location request.
    let ask = app
        .post_message(interactive(json!({ "type": "location_request_message",
            "body": { "text": "Where should we deliver?" }, "action": { "name": "send_location" } })))
        .await
        .wamid();
    let r = app
        .post_json(
            &format!("{base}/locations"),
            json!({ "latitude": 38.7223, "longitude": -9.1393,
            "name": "Praça do Comércio", "address": "Lisboa", "reply_to": ask }),
        )
        .await;
    assert_eq!(
        app.inbound_webhook(&r.body["wamid"]).await,
        with(
            head(&r),
            json!({
                "context": { "from": seed::DISPLAY_PHONE_NUMBER, "id": ask },
                "type": "location",
                "location": { "latitude": 38.7223, "longitude": -9.1393, "name": "Praça do Comércio", "address": "Lisboa" },
            })
        )
    );
    let r = app
        .post_json(
            &format!("{base}/locations"),
            json!({ "latitude": 91.0, "longitude": 0.0 }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400);

    let card = json!({ "name": { "formatted_name": "Dana Store", "first_name": "Dana" },
        "phones": [{ "phone": "+1 650 555 0199", "type": "CELL", "wa_id": "16505550199" }] });
    let r = app
        .post_json(&format!("{base}/contacts"), json!({ "contacts": [card] }))
        .await;
    assert_eq!(
        app.inbound_webhook(&r.body["wamid"]).await,
        with(head(&r), json!({ "type": "contacts", "contacts": [card] }))
    );
    let r = app
        .post_json(
            &format!("{base}/contacts"),
            json!({ "contacts": [{ "name": {} }] }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400);

    // A reaction to a business message, then its removal (no `emoji` key).
    let theirs = app.post_message(text("Your order shipped")).await.wamid();
    let r = app
        .post_json(
            &format!("{base}/reactions"),
            json!({ "wamid": theirs, "emoji": "\u{2764}\u{FE0F}" }),
        )
        .await;
    assert_eq!(
        app.inbound_webhook(&r.body["wamid"]).await,
        with(
            head(&r),
            json!({ "type": "reaction", "reaction": { "message_id": theirs, "emoji": "\u{2764}\u{FE0F}" } })
        )
    );
    let r = app
        .post_json(
            &format!("{base}/reactions"),
            json!({ "wamid": theirs, "emoji": "" }),
        )
        .await;
    assert_eq!(
        app.inbound_webhook(&r.body["wamid"]).await,
        with(
            head(&r),
            json!({ "type": "reaction", "reaction": { "message_id": theirs } })
        )
    );
    let r = app
        .post_json(
            &format!("{base}/reactions"),
            json!({ "wamid": "wamid.nope", "emoji": "x" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400);

    let r = app
        .post_json(&format!("{base}/unsupported"), json!({ "type": "poll" }))
        .await;
    assert_eq!(
        app.inbound_webhook(&r.body["wamid"]).await,
        with(
            head(&r),
            json!({
                "type": "unsupported",
                "errors": [{ "code": 131051, "title": "Message type unknown", "message": "Message type unknown",
                    "error_data": { "details": "Message type is currently not supported." } }],
                "unsupported": { "type": "poll" },
            })
        )
    );
}

#[tokio::test]
async fn the_phone_shows_blue_ticks_typing_and_reactions() {
    let app = spawn_app().await;
    let base = format!("/_vitrine/customers/{CUSTOMER}");
    let hello = app
        .post_json(&format!("{base}/messages"), json!({ "text": "Hello?" }))
        .await
        .body["wamid"]
        .as_str()
        .unwrap()
        .to_owned();
    let chat = || async {
        let r = app.get(&format!("{base}/chat")).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        r.body
    };
    let mine = |c: &Value| {
        c["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["wamid"] == hello)
            .cloned()
            .unwrap()
    };
    assert_eq!(mine(&chat().await).get("read"), None);
    app.post_message(
        json!({ "messaging_product": "whatsapp", "status": "read", "message_id": hello,
        "typing_indicator": { "type": "text" } }),
    )
    .await;
    let c = chat().await;
    assert_eq!(mine(&c)["read"], true);
    let until = c["typing_until"].as_i64().unwrap();
    assert!(until > c["now"].as_i64().unwrap());
    // Typing ends after 25 s...
    app.advance(25_001);
    assert_eq!(chat().await["typing_until"], Value::Null);
    // ...or when the business replies.
    app.post_message(
        json!({ "messaging_product": "whatsapp", "status": "read", "message_id": hello,
        "typing_indicator": { "type": "text" } }),
    )
    .await;
    assert!(chat().await["typing_until"].is_i64());
    let reply = app.post_message(text("Hi! How can we help?")).await.wamid();
    app.advance(1_000);
    assert_eq!(chat().await["typing_until"], Value::Null);

    // Reactions show under their message, not as messages.
    app.post_message(
        json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": "reaction",
        "reaction": { "message_id": hello, "emoji": "\u{1F44D}" } }),
    )
    .await;
    app.post_json(
        &format!("{base}/reactions"),
        json!({ "wamid": reply, "emoji": "\u{1F64F}" }),
    )
    .await;
    app.advance(1_000);
    let c = chat().await;
    assert_eq!(
        mine(&c)["reactions"],
        json!([{ "from": "business", "emoji": "\u{1F44D}" }])
    );
    let shown: Vec<&Value> = c["messages"].as_array().unwrap().iter().collect();
    assert!(shown.iter().all(|m| m["content"]["type"] != "reaction"));
    let r = shown.iter().find(|m| m["wamid"] == reply).unwrap();
    assert_eq!(
        r["reactions"],
        json!([{ "from": "customer", "emoji": "\u{1F64F}" }])
    );
    // The business takes its reaction back.
    app.post_message(
        json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": "reaction",
        "reaction": { "message_id": hello, "emoji": "" } }),
    )
    .await;
    app.advance(1_000);
    assert_eq!(mine(&chat().await).get("reactions"), None);
    // The inspector folds them the same way.
    let conv = app
        .get(&format!("/_vitrine/conversations/{PHONE}/{CUSTOMER}"))
        .await;
    let r = conv.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["wamid"] == reply)
        .unwrap()
        .clone();
    assert_eq!(
        r["reactions"],
        json!([{ "from": "customer", "emoji": "\u{1F64F}" }])
    );
}
