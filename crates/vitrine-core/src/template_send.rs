//! Sending a template (spec §3, §11 step 5): the stored template is looked up by name and
//! language, its variables filled from the send's components, its commerce parameters checked
//! against the connected catalog, and its texts hydrated.

use crate::commerce::{MpmNoMatchDetails, PRODUCTS_NOT_FOUND};
use crate::directory::Directory;
use crate::error::{ApiError, ErrorKind};
use crate::inbound::Incoming;
use crate::message::{Outgoing, ProductSnapshot, Resolved};
use crate::model::PhoneNumber;
use crate::template::{variables, Template, TemplateStatus};
use serde_json::Value;

fn lower(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The `button` component a send gave for the template's button `index` (an int or a numeric
/// string on the wire).
fn sent_button(components: &[Value], index: usize) -> Option<&Value> {
    components.iter().find(|c| {
        lower(c, "type") == "button"
            && c.get("index").is_some_and(|i| {
                i.as_u64()
                    .or_else(|| i.as_str().and_then(|s| s.parse().ok()))
                    == Some(index as u64)
            })
    })
}

/// The value a parameter puts in a text.
fn param_text(p: &Value) -> Option<String> {
    match lower(p, "type").as_str() {
        "text" => p.get("text").and_then(Value::as_str).map(str::to_owned),
        "currency" => p["currency"]["fallback_value"].as_str().map(str::to_owned),
        "date_time" => p["date_time"]["fallback_value"].as_str().map(str::to_owned),
        _ => None,
    }
}

/// Fills `text`'s variables from `params` (positional `{{1}}` or named `{{name}}`).
fn hydrate(part: &str, text: &str, params: &[Value], named: bool) -> Result<String, ApiError> {
    let vars = variables(text);
    if vars.len() != params.len() {
        return Err(ApiError::new(ErrorKind::TemplateParamCount).with_details(format!(
            "{part}: number of localizable_params ({}) does not match the expected number of params ({})",
            params.len(),
            vars.len()
        )));
    }
    let mut out = text.to_owned();
    for (i, var) in vars.iter().enumerate() {
        let p = if named {
            params
                .iter()
                .find(|p| p.get("parameter_name").and_then(Value::as_str) == Some(var.as_str()))
        } else {
            var.parse::<usize>()
                .ok()
                .and_then(|n| params.get(n.saturating_sub(1)))
                .or(params.get(i))
        };
        let value = p.and_then(param_text).ok_or_else(|| {
            ApiError::new(ErrorKind::TemplateParamFormat).with_details(format!(
                "{part}: Format mismatch, expected TEXT for {{{{{var}}}}}"
            ))
        })?;
        if value.contains('\n') || value.contains('\t') || value.contains("     ") {
            return Err(ApiError::new(ErrorKind::InvalidParameter).with_details(format!(
                "{part}: Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
            )));
        }
        out = out.replacen(&format!("{{{{{var}}}}}"), &value, 1);
    }
    Ok(out)
}

/// Looks up `name`/`language` among the WABA's templates; only an approved one can be sent.
pub fn find<'a>(
    dir: &'a Directory,
    waba_id: &str,
    name: &str,
    language: &str,
) -> Result<&'a Template, ApiError> {
    let t = dir
        .templates_of(waba_id)
        .into_iter()
        .find(|t| t.name == name && t.language == language);
    match t.map(|t| (t.status, t)) {
        Some((TemplateStatus::Approved, t)) => Ok(t),
        Some((TemplateStatus::Paused, _)) => Err(ApiError::new(ErrorKind::TemplatePaused)
            .with_details(format!("Template {name} is paused because of low quality."))),
        Some((TemplateStatus::Disabled, _)) => Err(ApiError::new(ErrorKind::TemplateDisabled)
            .with_details(format!("Template {name} is disabled."))),
        _ => Err(
            ApiError::new(ErrorKind::TemplateNotFound).with_details(format!(
                "template name ({name}) does not exist in {language}"
            )),
        ),
    }
}

/// Resolves a template send: the hydrated message and the products it shows.
pub fn resolve(
    dir: &Directory,
    phone: &PhoneNumber,
    outgoing: Outgoing,
    mpm_no_match: MpmNoMatchDetails,
) -> Result<(Outgoing, Resolved), ApiError> {
    let Outgoing::Template {
        name,
        language,
        components,
        ..
    } = outgoing
    else {
        return Ok((outgoing, Resolved::default()));
    };
    let t = find(dir, &phone.waba_id, &name, &language)?;
    // Carousel and checkout (order details) templates are stored and reviewed but not yet sent;
    // refuse them plainly rather than deliver half a message.
    let unsupported = t.components.iter().any(|c| c["type"] == "CAROUSEL")
        || t.components.iter().any(|c| {
            c["buttons"].as_array().is_some_and(|bs| {
                bs.iter()
                    .any(|b| b["type"] == "ORDER_DETAILS" || b["type"] == "order_details")
            })
        });
    if unsupported {
        return Err(ApiError::invalid_param(
            "Sending carousel and checkout templates is not implemented by Vitrine (see docs/compatibility.md).",
        ));
    }
    let named = t.parameter_format == "NAMED";
    let given = |kind: &str| components.iter().find(|c| lower(c, "type") == kind);
    let params_of = |c: Option<&Value>| {
        c.and_then(|c| c["parameters"].as_array().cloned())
            .unwrap_or_default()
    };
    let tpl = |kind: &str| t.components.iter().find(|c| c["type"] == kind);
    let mut resolved = Resolved::default();
    let connected = dir.connected_catalog(&phone.waba_id);
    let product = |rid: &str| -> Result<ProductSnapshot, ApiError> {
        connected
            .and_then(|c| c.product(rid))
            .filter(|p| p.is_sendable())
            .map(ProductSnapshot::from)
            .ok_or_else(|| ApiError::invalid_value(PRODUCTS_NOT_FOUND))
    };

    let body_text = tpl("BODY").and_then(|b| b["text"].as_str()).unwrap_or("");
    let body = hydrate("body", body_text, &params_of(given("body")), named)?;
    if body.chars().count() > 1024 {
        return Err(ApiError::new(ErrorKind::TemplateTextTooLong)
            .with_details("body: hydrated text is longer than 1024 characters"));
    }
    let header = match tpl("HEADER") {
        Some(h) if h["format"] == "TEXT" => {
            let text = hydrate(
                "header",
                h["text"].as_str().unwrap_or(""),
                &params_of(given("header")),
                named,
            )?;
            if text.chars().count() > 60 {
                return Err(ApiError::new(ErrorKind::TemplateTextTooLong)
                    .with_details("header: hydrated text is longer than 60 characters"));
            }
            Some(text)
        }
        Some(h) if h["format"] == "PRODUCT" => {
            let p = params_of(given("header"));
            let param = p
                .first()
                .filter(|p| lower(p, "type") == "product")
                .ok_or_else(|| {
                    ApiError::new(ErrorKind::TemplateParamFormat)
                        .with_details("header: Format mismatch, expected PRODUCT")
                })?;
            let rid = param["product"]["product_retailer_id"]
                .as_str()
                .unwrap_or("");
            let catalog_id = param["product"]["catalog_id"].as_str().unwrap_or("");
            if connected.is_none_or(|c| c.catalog.id != catalog_id)
                || !phone.commerce.is_catalog_visible
            {
                return Err(ApiError::invalid_value(PRODUCTS_NOT_FOUND));
            }
            resolved.products.push(product(rid)?);
            None
        }
        _ => None,
    };
    let footer = tpl("FOOTER")
        .and_then(|f| f["text"].as_str())
        .map(str::to_owned);
    let buttons = tpl("BUTTONS")
        .and_then(|b| b["buttons"].as_array().cloned())
        .unwrap_or_default();
    for (index, b) in buttons.iter().enumerate() {
        let sent = sent_button(&components, index);
        match b["type"].as_str().unwrap_or("") {
            "CATALOG" => {
                if connected.is_none() || !phone.commerce.is_catalog_visible {
                    return Err(ApiError::invalid_value(
                        crate::commerce::CHECK_CATALOG_LINKED,
                    ));
                }
                let thumb = sent.and_then(|s| {
                    s["parameters"][0]["action"]["thumbnail_product_retailer_id"].as_str()
                });
                let snap = match thumb {
                    Some(rid) => product(rid)?,
                    None => connected
                        .and_then(|c| c.first_sendable())
                        .map(ProductSnapshot::from)
                        .ok_or_else(|| ApiError::invalid_value(PRODUCTS_NOT_FOUND))?,
                };
                resolved.products.push(snap);
            }
            "MPM" => {
                if connected.is_none() || !phone.commerce.is_catalog_visible {
                    return Err(ApiError::invalid_value(
                        crate::commerce::CHECK_CATALOG_LINKED,
                    ));
                }
                let action = sent
                    .map(|s| s["parameters"][0]["action"].clone())
                    .unwrap_or(Value::Null);
                let thumb = action["thumbnail_product_retailer_id"].as_str().ok_or_else(|| {
                    ApiError::missing(&format!("components[button index {index}]['parameters'][0]['action']['thumbnail_product_retailer_id']"))
                })?;
                let sections = action["sections"].as_array().cloned().unwrap_or_default();
                if sections.is_empty() || sections.len() > 10 {
                    return Err(ApiError::invalid_value(
                        "An MPM button needs 1 to 10 sections.",
                    ));
                }
                let rids: Vec<String> = sections
                    .iter()
                    .flat_map(|s| s["product_items"].as_array().cloned().unwrap_or_default())
                    .filter_map(|i| i["product_retailer_id"].as_str().map(str::to_owned))
                    .collect();
                if rids.len() > 30 {
                    return Err(ApiError::invalid_value(
                        "An MPM button can hold at most 30 products.",
                    ));
                }
                let mut seen = std::collections::HashSet::new();
                let mut matched = vec![];
                for rid in rids.into_iter().filter(|r| seen.insert(r.clone())) {
                    match product(&rid) {
                        Ok(p) => matched.push(p),
                        Err(_) => resolved.dropped_retailer_ids.push(rid),
                    }
                }
                if matched.is_empty() {
                    return Err(ApiError::invalid_value(mpm_no_match.text()));
                }
                resolved.products.push(product(thumb)?);
                resolved.products.extend(matched);
            }
            _ => {}
        }
    }
    Ok((
        Outgoing::Template {
            name,
            language,
            template_id: t.id.clone(),
            header,
            body,
            footer,
            components,
        },
        resolved,
    ))
}

/// The customer taps quick-reply button `choice` (its text, or its index as a number) of a sent
/// template: the `button` webhook carries the payload the business gave that button at send time,
/// or the button's text when it gave none.
pub fn quick_reply(t: &Template, sent: &[Value], choice: &str) -> Option<Incoming> {
    let buttons = t
        .components
        .iter()
        .find(|c| c["type"] == "BUTTONS")
        .and_then(|b| b["buttons"].as_array())?;
    let (index, button) = buttons.iter().enumerate().find(|(i, b)| {
        b["type"] == "QUICK_REPLY" && (b["text"] == choice || i.to_string() == choice)
    })?;
    let text = button["text"].as_str().unwrap_or("").to_owned();
    let payload = sent_button(sent, index)
        .and_then(|c| c["parameters"][0]["payload"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| text.clone());
    Some(Incoming::TemplateButton { payload, text })
}
