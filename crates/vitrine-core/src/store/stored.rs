//! The JSON Vitrine keeps in its databases, pinned: each file in `stored/` is a row as a store
//! wrote it (captured from a real run). Every row must still load into its type and serialize
//! back to the same bytes, so renaming a field of a stored type, or changing how it is written,
//! fails here before it can orphan the rows of an existing database. Changing the stored shape
//! on purpose means a migration (or a serde alias that keeps old rows loading) and new files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde::{de::DeserializeOwned, Serialize};

fn round_trip<T: DeserializeOwned + Serialize>(file: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/store/stored")
        .join(file);
    let stored = std::fs::read_to_string(&path).unwrap();
    let stored = stored.trim_end();
    let value: T = serde_json::from_str(stored)
        .unwrap_or_else(|e| panic!("{file} no longer loads into its type: {e}"));
    assert_eq!(
        serde_json::to_string(&value).unwrap(),
        stored,
        "{file} would be written differently now"
    );
}

#[test]
fn stored_rows_load_and_are_written_alike() {
    round_trip::<crate::message::MessageRecord>("message_mpm.json");
    round_trip::<crate::inbound::InboundRecord>("inbound_order.json");
    round_trip::<crate::template::Template>("template.json");
    // Components as given (keys in their order, unknown keys, a wrongly typed value) and a send
    // of them: typed now, written as the JSON values they were.
    round_trip::<crate::template::Template>("template_mpm.json");
    round_trip::<crate::message::MessageRecord>("message_template.json");
    // Contact cards as given, sent by a business and shared by a customer.
    round_trip::<crate::message::MessageRecord>("message_contacts.json");
    round_trip::<crate::inbound::InboundRecord>("inbound_contacts.json");
    round_trip::<crate::cart::Cart>("cart.json");
    round_trip::<crate::model::Customer>("customer.json");
    round_trip::<crate::model::Product>("product.json");
    round_trip::<crate::directory::DirectoryChange>("change_cart.json");
    round_trip::<crate::directory::DirectoryChange>("change_window.json");
}
