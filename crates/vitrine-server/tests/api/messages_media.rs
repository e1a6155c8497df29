//! POST /messages of the everyday types (messaging spec §2): media by id or link, location,
//! contacts, reactions, `cta_url`, `location_request_message`, replies.

use crate::support::*;
use serde_json::{json, Value};
use vitrine_core::seed;

fn send(kind: &str, obj: Value) -> Value {
    json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": kind, kind: obj })
}

/// The statuses a message reached once the sandbox clock moved past its delivery.
async fn statuses_after(app: &TestApp, wamid: &str) -> Vec<Value> {
    app.advance(app.delivered_ms());
    app.stored(wamid).await["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.as_object_mut().unwrap().remove("at");
            s.as_object_mut().unwrap().remove("timestamp");
            s
        })
        .collect()
}

fn failed(code: u64, title: &str, details: &str) -> Vec<Value> {
    vec![json!({ "status": "failed", "errors": [{
        "code": code, "title": title, "message": title,
        "error_data": { "details": details },
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }] })]
}

fn delivered() -> Vec<Value> {
    vec![
        json!({ "status": "sent", "errors": [] }),
        json!({ "status": "delivered", "errors": [] }),
    ]
}

#[tokio::test]
async fn every_media_kind_by_id_or_link() {
    let app = spawn_app().await;
    let cases = [
        (
            "image",
            "image/jpeg",
            "a.jpg",
            json!({ "caption": "New in" }),
        ),
        (
            "video",
            "video/mp4",
            "a.mp4",
            json!({ "caption": "Unboxing" }),
        ),
        ("audio", "audio/ogg", "a.ogg", json!({ "voice": true })),
        (
            "document",
            "application/pdf",
            "a.pdf",
            json!({ "caption": "Invoice", "filename": "invoice-42.pdf" }),
        ),
        ("sticker", "image/webp", "a.webp", json!({})),
    ];
    for (kind, mime, file, extra) in cases {
        let id = app.upload(&noise(2_048, 3), mime, file).await;
        let mut obj = extra.clone();
        obj["id"] = json!(id);
        let wamid = app.post_message(send(kind, obj)).await.wamid();
        let stored = app.stored(&wamid).await;
        let mut expected = json!({ "type": "media", "kind": kind, "media": { "id": id },
            "mime_type": mime, "file_size": 2048 });
        for (k, v) in extra.as_object().unwrap() {
            expected[k] = v.clone();
        }
        assert_eq!(stored["content"], expected, "{kind}");
        assert_eq!(statuses_after(&app, &wamid).await, delivered(), "{kind}");

        let mut obj = extra.clone();
        obj["link"] = json!(format!("https://cdn.example/{file}"));
        let wamid = app.post_message(send(kind, obj)).await.wamid();
        let mut expected = json!({ "type": "media", "kind": kind,
            "media": { "link": format!("https://cdn.example/{file}") } });
        for (k, v) in extra.as_object().unwrap() {
            expected[k] = v.clone();
        }
        assert_eq!(app.stored(&wamid).await["content"], expected, "{kind}");
    }
}

#[tokio::test]
async fn media_messages_are_checked_like_meta() {
    let app = spawn_app().await;
    app.post_message(json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": "image" }))
        .await
        .assert_131008("image");
    app.post_message(send(
        "image",
        json!({ "link": "https://x.example/a.png", "caption": "c".repeat(1025) }),
    ))
    .await
    .assert_131009("Param image['caption'] must be at most 1024 characters long.");
    app.post_message(send(
        "audio",
        json!({ "link": "https://x.example/a.ogg", "caption": "hi" }),
    ))
    .await
    .assert_100(
        "Invalid parameter",
        Some("Param audio['caption'] is not a valid parameter for audio messages."),
    );
    app.post_message(send(
        "sticker",
        json!({ "link": "https://x.example/a.webp", "caption": "hi" }),
    ))
    .await
    .assert_100(
        "Invalid parameter",
        Some("Param sticker['caption'] is not a valid parameter for sticker messages."),
    );
    app.post_message(send(
        "image",
        json!({ "link": "https://x.example/a.png", "filename": "a.png" }),
    ))
    .await
    .assert_100(
        "Invalid parameter",
        Some("Param image['filename'] is not a valid parameter for image messages."),
    );
    app.post_message(send(
        "video",
        json!({ "link": "https://x.example/a.mp4", "resolution": "4k" }),
    ))
    .await
    .assert_100(
        "Invalid parameter",
        Some("Param video['resolution'] is not a valid parameter for video messages."),
    );
    app.post_message(send(
        "image",
        json!({ "id": "1", "link": "https://x.example/a.png" }),
    ))
    .await
    .assert_100(
        "Invalid parameter",
        Some("Param image must have either id or link, not both."),
    );
    app.post_message(send("document", json!({ "caption": "x" })))
        .await
        .assert_100(
            "Invalid parameter",
            Some("Param document must have id (an uploaded media) or link."),
        );
    app.post_message(send("image", json!({ "link": "not a url" })))
        .await
        .assert_131009("Param image['link'] must be an http or https URL.");
    app.post_message(send("image", json!("nope")))
        .await
        .assert_100("Invalid parameter", Some("Param image has the wrong type: invalid type: string \"nope\", expected struct MediaObject"));

    // Ids must name a live media of the sending number.
    app.post_message(send("image", json!({ "id": "1234567890123456" })))
        .await
        .assert_131009("Invalid media id");
    let other = app
        .upload_as(
            seed::OTHER_PHONE_NUMBER_ID,
            seed::OTHER_ACCESS_TOKEN,
            "",
            &[
                Part::File("file", "o.jpg", Some("image/jpeg"), b"other"),
                Part::Text("messaging_product", "whatsapp"),
            ],
        )
        .await;
    let other_id = other.body["id"].as_str().unwrap();
    app.post_message(send("image", json!({ "id": other_id })))
        .await
        .assert_131009("Invalid media id");
    let id = app.upload(b"jpeg", "image/jpeg", "a.jpg").await;
    app.send(
        app.client
            .delete(app.url(&format!("/v23.0/{id}")))
            .bearer_auth(TOKEN),
    )
    .await;
    app.post_message(send("image", json!({ "id": id })))
        .await
        .assert_131009("Invalid media id");
    // Nothing was sent by those.
    assert_eq!(
        app.get("/_vitrine/messages?limit=5").await.body["data"],
        json!([])
    );
}

#[tokio::test]
async fn media_of_the_wrong_kind_and_failing_links_fail_with_131053() {
    let app = spawn_app().await;
    let video = app.upload(&noise(100, 1), "video/mp4", "v.mp4").await;
    let wamid = app
        .post_message(send("image", json!({ "id": video })))
        .await
        .wamid();
    assert_eq!(
        statuses_after(&app, &wamid).await,
        failed(
            131053,
            "Media upload error",
            "Media of type video/mp4 cannot be sent as image: it takes image/jpeg, image/png."
        )
    );
    let jpeg = app.upload(&noise(100, 2), "image/jpeg", "s.jpg").await;
    let wamid = app
        .post_message(send("sticker", json!({ "id": jpeg })))
        .await
        .wamid();
    assert_eq!(
        statuses_after(&app, &wamid).await,
        failed(
            131053,
            "Media upload error",
            "Sticker file could not be processed. Please choose a different file."
        )
    );
    // The test hook: links on vitrine.invalid fail with the status in their path.
    for (status, reason) in [
        (404, "Not Found"),
        (403, "Forbidden"),
        (503, "Service Unavailable"),
    ] {
        let wamid = app
            .post_message(send(
                "document",
                json!({ "link": format!("https://vitrine.invalid/{status}/menu.pdf"), "filename": "menu.pdf" }),
            ))
            .await
            .wamid();
        assert_eq!(
            statuses_after(&app, &wamid).await,
            failed(
                131053,
                "Media upload error",
                &format!("Downloading media from weblink failed with http code {status}, status message {reason}")
            )
        );
    }
}

#[tokio::test]
async fn locations() {
    let app = spawn_app().await;
    let wamid = app
        .post_message(send(
            "location",
            json!({ "latitude": 37.4421, "longitude": "-122.1615",
            "name": "Vitrine Store", "address": "1 Hacker Way" }),
        ))
        .await
        .wamid();
    assert_eq!(
        app.stored(&wamid).await["content"],
        json!({ "type": "location", "latitude": 37.4421, "longitude": -122.1615,
            "name": "Vitrine Store", "address": "1 Hacker Way" })
    );
    app.post_message(send("location", json!({ "longitude": 1 })))
        .await
        .assert_131008("location['latitude']");
    app.post_message(send("location", json!({ "latitude": 91, "longitude": 1 })))
        .await
        .assert_131009("Param location['latitude'] must be a number between -90 and 90.");
    app.post_message(send(
        "location",
        json!({ "latitude": 1, "longitude": "east" }),
    ))
    .await
    .assert_131009("Param location['longitude'] must be a number between -180 and 180.");
}

#[tokio::test]
async fn contacts() {
    let app = spawn_app().await;
    let card = json!({
        "name": { "formatted_name": "Dana Store", "first_name": "Dana" },
        "birthday": "1990-04-12",
        "phones": [{ "phone": "+1 650 555 0199", "type": "WORK", "wa_id": "16505550199" }],
        "emails": [{ "email": "dana@shop.example", "type": "Work" }],
        "org": { "company": "Vitrine Demo Store" },
    });
    let wamid = app
        .post_message(send("contacts", json!([card])))
        .await
        .wamid();
    assert_eq!(
        app.stored(&wamid).await["content"],
        json!({ "type": "contacts", "contacts": [card] })
    );
    app.post_message(send("contacts", json!([])))
        .await
        .assert_131008("contacts");
    app.post_message(send("contacts", json!([{ "name": { "first_name": "x" } }])))
        .await
        .assert_131008("contacts[0]['name']['formatted_name']");
    app.post_message(send(
        "contacts",
        json!([{ "name": { "formatted_name": "x" }, "birthday": "12/04/1990" }]),
    ))
    .await
    .assert_131009("Param contacts[0]['birthday'] must be a date written YYYY-MM-DD.");
    let many: Vec<Value> = (0..258)
        .map(|i| json!({ "name": { "formatted_name": format!("c{i}") } }))
        .collect();
    app.post_message(send("contacts", json!(many)))
        .await
        .assert_131009("Param contacts must have at most 257 contacts, 258 were given.");
}

#[tokio::test]
async fn reactions_go_on_the_customers_messages_and_get_only_sent() {
    let app = spawn_app().await;
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/messages"),
            json!({ "text": "Do you ship to Lisbon?" }),
        )
        .await;
    let theirs = r.body["wamid"].as_str().unwrap().to_owned();
    let wamid = app
        .post_message(send(
            "reaction",
            json!({ "message_id": theirs, "emoji": "\u{1F44D}" }),
        ))
        .await
        .wamid();
    assert_eq!(
        app.stored(&wamid).await["content"],
        json!({ "type": "reaction", "message_id": theirs, "emoji": "\u{1F44D}" })
    );
    assert_eq!(
        statuses_after(&app, &wamid).await,
        vec![json!({ "status": "sent", "errors": [] })]
    );
    // Removing it: an empty emoji.
    let wamid = app
        .post_message(send(
            "reaction",
            json!({ "message_id": theirs, "emoji": "" }),
        ))
        .await
        .wamid();
    assert_eq!(
        statuses_after(&app, &wamid).await,
        vec![json!({ "status": "sent", "errors": [] })]
    );
    // Not a message of this chat: 200, then a failed status with 131009.
    let mine = app.post_message(text("hi")).await.wamid();
    for target in [
        mine.as_str(),
        "wamid.HBgLMTY1MDU1NTAxMjMVAgASGBQzQUZGRkZGRkZGRkZGRkZGRkZGRgA=",
    ] {
        let wamid = app
            .post_message(send(
                "reaction",
                json!({ "message_id": target, "emoji": "\u{2764}\u{FE0F}" }),
            ))
            .await
            .wamid();
        assert_eq!(
            statuses_after(&app, &wamid).await,
            failed(131009, "Parameter value is not valid", "Message failed to send because the reaction's message_id is not a message the customer sent in this chat in the last 30 days.")
        );
    }
    app.post_message(send("reaction", json!({ "emoji": "x" })))
        .await
        .assert_131008("reaction['message_id']");
    app.post_message(send("reaction", json!({ "message_id": theirs })))
        .await
        .assert_131008("reaction['emoji']");
    app.post_message(send(
        "reaction",
        json!({ "message_id": theirs, "emoji": "thumbs up" }),
    ))
    .await
    .assert_131009("Param reaction['emoji'] must be one emoji, or empty to remove the reaction.");
    let mut reply = send(
        "reaction",
        json!({ "message_id": theirs, "emoji": "\u{1F44D}" }),
    );
    reply["context"] = json!({ "message_id": theirs });
    app.post_message(reply).await.assert_100(
        "Invalid parameter",
        Some("A reaction cannot be sent as a reply: leave out context."),
    );
    // A reaction on a 31-day-old message fails too (and needs an open window to be tried).
    app.advance(31 * 86_400_000);
    app.post_json(
        &format!("/_vitrine/customers/{CUSTOMER}/messages"),
        json!({ "text": "Still there?" }),
    )
    .await;
    let wamid = app
        .post_message(send(
            "reaction",
            json!({ "message_id": theirs, "emoji": "\u{1F44D}" }),
        ))
        .await
        .wamid();
    assert_eq!(
        statuses_after(&app, &wamid).await[0]["errors"][0]["code"],
        131009
    );
}

#[tokio::test]
async fn cta_url_and_location_requests() {
    let app = spawn_app().await;
    let banner = app.upload(&noise(100, 5), "image/png", "banner.png").await;
    let body = interactive(json!({
        "type": "cta_url",
        "header": { "type": "image", "image": { "id": banner } },
        "body": { "text": "Tap the button below to pay." },
        "footer": { "text": "Link valid 24 h" },
        "action": { "name": "cta_url", "parameters": { "display_text": "Pay now", "url": "https://shop.example/pay/42" } }
    }));
    let wamid = app.post_message(body).await.wamid();
    assert_eq!(
        app.stored(&wamid).await["content"],
        json!({ "type": "cta_url", "header": { "type": "image", "media": { "id": banner } },
            "body": "Tap the button below to pay.", "footer": "Link valid 24 h",
            "display_text": "Pay now", "url": "https://shop.example/pay/42" })
    );
    let cta = |params: Value, header: Option<Value>| {
        let mut i = json!({ "type": "cta_url", "body": { "text": "b" },
            "action": { "name": "cta_url", "parameters": params } });
        if let Some(h) = header {
            i["header"] = h;
        }
        interactive(i)
    };
    app.post_message(cta(json!({ "display_text": "x".repeat(21), "url": "https://a.example" }), None))
        .await
        .assert_131009("Param interactive['action']['parameters']['display_text'] must be at most 20 characters long.");
    app.post_message(cta(json!({ "display_text": "Go" }), None))
        .await
        .assert_131008("interactive['action']['parameters']['url']");
    app.post_message(cta(
        json!({ "display_text": "Go", "url": "shop.example/x" }),
        None,
    ))
    .await
    .assert_131009(
        "Param interactive['action']['parameters']['url'] must be an http or https URL.",
    );
    app.post_message(cta(
        json!({ "display_text": "Go", "url": "https://a.example" }),
        Some(json!({ "type": "image", "image": { "link": "https://a.example/i.png", "caption": "no" } })),
    ))
    .await
    .assert_100("Invalid parameter", Some("Param interactive['header']['image']['caption'] is not allowed: a media header takes id or link only."));
    app.post_message(cta(
        json!({ "display_text": "Go", "url": "https://a.example" }),
        Some(json!({ "type": "video", "video": { "id": "999" } })),
    ))
    .await
    .assert_131009("Invalid media id");

    let wamid = app
        .post_message(interactive(json!({ "type": "location_request_message",
            "body": { "text": "Where should we deliver?" },
            "action": { "name": "send_location" } })))
        .await
        .wamid();
    assert_eq!(
        app.stored(&wamid).await["content"],
        json!({ "type": "location_request", "body": "Where should we deliver?" })
    );
    app.post_message(interactive(json!({ "type": "location_request_message",
        "action": { "name": "send_location" } })))
        .await
        .assert_131008("interactive['body']['text']");
    app.post_message(interactive(json!({ "type": "location_request_message",
        "body": { "text": "b" }, "action": { "name": "location" } })))
        .await
        .assert_131009("Invalid interactive['action']['name'] 'location': must be send_location.");
    app.post_message(interactive(json!({ "type": "location_request_message",
        "header": { "type": "text", "text": "h" }, "body": { "text": "b" }, "action": { "name": "send_location" } })))
        .await
        .assert_131009("Header is not supported for this message type");
}

#[tokio::test]
async fn every_type_can_reply_to_a_message() {
    let app = spawn_app().await;
    let first = app.post_message(text("Here is your order")).await.wamid();
    for body in [
        send("image", json!({ "link": "https://cdn.example/a.png" })),
        send("location", json!({ "latitude": 1, "longitude": 2 })),
        send(
            "contacts",
            json!([{ "name": { "formatted_name": "Dana" } }]),
        ),
    ] {
        let mut body = body;
        body["context"] = json!({ "message_id": first });
        let wamid = app.post_message(body).await.wamid();
        assert_eq!(app.stored(&wamid).await["context_message_id"], first);
    }
}

#[tokio::test]
async fn everyday_types_need_the_customer_service_window() {
    let app = spawn_app().await;
    app.advance(25 * 3_600_000);
    let wamid = app
        .post_message(send("location", json!({ "latitude": 1, "longitude": 2 })))
        .await
        .wamid();
    assert_eq!(
        statuses_after(&app, &wamid).await,
        failed(131047, "Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number.")
    );
}
