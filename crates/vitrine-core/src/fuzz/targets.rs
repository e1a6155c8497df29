//! The core's fuzz targets: prices, feed rows, filters, template bodies, phone numbers and
//! product writes. Each never panics and refuses only with a 4xx error of the catalogue. The
//! send validator and template hydration have their own targets in `validate::proptests`.

use super::{mutate, mutated, Mutation};
use crate::catalog::feed::FeedReader;
use crate::catalog::fields::ProductPatch;
use crate::catalog::{filter, price};
use crate::directory::Directory;
use crate::error::ApiError;
use crate::validate::send_message::normalize_wa_id;
use crate::{seed, template};
use proptest::prelude::*;
use serde_json::Value;

/// A refusal is a client error of the catalogue, never Vitrine's own failure.
fn refused_well(e: &ApiError) -> Result<(), TestCaseError> {
    prop_assert!(
        (400..500).contains(&e.http_status()),
        "{:?} answers {}",
        e.kind,
        e.http_status()
    );
    Ok(())
}

/// This crate's corpus.
const CORE: &str = env!("CARGO_MANIFEST_DIR");

fn demo() -> Directory {
    Directory::from_data(seed::demo("http://x"))
}

proptest! {
    #[test]
    fn prices(s in mutated(CORE, "prices", 6)) {
        if let Some((minor, currency)) = price::parse_feed_price(&s) {
            prop_assert!(minor >= 0);
            prop_assert!(currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()));
        }
        let _ = price::parse_major(&s, "USD");
    }

    #[test]
    fn feed_rows(s in mutated(CORE, "feeds", 12), tab in any::<bool>()) {
        if let Ok(reader) = FeedReader::new(s.as_bytes(), tab) {
            for (_line, row) in reader {
                if let Ok(fields) = row {
                    match ProductPatch::from_feed(&fields) {
                        Ok(patch) => {
                            if let Err(e) = patch.create("1".into(), &seed::CATALOG_ID.into(), 0) {
                                refused_well(&e)?;
                            }
                        }
                        Err(e) => refused_well(&e)?,
                    }
                }
            }
        }
    }

    #[test]
    fn filters(s in mutated(CORE, "filters", 10)) {
        let dir = demo();
        let Some(catalog) = dir.catalog(&seed::CATALOG_ID.into()) else {
            return Err(TestCaseError::fail("no demo catalog"));
        };
        // As a JSON string (the query parameter) and, when it parses, as JSON.
        let parsed = [Some(Value::String(s.clone())), serde_json::from_str::<Value>(&s).ok()];
        for v in parsed.into_iter().flatten() {
            match filter::parse(&v) {
                Ok(rule) => {
                    for p in catalog.products() {
                        let _ = rule.matches(p);
                    }
                }
                Err(e) => refused_well(&e)?,
            }
        }
    }

    #[test]
    fn template_bodies(s in mutated(CORE, "templates", 10)) {
        let _ = template::variables(&s);
        let _ = template::check_name(&s);
        let _ = template::check_category(&s);
        // As the HTTP layer reads the parameter: a list of components, or any other JSON.
        let read = |v: Value| serde_json::from_value(v).map_err(|e| TestCaseError::fail(e.to_string()));
        if let Ok(v) = serde_json::from_str::<Value>(&s) {
            if let Err(e) = template::check_components(&read(v)?) {
                refused_well(&e)?;
            }
        }
        if let Err(e) = template::check_components(&read(Value::String(s))?) {
            refused_well(&e)?;
        }
    }

    #[test]
    fn phone_numbers(s in mutated(CORE, "phones", 6)) {
        if let Some(digits) = normalize_wa_id(&s) {
            prop_assert!((5..=15).contains(&digits.as_str().len()), "{digits}");
            prop_assert!(digits.as_str().bytes().all(|b| b.is_ascii_digit()), "{digits}");
        }
    }

    #[test]
    fn product_writes(s in mutated(CORE, "products", 10)) {
        if let Ok(Value::Object(params)) = serde_json::from_str::<Value>(&s) {
            match ProductPatch::from_api(&params) {
                Ok(patch) => {
                    let mut p = demo()
                        .catalog(&seed::CATALOG_ID.into())
                        .and_then(|c| c.products().next().cloned())
                        .ok_or_else(|| TestCaseError::fail("no demo product"))?;
                    patch.clone().apply(&mut p, 0);
                    if let Err(e) = patch.create("1".into(), &seed::CATALOG_ID.into(), 0) {
                        refused_well(&e)?;
                    }
                }
                Err(e) => refused_well(&e)?,
            }
        }
    }
}

#[test]
fn mutations_stay_on_char_boundaries() {
    let s = mutate(
        "€1",
        &[
            Mutation::Insert(1, 'é'),
            Mutation::Duplicate(0, 2),
            Mutation::Delete(5, 1),
            Mutation::Truncate(3),
        ],
    );
    assert_eq!(s, "é€é");
}
