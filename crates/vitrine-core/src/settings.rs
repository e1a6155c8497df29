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
        }
    }
}
