//! Step 6 of a send: the catalog checks (spec §2.5–§2.7, §6, §11) and the product snapshot a
//! product message keeps of what it showed.

use crate::directory::{CatalogIndex, Directory};
use crate::error::ApiError;
use crate::id::RetailerId;
use crate::message::{Outgoing, ProductSnapshot, Resolved};
use crate::model::PhoneNumber;
use serde::{Deserialize, Serialize};

pub const PRODUCTS_NOT_FOUND: &str = "Products not found in FB Catalog";
pub const NONE_COULD_BE_SENT: &str =
    "None of the products provided could be sent. Please check your catalog.";
pub const CHECK_CATALOG_LINKED: &str = "Check if a catalog is linked to the WhatsApp Business Account and the catalog is enabled in the WhatsApp Commerce Settings";

/// The `error_data.details` of the 131009 returned when no item of an MPM matches. Both texts
/// were seen in the field (spec §2.7, §13 answer 2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MpmNoMatchDetails {
    /// "Products not found in FB Catalog"
    #[default]
    ProductsNotFound,
    /// "None of the products provided could be sent. Please check your catalog."
    NoneCouldBeSent,
}

impl MpmNoMatchDetails {
    pub fn text(self) -> &'static str {
        match self {
            MpmNoMatchDetails::ProductsNotFound => PRODUCTS_NOT_FOUND,
            MpmNoMatchDetails::NoneCouldBeSent => NONE_COULD_BE_SENT,
        }
    }
}

/// A sendable product of `catalog`, as a message keeps it (131009 "Products not found in FB
/// Catalog" otherwise).
pub fn snapshot(catalog: &CatalogIndex, rid: &RetailerId) -> Result<ProductSnapshot, ApiError> {
    catalog
        .product(rid)
        .filter(|p| p.is_sendable())
        .map(ProductSnapshot::from)
        .ok_or_else(|| ApiError::invalid_value(PRODUCTS_NOT_FOUND))
}

/// A catalog thumbnail: the product named, or the catalog's first sendable one.
pub fn thumbnail(
    catalog: &CatalogIndex,
    rid: Option<&RetailerId>,
) -> Result<ProductSnapshot, ApiError> {
    match rid {
        Some(rid) => snapshot(catalog, rid),
        None => catalog
            .first_sendable()
            .map(ProductSnapshot::from)
            .ok_or_else(|| ApiError::invalid_value(PRODUCTS_NOT_FOUND)),
    }
}

/// The items of a multi-product message or button: the sendable ones kept, the others dropped
/// and recorded; none sendable → 131009 with `mpm_no_match`'s text.
pub fn match_items<'a>(
    catalog: &CatalogIndex,
    rids: impl IntoIterator<Item = &'a RetailerId>,
    mpm_no_match: MpmNoMatchDetails,
) -> Result<Resolved, ApiError> {
    let mut resolved = Resolved::default();
    for rid in rids {
        match snapshot(catalog, rid) {
            Ok(p) => resolved.products.push(p),
            Err(_) => resolved.dropped_retailer_ids.push(rid.clone()),
        }
    }
    if resolved.products.is_empty() {
        return Err(ApiError::invalid_value(mpm_no_match.text()));
    }
    Ok(resolved)
}

/// Checks a validated message against the catalog connected to the sender's WABA and returns the
/// products it shows. Messages that are not product messages resolve to nothing.
pub fn resolve(
    dir: &Directory,
    phone: &PhoneNumber,
    outgoing: &Outgoing,
    mpm_no_match: MpmNoMatchDetails,
) -> Result<Resolved, ApiError> {
    if !outgoing.is_product_message() {
        return Ok(Resolved::default());
    }
    let connected = dir
        .connected_catalog(&phone.waba_id)
        .ok_or_else(|| ApiError::invalid_value(CHECK_CATALOG_LINKED))?;
    let named = match outgoing {
        Outgoing::Product { catalog_id, .. } | Outgoing::ProductList { catalog_id, .. } => {
            Some(catalog_id.as_str())
        }
        _ => None,
    };
    if named.is_some_and(|id| id != connected.catalog.id) {
        return Err(ApiError::invalid_value(PRODUCTS_NOT_FOUND));
    }
    if !phone.commerce.is_catalog_visible {
        return Err(ApiError::invalid_value(CHECK_CATALOG_LINKED));
    }
    let one = |p: ProductSnapshot| Resolved {
        products: vec![p],
        dropped_retailer_ids: vec![],
    };
    match outgoing {
        Outgoing::CatalogMessage {
            thumbnail_product_retailer_id,
            ..
        } => Ok(one(thumbnail(
            connected,
            thumbnail_product_retailer_id.as_ref(),
        )?)),
        Outgoing::Product {
            product_retailer_id,
            ..
        } => Ok(one(snapshot(connected, product_retailer_id)?)),
        Outgoing::ProductList { sections, .. } => match_items(
            connected,
            sections.iter().flat_map(|s| s.product_retailer_ids.iter()),
            mpm_no_match,
        ),
        Outgoing::Text { .. }
        | Outgoing::Button { .. }
        | Outgoing::List { .. }
        | Outgoing::OrderDetails { .. }
        | Outgoing::OrderStatus { .. }
        | Outgoing::Template { .. }
        | Outgoing::Media(_)
        | Outgoing::Location(_)
        | Outgoing::Contacts { .. }
        | Outgoing::Reaction { .. }
        | Outgoing::CtaUrl { .. }
        | Outgoing::LocationRequest { .. } => Ok(Resolved::default()),
    }
}

/// The MPM as delivered: unmatched items removed, sections left empty removed.
pub fn drop_unmatched(outgoing: Outgoing, resolved: &Resolved) -> Outgoing {
    match outgoing {
        Outgoing::ProductList {
            header,
            body,
            footer,
            catalog_id,
            sections,
        } if !resolved.dropped_retailer_ids.is_empty() => {
            let sections = sections
                .into_iter()
                .filter_map(|mut s| {
                    s.product_retailer_ids
                        .retain(|rid| !resolved.dropped_retailer_ids.contains(rid));
                    (!s.product_retailer_ids.is_empty()).then_some(s)
                })
                .collect();
            Outgoing::ProductList {
                header,
                body,
                footer,
                catalog_id,
                sections,
            }
        }
        other => other,
    }
}
