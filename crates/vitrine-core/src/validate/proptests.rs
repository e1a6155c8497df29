//! The validator and template hydration never panic on arbitrary JSON and always return Ok or a
//! catalogued error.

use crate::commerce::{self, MpmNoMatchDetails};
use crate::directory::Directory;
use crate::error::ErrorKind;
use crate::seed;
use crate::validate::{send_message, SendOptions};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const KEYS: &[&str] = &[
    "messaging_product",
    "recipient_type",
    "to",
    "type",
    "text",
    "body",
    "preview_url",
    "interactive",
    "header",
    "footer",
    "action",
    "name",
    "parameters",
    "thumbnail_product_retailer_id",
    "catalog_id",
    "product_retailer_id",
    "sections",
    "title",
    "product_items",
    "rows",
    "id",
    "description",
    "buttons",
    "reply",
    "button",
    "image",
    "link",
    "context",
    "message_id",
    "biz_opaque_callback_data",
    "type",
    "sub_type",
    "index",
    "cards",
    "card_index",
    "components",
    "product",
    "payload",
    "order_details",
    "reference_id",
    "payment_settings",
    "payment_gateway",
    "configuration_name",
    "order",
    "items",
    "retailer_id",
    "amount",
    "sale_amount",
    "value",
    "offset",
    "quantity",
    "subtotal",
    "tax",
    "total_amount",
    "expiration",
    "timestamp",
    "video",
    "audio",
    "document",
    "sticker",
    "caption",
    "filename",
    "voice",
    "location",
    "latitude",
    "longitude",
    "address",
    "contacts",
    "formatted_name",
    "birthday",
    "phones",
    "reaction",
    "emoji",
    "display_text",
    "url",
];
const WORDS: &[&str] = &[
    "whatsapp",
    "individual",
    "group",
    "text",
    "interactive",
    "catalog_message",
    "product",
    "product_list",
    "order_details",
    "order_status",
    "review_and_pay",
    "review_order",
    "button",
    "list",
    "reply",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "reaction",
    "cta_url",
    "location_request_message",
    "send_location",
    "https://shop.example/a.png",
    "1234567890123456",
    "\u{1F44D}",
    "37.44",
    "1990-01-01",
    "16505550123",
    "15550107788",
    seed::CATALOG_ID,
    "tee-classic-white",
    "scarf-wool-preview",
    "",
    " ",
    "é",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        proptest::sample::select(WORDS).prop_map(|w| json!(w)),
        ".{0,80}".prop_map(Value::String),
        (0usize..1100).prop_map(|n| json!("x".repeat(n))),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..12).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|kv| {
                let mut m = Map::new();
                for (k, v) in kv {
                    m.insert(k.to_owned(), v);
                }
                Value::Object(m)
            }),
        ]
    })
}

/// Valid requests with one field replaced by an arbitrary value: reaches the deep checks.
fn mutated() -> impl Strategy<Value = Value> {
    let base = json!({
        "messaging_product": "whatsapp", "to": "16505550123", "type": "interactive",
        "interactive": {
            "type": "product_list", "header": {"type": "text", "text": "h"}, "body": {"text": "b"},
            "action": {"catalog_id": seed::CATALOG_ID, "name": "catalog_message",
                "product_retailer_id": "tee-classic-white",
                "buttons": [{"type": "reply", "reply": {"id": "a", "title": "A"}}], "button": "Go",
                "sections": [{"title": "s", "product_items": [{"product_retailer_id": "tee-classic-white"}],
                              "rows": [{"id": "r", "title": "R"}]}]}
        },
        "image": {"link": "https://shop.example/a.png", "caption": "c"},
        "location": {"latitude": 1, "longitude": "2", "name": "n"},
        "contacts": [{"name": {"formatted_name": "f"}, "phones": [{"phone": "1"}]}],
        "reaction": {"message_id": "wamid.x", "emoji": "\u{1F44D}"}
    });
    let paths: &[&[&str]] = &[
        &["interactive", "type"],
        &["interactive", "header"],
        &["interactive", "body"],
        &["interactive", "action"],
        &["interactive", "action", "sections"],
        &["interactive", "action", "buttons"],
        &["interactive", "action", "parameters"],
        &["to"],
        &["context"],
        &["type"],
        &["image"],
        &["location"],
        &["contacts"],
        &["reaction"],
        &["interactive", "action", "parameters", "url"],
    ];
    (
        prop::sample::select(paths),
        value(),
        prop::sample::select(WORDS),
    )
        .prop_map(move |(path, v, kind)| {
            let mut req = base.clone();
            req["interactive"]["type"] = json!(kind);
            let mut slot = &mut req;
            for p in path {
                slot = &mut slot[*p];
            }
            *slot = v;
            req
        })
}

fn check(input: &Value, strict: bool) {
    let dir = Directory::from_data(seed::demo("http://x"));
    let phone = dir.phone_number(&seed::PHONE_NUMBER_ID.into()).cloned();
    let result = send_message(
        &vitrine_wire::messages::SendMessage::read(input),
        seed::DISPLAY_PHONE_NUMBER,
        SendOptions {
            catalog_thumbnail_required: strict,
            now: crate::clock::Millis(1_800_000_000_000),
        },
        &mut |_| Ok(()),
    )
    .and_then(|req| {
        let phone = phone
            .as_ref()
            .ok_or_else(|| crate::ApiError::new(ErrorKind::Unknown))?;
        commerce::resolve(&dir, phone, &req.outgoing, MpmNoMatchDetails::default()).map(|_| ())
    });
    if let Err(e) = result {
        assert!(ErrorKind::ALL.contains(&e.kind));
        assert!((400..500).contains(&e.http_status()), "{e:?}");
        let wire = serde_json::to_value(e.to_wire("T")).unwrap();
        assert_eq!(wire["error"]["code"], json!(e.code()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_json_never_panics(v in value(), strict in any::<bool>()) {
        check(&v, strict);
    }

    #[test]
    fn mutated_requests_never_panic(v in mutated(), strict in any::<bool>()) {
        check(&v, strict);
    }
}

/// Approved templates of the commerce kinds, in the demo WABA.
fn template_dir() -> Directory {
    let defs = [
        json!([
            { "type": "HEADER", "format": "TEXT", "text": "Hi {{1}}!", "example": { "header_text": ["A"] } },
            { "type": "BODY", "text": "Have a look {{1}}.", "example": { "body_text": [["A"]] } },
            { "type": "BUTTONS", "buttons": [ { "type": "MPM", "text": "View items" } ] } ]),
        json!([
            { "type": "BODY", "text": "Picks for {{1}}.", "example": { "body_text": [["A"]] } },
            { "type": "CAROUSEL", "cards": [
                { "components": [ { "type": "HEADER", "format": "PRODUCT" },
                    { "type": "BUTTONS", "buttons": [ { "type": "URL", "text": "Buy", "url": "https://x.example/{{1}}", "example": ["https://x.example/a"] } ] } ] },
                { "components": [ { "type": "HEADER", "format": "PRODUCT" },
                    { "type": "BUTTONS", "buttons": [ { "type": "URL", "text": "Buy", "url": "https://x.example/{{1}}", "example": ["https://x.example/a"] } ] } ] } ] } ]),
        json!([
            { "type": "BODY", "text": "New." },
            { "type": "CAROUSEL", "cards": [
                { "components": [ { "type": "HEADER", "format": "IMAGE" }, { "type": "BODY", "text": "Code {{1}} now", "example": { "body_text": [["A"]] } },
                    { "type": "BUTTONS", "buttons": [ { "type": "QUICK_REPLY", "text": "More" } ] } ] },
                { "components": [ { "type": "HEADER", "format": "IMAGE" }, { "type": "BODY", "text": "Code {{1}} now", "example": { "body_text": [["A"]] } },
                    { "type": "BUTTONS", "buttons": [ { "type": "QUICK_REPLY", "text": "More" } ] } ] } ] } ]),
        json!([
            { "type": "HEADER", "format": "IMAGE" },
            { "type": "BODY", "text": "Pay now." },
            { "type": "BUTTONS", "buttons": [ { "type": "ORDER_DETAILS", "text": "Buy" }, { "type": "COPY_CODE", "example": "X" } ] } ]),
    ];
    let mut dir = Directory::from_data(seed::demo("http://x"));
    for (i, def) in defs.iter().enumerate() {
        let def = serde_json::from_value(def.clone()).expect("a list of components");
        let components = crate::template::check_components(&def).expect("a valid template");
        dir.apply(&crate::directory::DirectoryChange::Template(
            crate::template::Template {
                id: format!("90{i}").into(),
                waba_id: seed::WABA_ID.into(),
                name: format!("t{i}"),
                language: "en_US".to_owned(),
                category: "MARKETING".to_owned(),
                parameter_format: "POSITIONAL".to_owned(),
                components,
                status: crate::template::TemplateStatus::Approved,
                reason: "NONE".to_owned(),
                review_due_at: None,
                edits: vec![],
            },
        ));
    }
    dir
}

/// A valid send of each template of `template_dir`, by name.
fn template_sends() -> Vec<(&'static str, Value)> {
    let product = |rid: &str| json!({ "type": "product", "product": { "product_retailer_id": rid, "catalog_id": seed::CATALOG_ID } });
    let money = |v: i64| json!({ "value": v, "offset": 100 });
    vec![
        (
            "t0",
            json!([
            { "type": "header", "parameters": [ { "type": "text", "text": "A" } ] },
            { "type": "body", "parameters": [ { "type": "text", "text": "B" } ] },
            { "type": "button", "sub_type": "mpm", "index": 0, "parameters": [ { "type": "action", "action": {
                "thumbnail_product_retailer_id": "tee-classic-white",
                "sections": [ { "title": "S", "product_items": [ { "product_retailer_id": "tee-classic-white" } ] } ] } } ] } ]),
        ),
        (
            "t1",
            json!([
            { "type": "body", "parameters": [ { "type": "text", "text": "B" } ] },
            { "type": "carousel", "cards": [
                { "card_index": 0, "components": [ { "type": "header", "parameters": [ product("tee-classic-white") ] },
                    { "type": "button", "sub_type": "url", "index": 0, "parameters": [ { "type": "text", "text": "a" } ] } ] },
                { "card_index": 1, "components": [ { "type": "header", "parameters": [ product("gift-card-25") ] },
                    { "type": "button", "sub_type": "url", "index": 0, "parameters": [ { "type": "text", "text": "b" } ] } ] } ] } ]),
        ),
        (
            "t2",
            json!([
            { "type": "carousel", "cards": [
                { "card_index": 0, "components": [ { "type": "header", "parameters": [ { "type": "image", "image": { "link": "https://x.example/a.png" } } ] },
                    { "type": "body", "parameters": [ { "type": "text", "text": "A" } ] },
                    { "type": "button", "sub_type": "quick_reply", "index": 0, "parameters": [ { "type": "payload", "payload": "p" } ] } ] },
                { "card_index": 1, "components": [ { "type": "header", "parameters": [ { "type": "image", "image": { "id": "1" } } ] },
                    { "type": "body", "parameters": [ { "type": "text", "text": "B" } ] } ] } ] } ]),
        ),
        (
            "t3",
            json!([
            { "type": "header", "parameters": [ { "type": "image", "image": { "link": "https://x.example/a.png" } } ] },
            { "type": "button", "sub_type": "copy_code", "index": 1, "parameters": [ { "type": "coupon_code", "coupon_code": "SAVE" } ] },
            { "type": "button", "sub_type": "order_details", "index": 0, "parameters": [ { "type": "action", "action": { "order_details": {
                "reference_id": "r1", "type": "digital-goods", "currency": "INR",
                "payment_settings": [ { "type": "payment_gateway", "payment_gateway": { "type": "razorpay", "configuration_name": "c" } } ],
                "order": { "status": "pending",
                    "items": [ { "retailer_id": "a", "name": "A", "amount": money(500), "quantity": 2 } ],
                    "subtotal": money(1000), "tax": money(0), "shipping": money(0), "discount": money(0),
                    "expiration": { "timestamp": "1900000000" } },
                "total_amount": money(1000) } } } ] } ]),
        ),
    ]
}

/// Every JSON pointer inside `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}/{k}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        _ => {}
    }
}

/// The components of a send as the HTTP layer reads them; none unless a list.
fn sent(components: Value) -> crate::template_send::SentComponents {
    serde_json::from_value::<vitrine_wire::messages::template::List<_>>(components)
        .ok()
        .and_then(|list| list.get().cloned())
        .unwrap_or_default()
}

fn check_template(name: &str, components: Value) {
    let dir = template_dir();
    let Some(phone) = dir.phone_number(&seed::PHONE_NUMBER_ID.into()) else {
        return;
    };
    let outgoing = crate::message::Outgoing::Template {
        name: name.to_owned(),
        language: "en_US".to_owned(),
        template_id: Default::default(),
        header: None,
        header_media: None,
        body: String::new(),
        footer: None,
        buttons: vec![],
        cards: vec![],
        order_details: None,
        components: sent(components),
    };
    let options = crate::template_send::TemplateSendOptions {
        mpm_no_match: MpmNoMatchDetails::default(),
        product_carousel_exact_cards: false,
        now: crate::clock::Millis(1_800_000_000_000),
    };
    if let Err(e) = crate::template_send::resolve(&dir, phone, outgoing, options) {
        assert!(ErrorKind::ALL.contains(&e.kind));
        assert!((400..500).contains(&e.http_status()), "{e:?}");
    }
}

#[test]
fn the_template_sends_are_valid() {
    let dir = template_dir();
    let phone = dir.phone_number(&seed::PHONE_NUMBER_ID.into()).cloned();
    for (name, components) in template_sends() {
        let outgoing = crate::message::Outgoing::Template {
            name: name.to_owned(),
            language: "en_US".to_owned(),
            template_id: Default::default(),
            header: None,
            header_media: None,
            body: String::new(),
            footer: None,
            buttons: vec![],
            cards: vec![],
            order_details: None,
            components: sent(components),
        };
        let options = crate::template_send::TemplateSendOptions {
            mpm_no_match: MpmNoMatchDetails::default(),
            product_carousel_exact_cards: false,
            now: crate::clock::Millis(1_800_000_000_000),
        };
        let r = crate::template_send::resolve(&dir, phone.as_ref().unwrap(), outgoing, options);
        assert!(r.is_ok(), "{name}: {r:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// A valid template send with one value anywhere replaced by arbitrary JSON.
    #[test]
    fn mutated_template_sends_never_panic(
        which in 0usize..4,
        at in any::<prop::sample::Index>(),
        v in value(),
    ) {
        let (name, mut components) = template_sends().swap_remove(which);
        let mut paths = vec![];
        pointers(&components, String::new(), &mut paths);
        let path = at.get(&paths).clone();
        if let Some(slot) = components.pointer_mut(&path) {
            *slot = v;
        }
        check_template(name, components);
    }
}
