//! Product messages: catalog_message, product (SPM), product_list (MPM), and the commerce checks
//! (spec §2.5–§2.7, §6, §11 step 6).

use crate::support::*;
use serde_json::json;
use vitrine_core::commerce::{CHECK_CATALOG_LINKED, NONE_COULD_BE_SENT, PRODUCTS_NOT_FOUND};
use vitrine_core::settings::Behaviour;
use vitrine_core::{commerce::MpmNoMatchDetails, seed};

/// The guide's three example requests, with the demo catalog's ids.
#[tokio::test]
async fn the_guides_examples_are_accepted() {
    let app = spawn_app().await;
    let catalog = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+16505551234",
        "type": "interactive",
        "interactive": {
            "type": "catalog_message",
            "body": { "text": "Hello! Thanks for your interest. Ordering is easy. Just visit our catalog and add items to purchase." },
            "action": { "name": "catalog_message", "parameters": { "thumbnail_product_retailer_id": "beans-house-blend-250g" } },
            "footer": { "text": "Best grocery deals on WhatsApp!" }
        }
    });
    let r = app.post_message(catalog).await;
    r.wamid();
    assert_eq!(
        r.body["contacts"],
        json!([{ "input": "+16505551234", "wa_id": "16505551234" }])
    );

    let spm = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+16505551234",
        "type": "interactive",
        "interactive": {
            "type": "product",
            "body": { "text": "optional body text" },
            "footer": { "text": "optional footer text" },
            "action": { "catalog_id": CATALOG, "product_retailer_id": "grinder-hand-steel" }
        }
    });
    app.post_message(spm).await.wamid();

    let mpm = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+16505551234",
        "type": "interactive",
        "interactive": {
            "type": "product_list",
            "header": { "type": "text", "text": "header-content" },
            "body": { "text": "body-content" },
            "footer": { "text": "footer-content" },
            "action": {
                "catalog_id": CATALOG,
                "sections": [
                    { "title": "section-title", "product_items": [ { "product_retailer_id": "tee-classic-white" }, { "product_retailer_id": "cap-canvas-navy" } ] },
                    { "title": "section-title", "product_items": [ { "product_retailer_id": "mug-stoneware-350ml" } ] }
                ]
            }
        }
    });
    app.post_message(mpm).await.wamid();
}

#[tokio::test]
async fn catalog_message_records_its_thumbnail() {
    let app = spawn_app().await;
    let wamid = app
        .post_message(catalog_message(Some(
            json!({ "thumbnail_product_retailer_id": "candle-cedar-200g" }),
        )))
        .await
        .wamid();
    let stored = app.stored(&wamid).await;
    assert_eq!(
        stored["content"]["thumbnail_product_retailer_id"],
        "candle-cedar-200g"
    );
    assert_eq!(stored["products"][0]["retailer_id"], "candle-cedar-200g");
    assert_eq!(stored["products"][0]["name"], "Cedar & Smoke Candle");
    assert_eq!(stored["products"][0]["price"], 2400);
    assert_eq!(stored["products"][0]["currency"], "USD");
    assert_eq!(stored["products"][0]["availability"], "in stock");
}

#[tokio::test]
async fn catalog_message_without_thumbnail_uses_the_first_item() {
    let app = spawn_app().await;
    for params in [None, Some(json!({})), Some(json!(null))] {
        let wamid = app.post_message(catalog_message(params)).await.wamid();
        let stored = app.stored(&wamid).await;
        assert!(stored["content"]
            .get("thumbnail_product_retailer_id")
            .is_none());
        assert_eq!(stored["products"][0]["retailer_id"], "tee-classic-white");
    }
}

#[tokio::test]
async fn catalog_message_without_thumbnail_in_strict_mode() {
    let app = spawn_with(Options {
        behaviour: Behaviour {
            catalog_thumbnail_required: true,
            ..Behaviour::default()
        },
        ..Default::default()
    })
    .await;
    app.post_message(catalog_message(None))
        .await
        .assert_131009("action['parameters'] cannot be empty.");
    app.post_message(catalog_message(Some(json!({}))))
        .await
        .assert_131009("action['parameters'] cannot be empty.");
    app.post_message(catalog_message(Some(
        json!({ "thumbnail_product_retailer_id": "gift-card-25" }),
    )))
    .await
    .wamid();
}

#[tokio::test]
async fn catalog_message_structure() {
    let app = spawn_app().await;
    let mut m = catalog_message(None);
    m["interactive"]["header"] = json!({ "type": "text", "text": "x" });
    app.post_message(m)
        .await
        .assert_131009("The parameter interactive['header'] is not allows for catalog messages.");

    let mut m = catalog_message(None);
    m["interactive"].as_object_mut().unwrap().remove("body");
    app.post_message(m)
        .await
        .assert_131008("interactive['body']['text']");

    let mut m = catalog_message(None);
    m["interactive"]["body"]["text"] = json!("b".repeat(1025));
    app.post_message(m)
        .await
        .assert_131009("Param interactive['body']['text'] must be at most 1024 characters long.");

    let mut m = catalog_message(None);
    m["interactive"]["footer"] = json!({ "text": "f".repeat(61) });
    app.post_message(m)
        .await
        .assert_131009("Param interactive['footer']['text'] must be at most 60 characters long.");
    let mut m = catalog_message(None);
    m["interactive"]["footer"] = json!({ "text": "f".repeat(60) });
    app.post_message(m).await.wamid();

    let mut m = catalog_message(None);
    m["interactive"].as_object_mut().unwrap().remove("action");
    app.post_message(m)
        .await
        .assert_131008("interactive['action']");

    let mut m = catalog_message(None);
    m["interactive"]["action"]["name"] = json!("view_catalog");
    app.post_message(m).await.assert_131009(
        "Invalid interactive['action']['name'] 'view_catalog': must be catalog_message.",
    );
}

#[tokio::test]
async fn catalog_message_thumbnail_must_be_in_the_catalog() {
    let app = spawn_app().await;
    for rid in ["no-such-sku", "scarf-wool-preview"] {
        app.post_message(catalog_message(Some(
            json!({ "thumbnail_product_retailer_id": rid }),
        )))
        .await
        .assert_131009(PRODUCTS_NOT_FOUND);
    }
}

#[tokio::test]
async fn spm_is_stored_with_the_product_as_sent() {
    let app = spawn_app().await;
    let wamid = app.post_message(spm("jacket-rain-olive")).await.wamid();
    let stored = app.stored(&wamid).await;
    assert_eq!(
        stored["products"],
        json!([{
            "product_id": "7337219806314505",
            "retailer_id": "jacket-rain-olive",
            "name": "Packable Rain Jacket, Olive",
            "price": 8900,
            "sale_price": 6900,
            "currency": "USD",
            "image_url": format!("{}/assets/demo/jacket-rain-olive.svg", app.base),
            "availability": "in stock"
        }])
    );
}

#[tokio::test]
async fn spm_of_an_out_of_stock_item_is_sent_and_shows_unavailable() {
    let app = spawn_app().await;
    let wamid = app.post_message(spm("beans-ethiopia-250g")).await.wamid();
    assert_eq!(
        app.stored(&wamid).await["products"][0]["availability"],
        "out of stock"
    );
}

#[tokio::test]
async fn spm_structure() {
    let app = spawn_app().await;
    let mut m = spm("tee-classic-white");
    m["interactive"]["header"] = json!({ "type": "text", "text": "x" });
    app.post_message(m)
        .await
        .assert_131009("Header is not supported for this message type");

    let mut m = spm("tee-classic-white");
    m["interactive"]["action"]
        .as_object_mut()
        .unwrap()
        .remove("catalog_id");
    app.post_message(m)
        .await
        .assert_131008("interactive['action']['catalog_id']");

    let mut m = spm("tee-classic-white");
    m["interactive"]["action"]
        .as_object_mut()
        .unwrap()
        .remove("product_retailer_id");
    app.post_message(m)
        .await
        .assert_131008("interactive['action']['product_retailer_id']");

    // Body is optional for SPM.
    let mut m = spm("tee-classic-white");
    m["interactive"].as_object_mut().unwrap().remove("body");
    app.post_message(m).await.wamid();

    let mut m = spm("tee-classic-white");
    m["interactive"]["body"]["text"] = json!("b".repeat(1025));
    app.post_message(m)
        .await
        .assert_131009("Param interactive['body']['text'] must be at most 1024 characters long.");
}

#[tokio::test]
async fn spm_product_must_exist_be_published_and_be_in_the_connected_catalog() {
    let app = spawn_app().await;
    app.post_message(spm("no-such-sku"))
        .await
        .assert_131009(PRODUCTS_NOT_FOUND);
    app.post_message(spm("scarf-wool-preview"))
        .await
        .assert_131009(PRODUCTS_NOT_FOUND);
    let mut m = spm("tee-classic-white");
    m["interactive"]["action"]["catalog_id"] = json!("999999999999999");
    app.post_message(m).await.assert_131009(PRODUCTS_NOT_FOUND);
}

#[tokio::test]
async fn items_under_review_or_outdated_are_not_sendable() {
    let app = spawn_with(Options {
        customize: Some(Box::new(|d| {
            for p in d.products.iter_mut() {
                match p.retailer_id.as_str() {
                    "tee-classic-white" => {
                        p.review_status = vitrine_core::model::ReviewStatus::Outdated
                    }
                    "tee-classic-black" => {
                        p.review_status = vitrine_core::model::ReviewStatus::Pending
                    }
                    _ => {}
                }
            }
        })),
        ..Default::default()
    })
    .await;
    app.post_message(spm("tee-classic-white"))
        .await
        .assert_131009(PRODUCTS_NOT_FOUND);
    app.post_message(spm("tee-classic-black"))
        .await
        .assert_131009(PRODUCTS_NOT_FOUND);
    // The first sendable item becomes the catalog thumbnail.
    let wamid = app.post_message(catalog_message(None)).await.wamid();
    assert_eq!(
        app.stored(&wamid).await["products"][0]["retailer_id"],
        "hoodie-heather-grey"
    );
}

#[tokio::test]
async fn no_catalog_connected_is_131009_check_catalog() {
    let app = spawn_app().await;
    let other = seed::OTHER_ACCESS_TOKEN;
    let phone = seed::OTHER_PHONE_NUMBER_ID;
    let mut to_other = catalog_message(None);
    to_other["to"] = json!(CUSTOMER);
    app.post_message_as(phone, other, to_other)
        .await
        .assert_131009(CHECK_CATALOG_LINKED);
    app.post_message_as(phone, other, spm("tee-classic-white"))
        .await
        .assert_131009(CHECK_CATALOG_LINKED);
    app.post_message_as(
        phone,
        other,
        mpm(json!([{ "product_items": items(&["tee-classic-white"]) }])),
    )
    .await
    .assert_131009(CHECK_CATALOG_LINKED);
    // Text still goes.
    app.post_message_as(phone, other, text("hi")).await.wamid();
}

#[tokio::test]
async fn hidden_catalog_is_131009_check_catalog() {
    let app = spawn_with(Options {
        customize: Some(Box::new(|d| {
            d.phone_numbers[0].commerce.is_catalog_visible = false
        })),
        ..Default::default()
    })
    .await;
    app.post_message(catalog_message(None))
        .await
        .assert_131009(CHECK_CATALOG_LINKED);
    app.post_message(spm("tee-classic-white"))
        .await
        .assert_131009(CHECK_CATALOG_LINKED);
    // A mismatched catalog id is reported first.
    let mut m = spm("tee-classic-white");
    m["interactive"]["action"]["catalog_id"] = json!("999999999999999");
    app.post_message(m).await.assert_131009(PRODUCTS_NOT_FOUND);
    // A catalog link in a text is an ordinary text.
    app.post_message(text("https://wa.me/c/15550107788"))
        .await
        .wamid();
}

#[tokio::test]
async fn mpm_drops_unmatched_items_and_records_them() {
    let app = spawn_app().await;
    let wamid = app
        .post_message(mpm(json!([
            { "title": "Coffee", "product_items": items(&["beans-house-blend-250g", "no-such-sku", "beans-ethiopia-250g"]) },
            { "title": "Preview", "product_items": items(&["scarf-wool-preview"]) }
        ])))
        .await
        .wamid();
    let stored = app.stored(&wamid).await;
    assert_eq!(
        stored["dropped_retailer_ids"],
        json!(["no-such-sku", "scarf-wool-preview"])
    );
    assert_eq!(
        stored["content"]["sections"],
        json!([{ "title": "Coffee", "product_retailer_ids": ["beans-house-blend-250g", "beans-ethiopia-250g"] }])
    );
    let names: Vec<_> = stored["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["retailer_id"].clone())
        .collect();
    assert_eq!(
        names,
        vec![
            json!("beans-house-blend-250g"),
            json!("beans-ethiopia-250g")
        ]
    );
}

#[tokio::test]
async fn mpm_with_nothing_matching_is_131009() {
    let app = spawn_app().await;
    app.post_message(mpm(
        json!([{ "product_items": items(&["nope-1", "nope-2"]) }]),
    ))
    .await
    .assert_131009(PRODUCTS_NOT_FOUND);
    let app = spawn_with(Options {
        behaviour: Behaviour {
            mpm_no_match_details: MpmNoMatchDetails::NoneCouldBeSent,
            ..Behaviour::default()
        },
        ..Default::default()
    })
    .await;
    app.post_message(mpm(json!([{ "product_items": items(&["nope-1"]) }])))
        .await
        .assert_131009(NONE_COULD_BE_SENT);
}

#[tokio::test]
async fn mpm_dedupes_silently() {
    let app = spawn_app().await;
    let wamid = app
        .post_message(mpm(json!([
            { "title": "A", "product_items": items(&["gift-card-25", "gift-card-25"]) },
            { "title": "B", "product_items": items(&["gift-card-25", "tote-canvas-natural"]) }
        ])))
        .await
        .wamid();
    let stored = app.stored(&wamid).await;
    assert_eq!(
        stored["content"]["sections"],
        json!([
            { "title": "A", "product_retailer_ids": ["gift-card-25"] },
            { "title": "B", "product_retailer_ids": ["tote-canvas-natural"] }
        ])
    );
    assert_eq!(stored["products"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn mpm_header_rules() {
    let app = spawn_app().await;
    let base = mpm(json!([{ "product_items": items(&["tee-classic-white"]) }]));

    let mut m = base.clone();
    m["interactive"].as_object_mut().unwrap().remove("header");
    app.post_message(m)
        .await
        .assert_131008("interactive['header']");

    let mut m = base.clone();
    m["interactive"]["header"] = json!({ "type": "image", "image": { "link": "https://x/y.png" } });
    app.post_message(m).await.assert_131009(
        "Header is not supported for this message type: product_list needs a text header.",
    );

    let mut m = base.clone();
    m["interactive"]["header"] = json!({ "type": "text" });
    app.post_message(m)
        .await
        .assert_131008("interactive['header']['text']");

    let mut m = base.clone();
    m["interactive"]["header"]["text"] = json!("h".repeat(61));
    app.post_message(m)
        .await
        .assert_131009("Param interactive['header']['text'] must be at most 60 characters long.");

    let mut m = base.clone();
    m["interactive"]["header"]["text"] = json!("h".repeat(60));
    app.post_message(m).await.wamid();

    let mut m = base;
    m["interactive"].as_object_mut().unwrap().remove("body");
    app.post_message(m)
        .await
        .assert_131008("interactive['body']['text']");
}

#[tokio::test]
async fn mpm_section_rules() {
    let app = spawn_app().await;
    let mut m = mpm(json!([]));
    m["interactive"]["action"]
        .as_object_mut()
        .unwrap()
        .remove("sections");
    app.post_message(m)
        .await
        .assert_131008("interactive['action']['sections']");

    let mut m = mpm(json!([]));
    m["interactive"]["action"]
        .as_object_mut()
        .unwrap()
        .remove("catalog_id");
    app.post_message(m)
        .await
        .assert_131008("interactive['action']['catalog_id']");

    app.post_message(mpm(json!([])))
        .await
        .assert_131009("Param interactive['action']['sections'] must have between 1 and 10 sections, 0 were given.");

    let eleven: Vec<_> = (0..11)
        .map(|i| json!({ "title": format!("S{i}"), "product_items": items(&["gift-card-25"]) }))
        .collect();
    app.post_message(mpm(json!(eleven)))
        .await
        .assert_131009("Param interactive['action']['sections'] must have between 1 and 10 sections, 11 were given.");

    app.post_message(mpm(json!([
        { "title": "A", "product_items": items(&["gift-card-25"]) },
        { "product_items": items(&["tote-canvas-natural"]) }
    ])))
    .await
    .assert_131008("interactive['action']['sections'][1]['title']");

    app.post_message(mpm(
        json!([{ "title": "t".repeat(25), "product_items": items(&["gift-card-25"]) }]),
    ))
    .await
    .assert_131009(
        "Param interactive['action']['sections'][0]['title'] must be at most 24 characters long.",
    );
    app.post_message(mpm(
        json!([{ "title": "t".repeat(24), "product_items": items(&["gift-card-25"]) }]),
    ))
    .await
    .wamid();

    app.post_message(mpm(json!([{ "title": "A", "product_items": [] }])))
        .await
        .assert_131009("Param interactive['action']['sections'][0]['product_items'] must have at least 1 item.");

    app.post_message(mpm(json!([{ "title": "A" }])))
        .await
        .assert_131008("interactive['action']['sections'][0]['product_items']");

    app.post_message(mpm(json!([{ "title": "A", "product_items": [{}] }])))
        .await
        .assert_131008(
            "interactive['action']['sections'][0]['product_items'][0]['product_retailer_id']",
        );
}

#[tokio::test]
async fn mpm_holds_at_most_30_products() {
    let app = spawn_app().await;
    let skus: Vec<String> = (0..31).map(|i| format!("sku-{i}")).collect();
    let mut sections = vec![];
    for chunk in skus.chunks(10) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        sections.push(
            json!({ "title": format!("S{}", sections.len()), "product_items": items(&refs) }),
        );
    }
    app.post_message(mpm(json!(sections)))
        .await
        .assert_131009("Too many products: a multi-product message can hold at most 30 products in total, 31 were given.");
    // 30 real products across three sections are fine.
    let all: Vec<String> = seed::demo("http://x")
        .products
        .iter()
        .filter(|p| p.visibility == vitrine_core::model::Visibility::Published)
        .map(|p| p.retailer_id.to_string())
        .collect();
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let mut thirty: Vec<&str> = refs.iter().cycle().take(30).copied().collect();
    thirty.dedup();
    let r = app
        .post_message(mpm(json!([
            { "title": "A", "product_items": items(&thirty[..10]) },
            { "title": "B", "product_items": items(&thirty[10..20]) },
            { "title": "C", "product_items": items(&thirty[20..]) }
        ])))
        .await;
    r.wamid();
}
