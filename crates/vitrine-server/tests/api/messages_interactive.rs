//! Interactive envelope, reply buttons and lists (spec §2.4, §2.8).

use crate::support::*;
use serde_json::json;

fn buttons(bs: serde_json::Value) -> serde_json::Value {
    interactive(
        json!({ "type": "button", "body": { "text": "Confirm your order?" }, "action": { "buttons": bs } }),
    )
}

fn reply(id: &str, title: &str) -> serde_json::Value {
    json!({ "type": "reply", "reply": { "id": id, "title": title } })
}

fn list(sections: serde_json::Value) -> serde_json::Value {
    interactive(json!({
        "type": "list",
        "body": { "text": "Pick a delivery slot" },
        "action": { "button": "Choose", "sections": sections }
    }))
}

fn row(id: &str, title: &str) -> serde_json::Value {
    json!({ "id": id, "title": title })
}

#[tokio::test]
async fn interactive_envelope() {
    let app = spawn_app().await;
    app.post_message(
        json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": "interactive" }),
    )
    .await
    .assert_131008("interactive");
    app.post_message(interactive(json!({ "body": { "text": "x" } })))
        .await
        .assert_131008("interactive['type']");
    app.post_message(interactive(json!({ "type": "hologram" })))
        .await
        .assert_131009("Invalid interactive['type'] 'hologram'.");
    app.post_message(interactive(json!({ "type": "flow" })))
        .await
        .assert_100("Invalid parameter", Some("Interactive type 'flow' is not implemented by Vitrine (see docs/compatibility.md)."));
}

#[tokio::test]
async fn reply_buttons() {
    let app = spawn_app().await;
    let wamid = app
        .post_message(buttons(json!([
            reply("confirm-1", "Yes"),
            reply("cancel-1", "No")
        ])))
        .await
        .wamid();
    assert_eq!(
        app.stored(&wamid).await["content"],
        json!({ "type": "button", "body": "Confirm your order?", "buttons": [
            { "id": "confirm-1", "title": "Yes" }, { "id": "cancel-1", "title": "No" }
        ] })
    );
    app.post_message(buttons(json!([
        reply("a", "A"),
        reply("b", "B"),
        reply("c", "C"),
        reply("d", "D")
    ])))
    .await
    .assert_131009(
        "Param interactive['action']['buttons'] must have between 1 and 3 buttons, 4 were given.",
    );
    app.post_message(buttons(json!([reply("a", &"t".repeat(21))])))
        .await
        .assert_131009("Param interactive['action']['buttons'][0]['reply']['title'] must be at most 20 characters long.");
    app.post_message(buttons(json!([reply("a", "Same"), reply("b", "Same")])))
        .await
        .assert_131009("Duplicate button title 'Same'.");
    app.post_message(buttons(json!([reply(" a", "A")])))
        .await
        .assert_131009("Param interactive['action']['buttons'][0]['reply']['id'] must not have leading or trailing spaces.");
    app.post_message(buttons(json!([reply(&"i".repeat(257), "A")])))
        .await
        .assert_131009("Param interactive['action']['buttons'][0]['reply']['id'] must be at most 256 characters long.");
    app.post_message(buttons(json!([{ "type": "url" }])))
        .await
        .assert_131009("Invalid interactive['action']['buttons'][0]['type'] 'url': must be reply.");
    let mut m = buttons(json!([reply("a", "A")]));
    m["interactive"]["header"] =
        json!({ "type": "image", "image": { "link": "https://example.com/a.png" } });
    app.post_message(m).await.wamid();
    let mut m = buttons(json!([reply("a", "A")]));
    m["interactive"]["header"] = json!({ "type": "image", "image": {} });
    app.post_message(m)
        .await
        .assert_131008("interactive['header']['image']['id' or 'link']");
}

#[tokio::test]
async fn lists() {
    let app = spawn_app().await;
    app.post_message(list(
        json!([{ "title": "Today", "rows": [row("t1", "9-12"), row("t2", "12-15")] }]),
    ))
    .await
    .wamid();
    let rows: Vec<_> = (0..11).map(|i| row(&format!("r{i}"), "Slot")).collect();
    app.post_message(list(
        json!([{ "title": "A", "rows": rows[..6] }, { "title": "B", "rows": rows[6..] }]),
    ))
    .await
    .assert_131009(
        "Too many rows: a list message can hold at most 10 rows in total, 11 were given.",
    );
    app.post_message(list(json!([{ "rows": [row("a", &"t".repeat(25))] }])))
        .await
        .assert_131009("Param interactive['action']['sections'][0]['rows'][0]['title'] must be at most 24 characters long.");
    app.post_message(list(json!([{ "rows": [{ "id": "a", "title": "t", "description": "d".repeat(73) }] }])))
        .await
        .assert_131009("Param interactive['action']['sections'][0]['rows'][0]['description'] must be at most 72 characters long.");
    app.post_message(list(json!([{ "rows": [row("a", "x"), row("a", "y")] }])))
        .await
        .assert_131009("Duplicate row id 'a'.");
    let mut m = list(json!([{ "rows": [row("a", "x")] }]));
    m["interactive"]["action"]
        .as_object_mut()
        .unwrap()
        .remove("button");
    app.post_message(m)
        .await
        .assert_131008("interactive['action']['button']");
    let mut m = list(json!([{ "rows": [row("a", "x")] }]));
    m["interactive"]["action"]["button"] = json!("b".repeat(21));
    app.post_message(m)
        .await
        .assert_131009("Param interactive['action']['button'] must be at most 20 characters long.");
    let mut m = list(json!([{ "rows": [row("a", "x")] }]));
    m["interactive"]["header"] = json!({ "type": "image", "image": { "link": "https://x" } });
    app.post_message(m)
        .await
        .assert_131009("Header type 'image' is not supported for this message type.");
}
