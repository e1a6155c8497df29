//! The sandbox's domain: businesses, apps, tokens, WABAs, phone numbers, catalogs and products.
//! Strict types: a required field is never an `Option` here.

use crate::id::{AppId, BusinessId, CatalogId, PhoneNumberId, ProductId, RetailerId, WaId, WabaId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Business {
    pub id: BusinessId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct App {
    pub id: AppId,
    pub name: String,
    pub secret: String,
    pub verify_token: String,
    /// "Require app secret": calls without a valid `appsecret_proof` are refused.
    pub require_appsecret_proof: bool,
    /// The app's webhook (`POST /{app-id}/subscriptions`), once configured.
    pub subscription: Option<AppSubscription>,
}

/// An app's webhook callback for `object=whatsapp_business_account`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppSubscription {
    pub callback_url: String,
    pub verify_token: String,
    /// Subscribed fields (`messages`, `message_template_status_update`, ...).
    pub fields: Vec<String>,
    /// Webhook payload version (`v23.0`): before v24, statuses carry `conversation`.
    pub version: String,
}

impl AppSubscription {
    pub fn has_field(&self, field: &str) -> bool {
        self.fields.iter().any(|f| f == field)
    }
}

/// An app subscribed to a WABA (`POST /{waba-id}/subscribed_apps`), optionally with its own
/// callback for this WABA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WabaSubscription {
    pub app_id: AppId,
    pub override_callback_uri: Option<String>,
    pub verify_token: Option<String>,
}

/// A permission (scope) a token may hold (spec §1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    WhatsappBusinessMessaging,
    WhatsappBusinessManagement,
    CatalogManagement,
    BusinessManagement,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::WhatsappBusinessMessaging,
        Scope::WhatsappBusinessManagement,
        Scope::CatalogManagement,
        Scope::BusinessManagement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::WhatsappBusinessMessaging => "whatsapp_business_messaging",
            Scope::WhatsappBusinessManagement => "whatsapp_business_management",
            Scope::CatalogManagement => "catalog_management",
            Scope::BusinessManagement => "business_management",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
}

/// An access token: an opaque string mapped to a business, an app, scopes and an expiry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Token {
    pub token: String,
    pub business_id: BusinessId,
    pub app_id: AppId,
    pub scopes: BTreeSet<Scope>,
    /// Sandbox milliseconds; `None` never expires (system-user tokens).
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waba {
    pub id: WabaId,
    pub business_id: BusinessId,
    pub name: String,
    /// At most one connected catalog.
    pub catalog_id: Option<CatalogId>,
    pub subscribed_apps: Vec<WabaSubscription>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhoneNumber {
    pub id: PhoneNumberId,
    pub waba_id: WabaId,
    /// Digits only, as in webhook `metadata.display_phone_number`.
    pub display_phone_number: String,
    pub verified_name: String,
    pub commerce: CommerceSettings,
    pub throughput: Throughput,
}

/// Messages-per-second level of a number (spec §8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ThroughputLevel {
    /// 80 messages per second.
    Standard,
    /// 1,000 messages per second.
    High,
}

impl ThroughputLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ThroughputLevel::Standard => "STANDARD",
            ThroughputLevel::High => "HIGH",
        }
    }

    pub fn parse(s: &str) -> Option<ThroughputLevel> {
        match s.to_ascii_uppercase().as_str() {
            "STANDARD" => Some(ThroughputLevel::Standard),
            "HIGH" => Some(ThroughputLevel::High),
            _ => None,
        }
    }
}

/// A number's throughput: its level, optionally overridden by a custom limit or none at all
/// (for load tests of Vitrine itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throughput {
    pub level: ThroughputLevel,
    pub custom_mps: Option<u32>,
    pub unlimited: bool,
}

impl Default for Throughput {
    fn default() -> Self {
        Throughput {
            level: ThroughputLevel::Standard,
            custom_mps: None,
            unlimited: false,
        }
    }
}

/// Per phone number (spec §6.1). `saved` is false until the business first writes them: GET then
/// answers `{"data": []}` and the defaults apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommerceSettings {
    pub id: String,
    pub is_cart_enabled: bool,
    pub is_catalog_visible: bool,
    pub saved: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub id: CatalogId,
    pub business_id: BusinessId,
    pub name: String,
    pub vertical: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Availability {
    #[serde(rename = "in stock")]
    InStock,
    #[serde(rename = "out of stock")]
    OutOfStock,
    #[serde(rename = "available for order")]
    AvailableForOrder,
    #[serde(rename = "preorder")]
    Preorder,
    #[serde(rename = "discontinued")]
    Discontinued,
    #[serde(rename = "pending")]
    Pending,
    #[serde(rename = "mark_as_sold")]
    MarkAsSold,
    #[serde(rename = "mark_as_expired")]
    MarkAsExpired,
}

impl Availability {
    pub const ALL: [Availability; 8] = [
        Availability::InStock,
        Availability::OutOfStock,
        Availability::AvailableForOrder,
        Availability::Preorder,
        Availability::Discontinued,
        Availability::Pending,
        Availability::MarkAsSold,
        Availability::MarkAsExpired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Availability::InStock => "in stock",
            Availability::OutOfStock => "out of stock",
            Availability::AvailableForOrder => "available for order",
            Availability::Preorder => "preorder",
            Availability::Discontinued => "discontinued",
            Availability::Pending => "pending",
            Availability::MarkAsSold => "mark_as_sold",
            Availability::MarkAsExpired => "mark_as_expired",
        }
    }

    pub fn parse(s: &str) -> Option<Availability> {
        let s = s.trim().to_ascii_lowercase().replace('_', " ");
        Availability::ALL
            .into_iter()
            .find(|a| a.as_str().replace('_', " ") == s)
    }

    /// Whether a customer can put the item in a cart.
    pub fn can_be_ordered(self) -> bool {
        matches!(
            self,
            Availability::InStock | Availability::AvailableForOrder | Availability::Preorder
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Published,
    Staging,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Published => "published",
            Visibility::Staging => "staging",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Approved,
    Pending,
    Rejected,
    Outdated,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Approved => "approved",
            ReviewStatus::Pending => "pending",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Outdated => "outdated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Graph node id of the product item.
    pub id: ProductId,
    pub catalog_id: CatalogId,
    pub retailer_id: RetailerId,
    pub name: String,
    pub description: String,
    /// Minor units of `currency`.
    pub price: i64,
    pub currency: String,
    pub sale_price: Option<i64>,
    pub image_url: String,
    pub url: Option<String>,
    pub availability: Availability,
    pub condition: String,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub visibility: Visibility,
    pub review_status: ReviewStatus,
    pub inventory: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_image_urls: Vec<String>,
    /// ISO-8601 start and end of the sale price, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_price_start_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_price_end_date: Option<String>,
    /// Further API fields (`color`, `size`, `gtin`, `custom_label_0`, ...), as given.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub extra: std::collections::BTreeMap<String, String>,
    /// When the product last changed (sandbox ms); a message keeps what it showed at sending.
    #[serde(default)]
    pub updated_at: i64,
}

impl Product {
    /// Usable in messages: published and approved by review (spec §6.3).
    pub fn is_sendable(&self) -> bool {
        self.visibility == Visibility::Published && self.review_status == ReviewStatus::Approved
    }
}

/// Digits after the decimal point for an ISO 4217 currency.
pub fn currency_exponent(code: &str) -> u32 {
    match code {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Minor units to a decimal string in major units ("1299" USD → "12.99").
pub fn format_major(minor: i64, currency: &str) -> String {
    let exp = currency_exponent(currency);
    if exp == 0 {
        return minor.to_string();
    }
    let div = 10i64.pow(exp);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        abs / div as u64,
        abs % div as u64,
        width = exp as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_units() {
        assert_eq!(format_major(1299, "USD"), "12.99");
        assert_eq!(format_major(5, "USD"), "0.05");
        assert_eq!(format_major(1500, "JPY"), "1500");
        assert_eq!(format_major(1234, "KWD"), "1.234");
    }
}

/// A simulated WhatsApp user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub wa_id: WaId,
    /// The profile name businesses see in `contacts[].profile.name`.
    pub name: String,
    pub devices: Vec<Device>,
    /// Whether the customer sends read receipts (`read` statuses).
    pub read_receipts: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    /// `android`, `ios` or `web`.
    pub platform: String,
    pub app_version: String,
}

impl Customer {
    /// A customer as first contact creates them: one current Android device.
    pub fn new(wa_id: &WaId, name: Option<&str>) -> Customer {
        let last4: String = wa_id
            .as_str()
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        Customer {
            wa_id: wa_id.clone(),
            name: name
                .map(str::to_owned)
                .unwrap_or_else(|| format!("Customer {last4}")),
            devices: vec![Device {
                id: "phone".to_owned(),
                platform: "android".to_owned(),
                app_version: "2.26.1.0".to_owned(),
            }],
            read_receipts: true,
        }
    }
}

/// Whether `version` (`2.21.19.3`) is at least `min`, comparing numeric parts in order.
pub fn version_at_least(version: &str, min: &str) -> bool {
    let parse = |v: &str| -> Vec<u64> {
        v.split('.')
            .map(|p| p.trim().parse().unwrap_or(0))
            .collect()
    };
    let (v, m) = (parse(version), parse(min));
    for i in 0..v.len().max(m.len()) {
        let (a, b) = (
            v.get(i).copied().unwrap_or(0),
            m.get(i).copied().unwrap_or(0),
        );
        if a != b {
            return a > b;
        }
    }
    true
}

impl Device {
    /// Whether this device can show a message of `kind` (`product`, `product_list`,
    /// `catalog_message`, ...): the guide's minimum versions (spec §2.9); WhatsApp Web shows all.
    pub fn supports(&self, kind: &str) -> bool {
        let min = match (self.platform.as_str(), kind) {
            ("android", "product") => "2.21.19",
            ("android", "product_list" | "catalog_message") => "2.21.9.15",
            ("ios", "product") => "2.21.210",
            ("ios", "product_list" | "catalog_message") => "2.21.100",
            ("android" | "ios", "mpm_template" | "spm_template") => "2.22.24",
            _ => return true,
        };
        version_at_least(&self.app_version, min)
    }
}

#[cfg(test)]
mod version_tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(version_at_least("2.21.19", "2.21.19"));
        assert!(version_at_least("2.21.19.1", "2.21.19"));
        assert!(!version_at_least("2.21.9.15", "2.21.19"));
        assert!(version_at_least("2.26.1.0", "2.21.19"));
        let old = Device {
            id: "d".into(),
            platform: "android".into(),
            app_version: "2.21.10".into(),
        };
        assert!(!old.supports("product"));
        assert!(old.supports("product_list"));
        assert!(old.supports("text"));
        let web = Device {
            id: "w".into(),
            platform: "web".into(),
            app_version: "1".into(),
        };
        assert!(web.supports("product"));
    }
}

/// Days since 1970-01-01 of an ISO-8601 date or date-time (`2026-12-01`, `2026-12-01T00:00+0000`).
fn iso_day(s: &str) -> Option<i64> {
    let date = s.get(..10)?;
    let mut parts = date.split('-');
    let (y, m, d): (i64, i64, i64) = (
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

impl Product {
    /// The unit price a customer pays at `now`: the sale price while its dates (if any) include
    /// today, the price otherwise.
    pub fn current_price(&self, now_ms: i64) -> i64 {
        let today = now_ms.div_euclid(86_400_000);
        let started = self
            .sale_price_start_date
            .as_deref()
            .and_then(iso_day)
            .is_none_or(|d| d <= today);
        let not_ended = self
            .sale_price_end_date
            .as_deref()
            .and_then(iso_day)
            .is_none_or(|d| today <= d);
        match self.sale_price {
            Some(sale) if started && not_ended => sale,
            _ => self.price,
        }
    }
}

#[cfg(test)]
mod price_tests {
    use super::*;

    #[test]
    fn sale_dates() {
        assert_eq!(iso_day("1970-01-02"), Some(1));
        assert_eq!(iso_day("2026-11-26T10:00:00+0000"), Some(20_783));
        let mut p = crate::seed::demo("x").products[5].clone(); // on sale: 8900 → 6900
        let now = 20_783 * 86_400_000;
        assert_eq!(p.current_price(now), 6900);
        p.sale_price_end_date = Some("2026-11-25".into());
        assert_eq!(p.current_price(now), 8900);
        p.sale_price_end_date = None;
        p.sale_price_start_date = Some("2026-11-27".into());
        assert_eq!(p.current_price(now), 8900);
    }
}
