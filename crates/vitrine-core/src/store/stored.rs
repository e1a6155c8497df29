//! The JSON Vitrine keeps in its databases, pinned: each file in `stored/` is a row as a store
//! wrote it (captured from a real run). Every row must still load into its type and serialize
//! back to the same bytes, so renaming a field of a stored type, or changing how it is written,
//! fails here before it can orphan the rows of an existing database. Changing the stored shape
//! on purpose means a migration (or a serde alias that keeps old rows loading) and new files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde::{de::DeserializeOwned, Serialize};

fn read(file: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/store/stored")
        .join(file);
    std::fs::read_to_string(&path)
        .unwrap()
        .trim_end()
        .to_owned()
}

fn round_trip<T: DeserializeOwned + Serialize>(file: &str) {
    let stored = read(file);
    let stored = stored.as_str();
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
    // Rows written before migration 0004 hold the whole record; they are still read as such.
    round_trip::<crate::message::MessageRecord>("message_mpm.json");
    // From 0004 on: the record less its row's columns, products by snapshot key (packed), and
    // each snapshot in its own row.
    round_trip::<super::packed::StoredMessage>("message_mpm_packed.json");
    round_trip::<crate::message::ProductSnapshot>("product_snapshot.json");
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
    // From the product revisions on: each item keeps the revision of its product it showed.
    round_trip::<crate::cart::Cart>("cart_revisions.json");
    round_trip::<crate::model::Customer>("customer.json");
    round_trip::<crate::model::Product>("product.json");
    round_trip::<crate::directory::DirectoryChange>("change_cart.json");
    round_trip::<crate::directory::DirectoryChange>("change_window.json");
}

/// The record of `message_mpm.json`, packed, is `message_mpm_packed.json` with the snapshots of
/// its products, and unpacks to the same record.
#[test]
fn a_packed_record_is_the_pinned_shape() {
    let record: crate::message::MessageRecord =
        serde_json::from_str(&read("message_mpm.json")).unwrap();
    let packed = super::packed::pack_message(&record).unwrap();
    let (keys, json) = super::packed::open_message(&packed.record).unwrap();
    assert_eq!(
        String::from_utf8(json).unwrap(),
        read("message_mpm_packed.json")
    );
    assert_eq!(
        keys.unwrap(),
        [
            "018102228bbbeef24b4ea2936ffad247",
            "f962c98e5c8db50ebc7550a6bdf9da2f"
        ],
        "the snapshots' keys are kept before the JSON"
    );
    assert_eq!(packed.snapshots[1].1, read("product_snapshot.json"));
    let columns = super::packed::MessageColumns {
        wamid: record.wamid.clone(),
        phone_number_id: record.phone_number_id.clone(),
        wa_id: record.wa_id.clone(),
        created_at: record.created_at.0,
    };
    let unpacked = super::packed::unpack_message(columns, &packed.record, |key| {
        packed
            .snapshots
            .iter()
            .find(|row| row.0 == key)
            .map(|row| serde_json::from_str(&row.1).unwrap())
    })
    .unwrap();
    assert_eq!(unpacked, record);
}
