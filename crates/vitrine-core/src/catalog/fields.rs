//! Product fields: writes in API names (`POST /{catalog-id}/products`) and feed-spec names
//! (`items_batch`, CSV/TSV feeds), and reads with a `fields` projection (spec §10.2–§10.4).

use super::price::{format_price, parse_feed_price};
use crate::error::{ApiError, ErrorKind};
use crate::id::RetailerId;
use crate::model::{Availability, Product, ReviewStatus, Visibility};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use vitrine_wire::graph::Projected;

pub const RETAILER_ID_MAX: usize = 100;
pub const NAME_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 9_999;

const CONDITIONS: &[&str] = &[
    "new",
    "refurbished",
    "used",
    "used_like_new",
    "used_good",
    "used_fair",
    "cpo",
    "open_box_new",
];

/// API fields kept as they are (`extra`).
const EXTRA_FIELDS: &[&str] = &[
    "color",
    "size",
    "material",
    "pattern",
    "gender",
    "age_group",
    "gtin",
    "manufacturer_part_number",
    "retailer_product_group_id",
    "custom_label_0",
    "custom_label_1",
    "custom_label_2",
    "custom_label_3",
    "custom_label_4",
    "origin_country",
    "importer_name",
    "importer_address",
    "manufacturer_info",
    "rich_text_description",
    "fb_product_category",
    "short_description",
    "mobile_link",
];

/// Parameters that travel with a request but are not product fields.
const TRANSPORT: &[&str] = &[
    "access_token",
    "appsecret_proof",
    "allow_upsert",
    "method",
    "format",
    "suppress_http_code",
    "pretty",
];

/// Changes to a product; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductPatch {
    pub retailer_id: Option<RetailerId>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<i64>,
    pub currency: Option<String>,
    pub sale_price: Option<Option<i64>>,
    pub sale_price_start_date: Option<String>,
    pub sale_price_end_date: Option<String>,
    pub image_url: Option<String>,
    pub additional_image_urls: Option<Vec<String>>,
    pub url: Option<String>,
    pub availability: Option<Availability>,
    pub condition: Option<String>,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub visibility: Option<Visibility>,
    pub inventory: Option<i64>,
    pub extra: BTreeMap<String, String>,
}

fn bad(details: String) -> ApiError {
    ApiError::invalid_param(details).graph_scope()
}

fn text(v: &Value, field: &str, max: usize) -> Result<String, ApiError> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(bad(format!("Param {field} must be a string."))),
    };
    if s.chars().count() > max {
        return Err(bad(format!(
            "Param {field} must be at most {max} characters long."
        )));
    }
    Ok(s)
}

fn url(v: &Value, field: &str) -> Result<String, ApiError> {
    let s = text(v, field, 2_000)?;
    match url::Url::parse(&s) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => Ok(s),
        _ => Err(bad(format!("Param {field} must be a valid http(s) URL."))),
    }
}

fn integer(v: &Value, field: &str) -> Result<i64, ApiError> {
    let n = match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    n.filter(|n| *n >= 0)
        .ok_or_else(|| bad(format!("Param {field} must be a non-negative integer.")))
}

fn availability(v: &Value) -> Result<Availability, ApiError> {
    let s = text(v, "availability", 40)?;
    Availability::parse(&s).ok_or_else(|| {
        let all: Vec<&str> = Availability::ALL.iter().map(|a| a.as_str()).collect();
        bad(format!(
            "Param availability must be one of {{{}}}.",
            all.join(", ")
        ))
    })
}

fn condition(v: &Value) -> Result<String, ApiError> {
    let s = text(v, "condition", 40)?.to_ascii_lowercase();
    if CONDITIONS.contains(&s.as_str()) {
        Ok(s)
    } else {
        Err(bad(format!(
            "Param condition must be one of {{{}}}.",
            CONDITIONS.join(", ")
        )))
    }
}

fn visibility(v: &Value) -> Result<Visibility, ApiError> {
    match text(v, "visibility", 20)?.to_ascii_lowercase().as_str() {
        "published" => Ok(Visibility::Published),
        "staging" | "hidden" => Ok(Visibility::Staging),
        _ => Err(bad(
            "Param visibility must be one of {published, staging}.".into()
        )),
    }
}

fn currency(v: &Value) -> Result<String, ApiError> {
    let s = text(v, "currency", 3)?.to_ascii_uppercase();
    if s.len() == 3 && s.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(s)
    } else {
        Err(bad(
            "Param currency must be an ISO 4217 currency code.".into()
        ))
    }
}

fn string_list(v: &Value, field: &str) -> Result<Vec<String>, ApiError> {
    match v {
        Value::Array(items) => items.iter().map(|i| url(i, field)).collect(),
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| url(&json!(s), field))
            .collect(),
        _ => Err(bad(format!("Param {field} must be a list of URLs."))),
    }
}

impl ProductPatch {
    /// From `POST /{catalog-id}/products` or `POST /{product-item-id}` parameters (API names).
    /// Unknown fields, bad enum values and over-long values are refused.
    pub fn from_api(params: &Map<String, Value>) -> Result<ProductPatch, ApiError> {
        let mut p = ProductPatch::default();
        for (k, v) in params {
            if TRANSPORT.contains(&k.as_str()) {
                continue;
            }
            match k.as_str() {
                "retailer_id" => p.retailer_id = Some(text(v, k, RETAILER_ID_MAX)?.into()),
                "name" => p.name = Some(text(v, k, NAME_MAX)?),
                "description" => p.description = Some(text(v, k, DESCRIPTION_MAX)?),
                "price" => p.price = Some(integer(v, k)?),
                "currency" => p.currency = Some(currency(v)?),
                "sale_price" => {
                    p.sale_price = Some(if v.is_null() {
                        None
                    } else {
                        Some(integer(v, k)?)
                    })
                }
                "sale_price_start_date" => p.sale_price_start_date = Some(text(v, k, 40)?),
                "sale_price_end_date" => p.sale_price_end_date = Some(text(v, k, 40)?),
                "image_url" => p.image_url = Some(url(v, k)?),
                "additional_image_urls" => p.additional_image_urls = Some(string_list(v, k)?),
                "url" => p.url = Some(url(v, k)?),
                "availability" => p.availability = Some(availability(v)?),
                "condition" => p.condition = Some(condition(v)?),
                "brand" => p.brand = Some(text(v, k, 100)?),
                "category" => p.category = Some(text(v, k, 250)?),
                "visibility" => p.visibility = Some(visibility(v)?),
                "inventory" | "quantity_to_sell_on_facebook" => p.inventory = Some(integer(v, k)?),
                other if EXTRA_FIELDS.contains(&other) => {
                    p.extra.insert(other.to_owned(), text(v, other, 5_000)?);
                }
                other => return Err(bad(format!("Unknown product field: {other}"))),
            }
        }
        Ok(p)
    }

    /// From feed-spec names (`items_batch` data, CSV/TSV feeds): `id`, `title`, `link`,
    /// `image_link`, prices as `"12.99 USD"`, `status` active/archived.
    pub fn from_feed(data: &Map<String, Value>) -> Result<ProductPatch, ApiError> {
        let mut p = ProductPatch::default();
        for (k, v) in data {
            if v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()) {
                continue;
            }
            match k.as_str() {
                "id" | "retailer_id" => {
                    p.retailer_id = Some(text(v, "id", RETAILER_ID_MAX)?.into())
                }
                "title" | "name" => p.name = Some(text(v, "title", NAME_MAX)?),
                "description" => p.description = Some(text(v, k, DESCRIPTION_MAX)?),
                "price" => {
                    let s = text(v, k, 40)?;
                    let (minor, cur) = parse_feed_price(&s).ok_or_else(|| {
                        bad(format!(
                            "price: invalid value '{s}' (expected \"12.99 USD\")"
                        ))
                    })?;
                    p.price = Some(minor);
                    p.currency = Some(cur);
                }
                "sale_price" => {
                    let s = text(v, k, 40)?;
                    let (minor, _) = parse_feed_price(&s).ok_or_else(|| {
                        bad(format!(
                            "sale_price: invalid value '{s}' (expected \"9.99 USD\")"
                        ))
                    })?;
                    p.sale_price = Some(Some(minor));
                }
                "sale_price_effective_date" => {
                    let s = text(v, k, 100)?;
                    let (start, end) = s.split_once('/').unwrap_or((&s, ""));
                    p.sale_price_start_date = Some(start.to_owned());
                    if !end.is_empty() {
                        p.sale_price_end_date = Some(end.to_owned());
                    }
                }
                "link" | "url" => p.url = Some(url(v, "link")?),
                "image_link" | "image_url" => p.image_url = Some(url(v, "image_link")?),
                "additional_image_link" => p.additional_image_urls = Some(string_list(v, k)?),
                "availability" => p.availability = Some(availability(v)?),
                "condition" => p.condition = Some(condition(v)?),
                "brand" => p.brand = Some(text(v, k, 100)?),
                "product_type" | "google_product_category" | "category" => {
                    p.category = Some(text(v, k, 250)?)
                }
                "status" => {
                    p.visibility = Some(match text(v, k, 20)?.to_ascii_lowercase().as_str() {
                        "active" => Visibility::Published,
                        "archived" => Visibility::Staging,
                        _ => return Err(bad("status: must be active or archived".into())),
                    })
                }
                "visibility" => p.visibility = Some(visibility(v)?),
                "inventory" | "quantity_to_sell_on_facebook" => p.inventory = Some(integer(v, k)?),
                "item_group_id" => {
                    p.extra
                        .insert("retailer_product_group_id".into(), text(v, k, 100)?);
                }
                other => {
                    p.extra.insert(other.to_owned(), text(v, other, 5_000)?);
                }
            }
        }
        Ok(p)
    }

    /// A new product; the fields a WhatsApp catalog needs must all be there.
    pub fn create(
        self,
        id: String,
        catalog_id: &crate::id::CatalogId,
        now: i64,
    ) -> Result<Product, ApiError> {
        let missing = |name: &str| ApiError::param_required(name).graph_scope();
        let retailer_id = self
            .retailer_id
            .clone()
            .ok_or_else(|| missing("retailer_id"))?;
        let name = self.name.clone().ok_or_else(|| missing("name"))?;
        let description = self
            .description
            .clone()
            .ok_or_else(|| missing("description"))?;
        let price = self.price.ok_or_else(|| missing("price"))?;
        let currency = self.currency.clone().ok_or_else(|| missing("currency"))?;
        let image_url = self.image_url.clone().ok_or_else(|| missing("image_url"))?;
        let mut product = Product {
            id: id.into(),
            catalog_id: catalog_id.clone(),
            retailer_id,
            name,
            description,
            price,
            currency,
            sale_price: None,
            image_url,
            url: None,
            availability: Availability::InStock,
            condition: "new".to_owned(),
            brand: None,
            category: None,
            visibility: Visibility::Published,
            review_status: ReviewStatus::Approved,
            inventory: None,
            additional_image_urls: vec![],
            sale_price_start_date: None,
            sale_price_end_date: None,
            extra: BTreeMap::new(),
            updated_at: now,
        };
        self.apply(&mut product, now);
        Ok(product)
    }

    /// Applies the changes to an existing product.
    pub fn apply(self, p: &mut Product, now: i64) {
        if let Some(v) = self.retailer_id {
            p.retailer_id = v;
        }
        if let Some(v) = self.name {
            p.name = v;
        }
        if let Some(v) = self.description {
            p.description = v;
        }
        if let Some(v) = self.price {
            p.price = v;
        }
        if let Some(v) = self.currency {
            p.currency = v;
        }
        if let Some(v) = self.sale_price {
            p.sale_price = v;
        }
        if let Some(v) = self.sale_price_start_date {
            p.sale_price_start_date = Some(v);
        }
        if let Some(v) = self.sale_price_end_date {
            p.sale_price_end_date = Some(v);
        }
        if let Some(v) = self.image_url {
            p.image_url = v;
        }
        if let Some(v) = self.additional_image_urls {
            p.additional_image_urls = v;
        }
        if let Some(v) = self.url {
            p.url = Some(v);
        }
        if let Some(v) = self.availability {
            p.availability = v;
        }
        if let Some(v) = self.condition {
            p.condition = v;
        }
        if let Some(v) = self.brand {
            p.brand = Some(v);
        }
        if let Some(v) = self.category {
            p.category = Some(v);
        }
        if let Some(v) = self.visibility {
            p.visibility = v;
        }
        if let Some(v) = self.inventory {
            p.inventory = Some(v);
        }
        p.extra.extend(self.extra);
        p.updated_at = now;
    }
}

/// One read field of a product, or `None` when the field does not exist.
pub fn read_field(p: &Product, field: &str) -> Option<Value> {
    Some(match field {
        "id" => json!(p.id),
        "retailer_id" => json!(p.retailer_id),
        "name" => json!(p.name),
        "description" => json!(p.description),
        "price" => json!(format_price(p.price, &p.currency)),
        "currency" => json!(p.currency),
        "sale_price" => match p.sale_price {
            Some(s) => json!(format_price(s, &p.currency)),
            None => Value::Null,
        },
        "sale_price_start_date" => json!(p.sale_price_start_date),
        "sale_price_end_date" => json!(p.sale_price_end_date),
        "image_url" => json!(p.image_url),
        "image_cdn_urls" => json!({ "default": p.image_url }),
        "additional_image_urls" => json!(p.additional_image_urls),
        "url" => json!(p.url),
        "availability" => json!(p.availability.as_str()),
        "condition" => json!(p.condition),
        "brand" => json!(p.brand),
        "category" => json!(p.category),
        "visibility" => json!(p.visibility.as_str()),
        "review_status" => json!(p.review_status.as_str()),
        "inventory" | "quantity_to_sell_on_facebook" => json!(p.inventory),
        "product_catalog" => json!({ "id": p.catalog_id }),
        "errors" => json!([]),
        other if EXTRA_FIELDS.contains(&other) => json!(p.extra.get(other)),
        _ => return None,
    })
}

/// The fields given when `fields` is absent.
pub const DEFAULT_READ_FIELDS: &[&str] = &["id", "retailer_id", "name"];

/// `fields=a,b` → the list (default when absent), or 100 for an unknown field.
pub fn parse_read_fields(fields: Option<&str>) -> Result<Vec<String>, ApiError> {
    let list: Vec<String> = match fields {
        None => DEFAULT_READ_FIELDS
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        Some(f) => f
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    Ok(list)
}

/// The product with only `fields` (Graph always adds `id`); 100 for an unknown field.
pub fn render(p: &Product, fields: &[String]) -> Result<Projected, ApiError> {
    let mut out = Map::new();
    for f in fields {
        let v = read_field(p, f).ok_or_else(|| {
            ApiError::new(ErrorKind::InvalidParameter)
                .with_text(format!(
                    "Tried accessing nonexisting field ({f}) on node type (ProductItem)"
                ))
                .graph_scope()
        })?;
        if !v.is_null() {
            out.insert(f.clone(), v);
        }
    }
    out.entry("id").or_insert_with(|| json!(p.id));
    Ok(Projected(out))
}
