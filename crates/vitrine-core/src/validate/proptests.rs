//! The validator never panics on arbitrary JSON and always returns Ok or a catalogued error.

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
        }
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
    let phone = dir.phone_number(seed::PHONE_NUMBER_ID).cloned();
    let result = send_message(
        input,
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
