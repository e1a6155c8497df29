//! Behaviour switches of the sandbox (spec items marked UNCONFIRMED become settings here).

use crate::commerce::MpmNoMatchDetails;
use crate::limits::LimitSettings;
use crate::webhook::schedule::WebhookSettings;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Behaviour {
    /// The version that serves unversioned Graph calls (`facebook-api-version`).
    pub default_api_version: String,
    /// Refuse `catalog_message` without `thumbnail_product_retailer_id` (131009
    /// "action['parameters'] cannot be empty."), as the API did until 2026. Default: accept and use
    /// the first catalog item, as Meta's newest guide says.
    pub catalog_thumbnail_required: bool,
    /// Which details text the 131009 carries when no MPM item matches the catalog.
    pub mpm_no_match_details: MpmNoMatchDetails,
    /// Status timing, retries and fidelity knobs.
    pub webhooks: WebhookSettings,
    /// Throughput and pair rate limits.
    pub limits: LimitSettings,
    /// How long after it is accepted an `items_batch` request is processed (sandbox ms).
    pub batch_delay_ms: i64,
    /// The code of the failed status when every device of the customer is too old for a product
    /// message: 131026 (default; Meta names no code, spec §2.9) or 131000.
    pub outdated_client_code: u32,
    /// How long a new or edited template stays PENDING (sandbox ms).
    pub template_review_ms: i64,
    /// Templates whose name starts with this are REJECTED (reason INVALID_FORMAT) at review.
    pub template_reject_prefix: String,
    /// Require a product carousel template send to carry exactly the template's number of cards,
    /// as media carousels must. Default: 1 to 10 product cards, as Meta's guide says (spec §3.5,
    /// UNCONFIRMED).
    pub product_carousel_exact_cards: bool,
    /// Media uploads, downloads and media webhooks (messaging spec §1).
    pub media: crate::media::MediaSettings,
    /// Checkout (`order_details`) templates and messages reach only Indian numbers (+91), as the
    /// guide says; others get a failed status with 131026 (the code is UNCONFIRMED). Off: any
    /// number.
    pub checkout_india_only: bool,
    /// A multi-product message (or template) whose unmatched items were dropped gets a 131009
    /// in the `errors` of its `sent` status, as Meta's pages promise; a live test saw none
    /// (commerce spec §2.7), so it is off by default.
    pub mpm_dropped_items_notice: bool,
    /// Prune the message and webhook logs past this age or count (`--retain`); keep all when
    /// absent.
    pub retain: Option<Retention>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            default_api_version: "v23.0".to_owned(),
            catalog_thumbnail_required: false,
            mpm_no_match_details: MpmNoMatchDetails::default(),
            webhooks: WebhookSettings::default(),
            limits: LimitSettings::default(),
            batch_delay_ms: 1_000,
            outdated_client_code: 131_026,
            template_review_ms: 1_000,
            template_reject_prefix: "rejected_".to_owned(),
            product_carousel_exact_cards: false,
            media: crate::media::MediaSettings::default(),
            checkout_india_only: true,
            mpm_dropped_items_notice: false,
            retain: None,
        }
    }
}

/// How much of the message and webhook logs to keep during long load tests (`--retain`): the
/// rest is pruned in the background, in small transactions between sends. Pending webhooks are
/// never pruned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Retention {
    /// Keep what is younger than this many milliseconds of sandbox time (`--retain 2h`).
    Age(i64),
    /// Keep the newest this many of each log: business messages, customer messages, webhooks
    /// (`--retain 100000`).
    Count(i64),
}

impl std::str::FromStr for Retention {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Ok(n) = s.parse::<i64>() {
            return if n > 0 {
                Ok(Retention::Count(n))
            } else {
                Err(format!("retain keeps at least 1 message, not {n}"))
            };
        }
        let age = humantime::parse_duration(s).map_err(|e| {
            format!("retain is an age such as 30m, 2h or 7d, or a count such as 100000 ({e})")
        })?;
        match i64::try_from(age.as_millis()) {
            Ok(ms) if ms > 0 => Ok(Retention::Age(ms)),
            _ => Err(format!("retain age out of range: {s}")),
        }
    }
}

impl From<Retention> for String {
    fn from(r: Retention) -> String {
        match r {
            Retention::Age(ms) => {
                humantime::format_duration(std::time::Duration::from_millis(ms.unsigned_abs()))
                    .to_string()
            }
            Retention::Count(n) => n.to_string(),
        }
    }
}

impl TryFrom<String> for Retention {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod retention_tests {
    use super::Retention;

    #[test]
    fn an_age_or_a_count() {
        assert_eq!("2h".parse(), Ok(Retention::Age(7_200_000)));
        assert_eq!("7d".parse(), Ok(Retention::Age(604_800_000)));
        assert_eq!(" 100000 ".parse(), Ok(Retention::Count(100_000)));
        assert!("0".parse::<Retention>().is_err());
        assert!("-5".parse::<Retention>().is_err());
        assert!("0s".parse::<Retention>().is_err());
        let e = "soon".parse::<Retention>().unwrap_err();
        assert!(e.starts_with("retain is an age such as 30m"), "{e}");
        for r in [Retention::Age(7_200_000), Retention::Count(5)] {
            assert_eq!(String::from(r).parse(), Ok(r));
        }
    }
}
