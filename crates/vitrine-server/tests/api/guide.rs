//! The share-products guide's remaining details: catalog links open the catalog of the number
//! they name and preview only with `preview_url`; the optional notice of dropped MPM items.

use crate::support::*;
use serde_json::{json, Value};
use vitrine_core::seed;
use vitrine_core::settings::Behaviour;

fn link_text(number: &str, preview: bool) -> Value {
    json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": "text",
        "text": { "preview_url": preview, "body": format!("Everything we sell: https://wa.me/c/{number}") } })
}

/// The `catalog_link` the phone shows for business message `wamid` in the chat with `phone`.
async fn link_on_phone(app: &TestApp, phone: &str, wamid: &str) -> Value {
    app.advance(app.delivered_ms());
    let chat = app
        .get(&format!(
            "/_vitrine/customers/{CUSTOMER}/chat?phone_number_id={phone}"
        ))
        .await;
    chat.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["wamid"] == wamid)
        .unwrap_or_else(|| panic!("{wamid} not in {}", chat.text))["catalog_link"]
        .clone()
}

#[tokio::test]
async fn catalog_links_open_the_numbers_catalog_whichever_chat_they_are_in() {
    let app = spawn_app().await;
    let other = seed::OTHER_PHONE_NUMBER_ID;
    app.post_json(
        &format!("/_vitrine/customers/{CUSTOMER}/messages"),
        json!({ "text": "Hello", "phone_number_id": other }),
    )
    .await;
    // The other business links to the demo store's catalog.
    let with_preview = app
        .post_message_as(
            other,
            seed::OTHER_ACCESS_TOKEN,
            link_text(seed::DISPLAY_PHONE_NUMBER, true),
        )
        .await
        .wamid();
    let plain = app
        .post_message_as(
            other,
            seed::OTHER_ACCESS_TOKEN,
            link_text(seed::DISPLAY_PHONE_NUMBER, false),
        )
        .await
        .wamid();
    let link = link_on_phone(&app, other, &with_preview).await;
    let products = link["products"].as_u64().unwrap();
    assert!(products > 0);
    assert!(link["thumbnail"]
        .as_str()
        .unwrap()
        .contains("/assets/demo/"));
    assert_eq!(
        link,
        json!({ "number": seed::DISPLAY_PHONE_NUMBER, "phone_number_id": PHONE, "business": "Vitrine Demo Store",
            "valid": true, "preview": true, "thumbnail": link["thumbnail"], "products": products })
    );
    let link = link_on_phone(&app, other, &plain).await;
    assert_eq!(
        (link["valid"].clone(), link["preview"].clone()),
        (json!(true), json!(false))
    );
    // Opening it browses that catalog.
    let r = app
        .get(&format!(
            "/_vitrine/customers/{CUSTOMER}/catalog?phone_number_id={}",
            link["phone_number_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.body["catalog_id"], CATALOG);

    // A number with no visible catalog: "Invalid catalog link", never a preview.
    let wamid = app
        .post_message(link_text(seed::OTHER_DISPLAY_PHONE_NUMBER, true))
        .await
        .wamid();
    let link = link_on_phone(&app, PHONE, &wamid).await;
    assert_eq!(
        (
            link["valid"].clone(),
            link["preview"].clone(),
            link["business"].clone()
        ),
        (json!(false), json!(false), json!("Other Business"))
    );
    let wamid = app
        .post_message(link_text("19995550000", true))
        .await
        .wamid();
    assert_eq!(
        link_on_phone(&app, PHONE, &wamid).await,
        json!({ "number": "19995550000", "valid": false, "preview": false })
    );
    // Hiding the demo catalog turns its links invalid.
    let r = app
        .send(
            app.client
                .post(app.url(&format!(
                    "/v23.0/{PHONE}/whatsapp_commerce_settings?is_catalog_visible=false"
                )))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let link = link_on_phone(&app, other, &with_preview).await;
    assert_eq!(
        (link["valid"].clone(), link["preview"].clone()),
        (json!(false), json!(false))
    );
    let chat = app
        .get(&format!("/_vitrine/customers/{CUSTOMER}/chat"))
        .await;
    assert_eq!(chat.body["catalog_visible"], false);
}

async fn sent_status_errors(app: &TestApp) -> Value {
    let wamid = app
        .post_message(mpm(json!([{ "title": "Coffee",
            "product_items": items(&["beans-house-blend-250g", "no-such-sku", "also-missing"]) }])))
        .await
        .wamid();
    app.advance(app.delivered_ms());
    app.stored(&wamid).await["statuses"][0].clone()
}

#[tokio::test]
async fn dropped_mpm_items_notice_is_off_by_default() {
    let app = spawn_app().await;
    let sent = sent_status_errors(&app).await;
    assert_eq!(
        (sent["status"].clone(), sent["errors"].clone()),
        (json!("sent"), json!([]))
    );
}

#[tokio::test]
async fn dropped_mpm_items_notice_behind_a_setting() {
    let app = spawn_with(Options {
        behaviour: Behaviour {
            mpm_dropped_items_notice: true,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let sent = sent_status_errors(&app).await;
    assert_eq!(sent["status"], "sent");
    assert_eq!(
        sent["errors"],
        json!([{ "code": 131009, "title": "Parameter value is not valid", "message": "Parameter value is not valid",
            "error_data": { "details": "Some products could not be sent because they are not in the catalog or not available: no-such-sku, also-missing. Please update your catalog." },
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/" }])
    );
}
