//! Checkout (India payments, spec §3.7): the `order_details` a business asks the customer to pay,
//! sent in a checkout button template or as an `interactive.order_details` message, and the
//! `order_status` updates that follow.

use crate::clock::Millis;
use crate::error::ApiError;
use crate::message::{CheckoutItem, CheckoutOrder, Money};
use vitrine_wire::lenient::{Lenient, NumberOrText, Object};
use vitrine_wire::messages::order::{Amount, OrderDetails, OrderItem};

/// `reference_id`: 1 to 35 letters, digits, `_`, `-` or `.`.
pub fn valid_reference_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().count() <= 35
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
}

/// Order states an `order_status` message can announce.
pub const ORDER_STATUSES: &[&str] = &[
    "pending",
    "processing",
    "partially_shipped",
    "shipped",
    "completed",
    "canceled",
];

/// An amount at `path` (after `order_details`): `{value ≥ 0, offset: 100}`; missing when absent
/// or `null`.
fn money(v: Option<&Lenient<Object<Amount>>>, path: &str) -> Result<Money, ApiError> {
    let amount = v.and_then(Lenient::get);
    let value = amount
        .and_then(|a| a.value.get().copied())
        .filter(|n| *n >= 0);
    let offset = amount.and_then(|a| a.offset.get().copied());
    match (value, offset) {
        (Some(value), Some(100)) => Ok(Money { value, offset: 100 }),
        (None, _) if v.is_none_or(Lenient::is_missing) => {
            Err(ApiError::missing(&format!("order_details{path}")))
        }
        _ => Err(ApiError::invalid_value(format!(
            "order_details{path} must be {{\"value\": a whole number ≥ 0, \"offset\": 100}}."
        ))),
    }
}

/// An amount that may carry a `description` of at most 60 characters.
fn described(v: Option<&Lenient<Object<Amount>>>, path: &str) -> Result<Money, ApiError> {
    let description = v.and_then(Lenient::get).and_then(|a| a.description.str());
    if description.is_some_and(|d| d.chars().count() > 60) {
        return Err(ApiError::invalid_value(format!(
            "order_details{path}['description'] can have at most 60 characters."
        )));
    }
    money(v, path)
}

/// Checks an `order_details` payload (spec §3.7): identifiers, INR money with offset 100,
/// subtotal = Σ item price × quantity, total = subtotal + tax + shipping − discount, and an
/// expiration at least 300 s ahead.
pub fn order_details(od: &OrderDetails, now: Millis) -> Result<CheckoutOrder, ApiError> {
    let bad = |details: String| ApiError::invalid_value(details);
    let reference_id = od.reference_id.str().unwrap_or("");
    if !valid_reference_id(reference_id) {
        return Err(bad(
            "order_details['reference_id'] must be 1 to 35 letters, digits, '_', '-' or '.'."
                .into(),
        ));
    }
    let kind = od.kind.str().unwrap_or("");
    if !["digital-goods", "physical-goods"].contains(&kind) {
        return Err(bad(
            "order_details['type'] must be digital-goods or physical-goods.".into(),
        ));
    }
    if od.currency.str() != Some("INR") {
        return Err(bad("order_details['currency'] must be INR.".into()));
    }
    let settings = od.payment_settings.items();
    let mut payment_configurations = vec![];
    let mut payment_gateway = od.payment_type.str().map(str::to_owned);
    // The other form names one configuration (with `payment_type`, e.g. `upi`) instead of a list
    // of payment settings.
    if let Some(name) = od.payment_configuration.str().filter(|s| !s.is_empty()) {
        payment_configurations.push(name.to_owned());
        payment_gateway.get_or_insert_with(|| "upi".to_owned());
    } else if settings.is_empty() {
        return Err(ApiError::missing(
            "order_details['payment_settings'] or order_details['payment_configuration']",
        ));
    }
    for s in settings {
        let s = s.get();
        let gw = s.and_then(|s| s.payment_gateway.get());
        let gw_type = gw.and_then(|g| g.kind.str()).unwrap_or("");
        let name = gw.and_then(|g| g.configuration_name.str()).unwrap_or("");
        if s.and_then(|s| s.kind.str()) != Some("payment_gateway")
            || !["razorpay", "payu", "zaakpay", "billdesk"].contains(&gw_type)
            || name.is_empty()
        {
            return Err(bad("order_details['payment_settings'] entries need type payment_gateway with a gateway type (razorpay, payu, zaakpay, billdesk) and a configuration_name.".into()));
        }
        payment_configurations.push(name.to_owned());
        payment_gateway.get_or_insert_with(|| gw_type.to_owned());
    }
    // A field of the order; none when the order is not an object (as if absent).
    let order = od.order.get();
    let raw_items = order.map_or(&[][..], |o| o.items.items());
    if raw_items.is_empty() {
        return Err(ApiError::missing("order_details['order']['items']"));
    }
    let mut items = vec![];
    for (i, it) in raw_items.iter().enumerate() {
        let path = format!("['order']['items'][{i}]");
        let it = it.get();
        let text = |f: fn(&OrderItem) -> &Lenient<String>| {
            it.and_then(|it| f(it).str()).filter(|s| !s.is_empty())
        };
        let (Some(retailer_id), Some(name)) = (text(|it| &it.retailer_id), text(|it| &it.name))
        else {
            return Err(ApiError::missing(&format!(
                "order_details{path}['retailer_id' and 'name']"
            )));
        };
        if name.chars().count() > 60 {
            return Err(bad(format!(
                "order_details{path}['name'] can have at most 60 characters."
            )));
        }
        let quantity = it
            .and_then(|it| it.quantity.get().copied())
            .filter(|q| (1..=u32::MAX as u64).contains(q))
            .ok_or_else(|| {
                bad(format!(
                    "order_details{path}['quantity'] must be a whole number ≥ 1."
                ))
            })?;
        let sale_amount = match it.map(|it| &it.sale_amount) {
            None => None,
            Some(v) if v.is_missing() => None,
            Some(v) => Some(money(Some(v), &format!("{path}['sale_amount']"))?),
        };
        items.push(CheckoutItem {
            retailer_id: retailer_id.into(),
            name: name.to_owned(),
            amount: money(it.map(|it| &it.amount), &format!("{path}['amount']"))?,
            sale_amount,
            quantity: quantity as u32,
        });
    }
    let subtotal = money(order.map(|o| &o.subtotal), "['order']['subtotal']")?;
    let tax = described(order.map(|o| &o.tax), "['order']['tax']")?;
    let optional =
        |v: Option<&Lenient<Object<Amount>>>, key: &str| -> Result<Option<Money>, ApiError> {
            match v {
                None => Ok(None),
                Some(v) if v.is_missing() => Ok(None),
                Some(v) => described(Some(v), &format!("['order']['{key}']")).map(Some),
            }
        };
    let shipping = optional(order.map(|o| &o.shipping), "shipping")?;
    let discount = optional(order.map(|o| &o.discount), "discount")?;
    let total_amount = money(Some(&od.total_amount), "['total_amount']")?;
    // In i128: any i64 amount times any u32 quantity, summed over any item count, fits.
    let items_sum: i128 = items
        .iter()
        .map(|i| i128::from(i.sale_amount.unwrap_or(i.amount).value) * i128::from(i.quantity))
        .sum();
    if i128::from(subtotal.value) != items_sum {
        return Err(bad(format!(
            "order_details['order']['subtotal'] ({}) must equal the sum of the items' amounts times their quantities ({items_sum}).",
            subtotal.value
        )));
    }
    let total = i128::from(subtotal.value)
        + i128::from(tax.value)
        + i128::from(shipping.map_or(0, |m| m.value))
        - i128::from(discount.map_or(0, |m| m.value));
    if i128::from(total_amount.value) != total {
        return Err(bad(format!(
            "order_details['total_amount'] ({}) must equal subtotal + tax + shipping - discount ({total}).",
            total_amount.value
        )));
    }
    let timestamp = order
        .and_then(|o| o.expiration.get())
        .map(|e| &e.timestamp)
        .filter(|t| !t.is_missing());
    let expires_at = match timestamp {
        None => None,
        Some(t) => {
            let ts = t.get().and_then(NumberOrText::integer).ok_or_else(|| {
                bad(
                    "order_details['order']['expiration']['timestamp'] must be Unix seconds."
                        .into(),
                )
            })?;
            if ts < now.unix_seconds() + 300 {
                return Err(bad("order_details['order']['expiration']['timestamp'] must be at least 300 seconds in the future.".into()));
            }
            Some(ts)
        }
    };
    Ok(CheckoutOrder {
        reference_id: reference_id.to_owned(),
        kind: kind.to_owned(),
        currency: "INR".to_owned(),
        payment_configurations,
        payment_gateway,
        items,
        subtotal,
        tax,
        shipping,
        discount,
        total_amount,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order(amount: i64, quantity: u64, subtotal: i64, total: i64) -> OrderDetails {
        let money = |v: i64| json!({ "value": v, "offset": 100 });
        serde_json::from_value(json!({
            "reference_id": "r-1", "type": "physical-goods", "currency": "INR",
            "payment_settings": [ { "type": "payment_gateway", "payment_gateway": { "type": "payu", "configuration_name": "c" } } ],
            "order": { "items": [ { "retailer_id": "a", "name": "A", "amount": money(amount), "quantity": quantity } ],
                       "subtotal": money(subtotal), "tax": money(0) },
            "total_amount": money(total)
        }))
        .unwrap()
    }

    #[test]
    fn sums_are_exact() {
        let now = Millis(0);
        let ok = order_details(&order(12_345, 3, 37_035, 37_035), now).unwrap();
        assert_eq!(ok.payment_gateway.as_deref(), Some("payu"));
        assert!(order_details(&order(12_345, 3, 37_036, 37_036), now).is_err());
        // Amounts that overflow 64 bits when multiplied are refused, not a panic.
        let huge = order(i64::MAX, u64::from(u32::MAX), i64::MAX, i64::MAX);
        assert!(order_details(&huge, now).is_err());
    }

    #[test]
    fn reference_ids() {
        assert!(valid_reference_id("order_7781.b-2"));
        assert!(!valid_reference_id(""));
        assert!(!valid_reference_id("order 1"));
        assert!(!valid_reference_id(&"x".repeat(36)));
    }
}
