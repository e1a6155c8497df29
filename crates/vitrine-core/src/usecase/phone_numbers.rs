//! The phone number node: GET /{phone-number-id} (Graph), and its throughput (operator).

use crate::auth::Principal;
use crate::directory::DirectoryChange;
use crate::error::ApiError;
use crate::id::PhoneNumberId;
use crate::model::{PhoneNumber, Scope, Throughput};
use crate::sandbox::{Plan, Sandbox};
use serde_json::{json, Map, Value};
use vitrine_wire::graph::Projected;

/// The fields returned when `fields` is not given.
const DEFAULT_FIELDS: &[&str] = &[
    "verified_name",
    "code_verification_status",
    "display_phone_number",
    "quality_rating",
    "platform_type",
    "throughput",
    "id",
];

/// `+1 555-010-7788` for North American numbers, `+<digits>` otherwise.
fn formatted(digits: &str) -> String {
    if digits.len() == 11 && digits.starts_with('1') {
        format!("+1 {}-{}-{}", &digits[1..4], &digits[4..7], &digits[7..])
    } else {
        format!("+{digits}")
    }
}

fn field(p: &PhoneNumber, name: &str) -> Option<Value> {
    Some(match name {
        "id" => json!(p.id),
        "verified_name" => json!(p.verified_name),
        "display_phone_number" => json!(formatted(&p.display_phone_number)),
        "code_verification_status" => json!("VERIFIED"),
        "quality_rating" => json!("GREEN"),
        "platform_type" => json!("CLOUD_API"),
        "name_status" => json!("APPROVED"),
        "status" => json!("CONNECTED"),
        "messaging_limit_tier" => json!("TIER_UNLIMITED"),
        "throughput" => json!({ "level": p.throughput.level.as_str() }),
        _ => return None,
    })
}

impl Sandbox {
    /// GET /{phone-number-id}?fields=a,b
    pub fn phone_number_node(
        &self,
        principal: &Principal,
        id: &PhoneNumberId,
        fields: Option<&str>,
    ) -> Result<Projected, ApiError> {
        principal.require(Scope::WhatsappBusinessManagement)?;
        let phone = self
            .read(|dir| dir.phone_number(id).cloned())
            .ok_or_else(|| ApiError::unsupported("get", id.as_str()))?;
        let wanted: Vec<&str> = match fields {
            Some(f) => f
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect(),
            None => DEFAULT_FIELDS.to_vec(),
        };
        let mut out = Map::new();
        for name in &wanted {
            match field(&phone, name) {
                Some(v) => {
                    out.insert((*name).to_owned(), v);
                }
                None => {
                    return Err(ApiError::new(crate::error::ErrorKind::InvalidParameter).with_text(
                        format!(
                        "Tried accessing nonexisting field ({name}) on node type (WhatsAppBusinessPhoneNumber)"
                    ),
                    ))
                }
            }
        }
        // Graph always returns the id.
        out.entry("id").or_insert_with(|| json!(phone.id));
        Ok(Projected(out))
    }

    /// Operator: the number's throughput level, custom limit, or no limit.
    pub async fn set_throughput(
        &self,
        id: &PhoneNumberId,
        throughput: Throughput,
    ) -> Result<Option<PhoneNumber>, ApiError> {
        self.update(|dir| {
            let Some(mut phone) = dir.phone_number(id).cloned() else {
                return Ok((Plan::none(), None));
            };
            phone.throughput = throughput;
            Ok::<_, ApiError>((
                Plan::change(DirectoryChange::PhoneNumber(phone.clone())),
                Some(phone),
            ))
        })
        .await
    }
}
