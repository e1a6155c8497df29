//! Message templates: the creation rules of spec §7.2–§7.3 (Meta's 2388xxx subcodes under code
//! 100) and the review life cycle of §7.4.

use crate::error::{ApiError, ErrorKind};
use serde::{Deserialize, Serialize};
use vitrine_wire::lenient::{Lenient, Object};
use vitrine_wire::messages::template::List;
use vitrine_wire::templates::components::{Button, Card, Component};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TemplateStatus {
    Pending,
    Approved,
    Rejected,
    Paused,
    Disabled,
}

impl TemplateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateStatus::Pending => "PENDING",
            TemplateStatus::Approved => "APPROVED",
            TemplateStatus::Rejected => "REJECTED",
            TemplateStatus::Paused => "PAUSED",
            TemplateStatus::Disabled => "DISABLED",
        }
    }
}

/// The `event` of a `message_template_status_update` webhook: a status reached, or
/// `REINSTATED` (back to APPROVED after a pause or a disabling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateEvent {
    Approved,
    Rejected,
    Paused,
    Disabled,
    Reinstated,
}

impl TemplateEvent {
    pub const ALL: [TemplateEvent; 5] = [
        TemplateEvent::Approved,
        TemplateEvent::Rejected,
        TemplateEvent::Paused,
        TemplateEvent::Disabled,
        TemplateEvent::Reinstated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TemplateEvent::Approved => "APPROVED",
            TemplateEvent::Rejected => "REJECTED",
            TemplateEvent::Paused => "PAUSED",
            TemplateEvent::Disabled => "DISABLED",
            TemplateEvent::Reinstated => "REINSTATED",
        }
    }

    /// Any case.
    pub fn parse(s: &str) -> Option<TemplateEvent> {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The status the template is in after the event.
    pub fn status(self) -> TemplateStatus {
        match self {
            TemplateEvent::Approved | TemplateEvent::Reinstated => TemplateStatus::Approved,
            TemplateEvent::Rejected => TemplateStatus::Rejected,
            TemplateEvent::Paused => TemplateStatus::Paused,
            TemplateEvent::Disabled => TemplateStatus::Disabled,
        }
    }

    /// The webhook's `reason` when none is given.
    pub fn default_reason(self) -> &'static str {
        match self {
            TemplateEvent::Rejected => "INVALID_FORMAT",
            _ => "NONE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub id: crate::id::TemplateId,
    pub waba_id: crate::id::WabaId,
    pub name: String,
    pub language: String,
    pub category: String,
    /// `POSITIONAL` or `NAMED`.
    pub parameter_format: String,
    /// As given, with `type`, `format` and button types in upper case (and written back alike:
    /// every component is an object).
    pub components: Vec<Object<Component>>,
    pub status: TemplateStatus,
    /// `NONE`, or why it was rejected.
    pub reason: String,
    /// When review ends (sandbox ms), while pending.
    pub review_due_at: Option<i64>,
    /// When it was edited (sandbox ms), for the edit limits.
    #[serde(default)]
    pub edits: Vec<i64>,
}

pub const NAME_MAX: usize = 512;
pub const PER_WABA_MAX: usize = 250;

fn invalid(kind: ErrorKind, msg: impl Into<String>) -> ApiError {
    ApiError::template(kind, msg)
}

fn bad(details: impl Into<String>) -> ApiError {
    ApiError::invalid_param(details).graph_scope()
}

/// `{{1}}` or `{{name}}` placeholders in a text, in order.
pub fn variables(text: &str) -> Vec<String> {
    let mut out = vec![];
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                out.push(after[..end].trim().to_owned());
                rest = &after[end + 2..];
            }
            None => break,
        }
    }
    out
}

fn text_of(c: &Component) -> &str {
    c.text.str().unwrap_or("")
}

/// A button's type; `""` when it is not an object with a textual type.
fn type_of(b: &Lenient<Object<Button>>) -> &str {
    b.get().and_then(|b| b.kind.str()).unwrap_or("")
}

/// The `type` of a list item that is an object with a textual type, in upper case.
fn kind_of<T>(item: &Lenient<Object<T>>, kind: impl Fn(&T) -> &Lenient<String>) -> Option<String> {
    item.get()
        .and_then(|v| kind(v).str())
        .map(str::to_ascii_uppercase)
}

fn check_text(
    kind: &str,
    text: &str,
    max: usize,
    max_vars: Option<usize>,
    c: &Component,
) -> Result<(), ApiError> {
    if text.chars().count() > max {
        return Err(invalid(
            ErrorKind::TemplateCharacterLimit,
            format!("The {kind} of a template can have at most {max} characters."),
        ));
    }
    let vars = variables(text);
    if let Some(m) = max_vars {
        if vars.len() > m {
            return Err(invalid(
                ErrorKind::TemplateHeaderFormat,
                format!("The {kind} can have at most {m} variable."),
            ));
        }
    }
    if !vars.is_empty() {
        let t = text.trim();
        if t.starts_with("{{") || t.ends_with("}}") {
            return Err(invalid(
                ErrorKind::TemplateVariableAtEdge,
                format!("The {kind} text can't start or end with a variable."),
            ));
        }
        // `null` counts as given, as a key that is there.
        if c.example.is_absent() {
            return Err(invalid(
                ErrorKind::TemplateSamplesMissing,
                format!("Add sample values for the variables of the {kind}."),
            ));
        }
    }
    Ok(())
}

fn upper_in_place(s: &mut Lenient<String>) {
    if let Some(s) = s.get_mut() {
        *s = s.to_ascii_uppercase();
    }
}

/// A component with `type`, `format` and its buttons' types in upper case.
fn normalise(c: &Lenient<Object<Component>>) -> Result<Object<Component>, ApiError> {
    let Some(c) = c.get() else {
        return Err(bad("Each component must be an object."));
    };
    let mut c = c.clone();
    if c.kind.str().is_none() {
        return Err(bad("Each component needs a type."));
    }
    upper_in_place(&mut c.kind);
    upper_in_place(&mut c.format);
    if let Some(buttons) = c.buttons.get_mut() {
        for b in buttons.iter_mut().filter_map(Lenient::get_mut) {
            upper_in_place(&mut b.kind);
        }
    }
    Ok(c)
}

/// Normalises and checks the components of a template (spec §7.2–§7.3).
pub fn check_components(raw: &List<Component>) -> Result<Vec<Object<Component>>, ApiError> {
    let Some(items) = raw.get() else {
        return Err(bad("Param components must be a JSON array."));
    };
    let mut comps: Vec<Object<Component>> = vec![];
    for c in items {
        let mut c = normalise(c)?;
        let kind = c.kind.str().unwrap_or("");
        if !["HEADER", "BODY", "FOOTER", "BUTTONS", "CAROUSEL"].contains(&kind) {
            return Err(bad(format!("Invalid component type {kind}.")));
        }
        if let Some(cards) = c.cards.get_mut() {
            for card in cards.iter_mut().filter_map(Lenient::get_mut) {
                if let Some(cs) = card.components.get_mut() {
                    for c in cs.iter_mut() {
                        *c = Lenient::Valid(normalise(c)?);
                    }
                }
            }
        }
        comps.push(c);
    }
    let find = |k: &str| comps.iter().find(|c| c.kind.str() == Some(k));
    let body = find("BODY")
        .ok_or_else(|| invalid(ErrorKind::TemplateBodyMissing, "A template needs a body."))?;
    check_text("body", text_of(body), 1024, None, body)?;
    if let Some(footer) = find("FOOTER") {
        let t = text_of(footer);
        if !variables(t).is_empty() {
            return Err(invalid(
                ErrorKind::TemplateFooterFormat,
                "The footer can't contain variables.",
            ));
        }
        check_text("footer", t, 60, Some(0), footer)?;
    }
    let header = find("HEADER");
    if let Some(h) = header {
        match h.format.str() {
            Some("TEXT") => check_text("header", text_of(h), 60, Some(1), h)?,
            Some("IMAGE" | "VIDEO" | "DOCUMENT" | "LOCATION" | "PRODUCT") => {}
            _ => {
                return Err(invalid(
                    ErrorKind::TemplateHeaderFormat,
                    "A header needs a format: TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION or PRODUCT.",
                ))
            }
        }
    }
    let buttons = find("BUTTONS").map_or(&[][..], |b| b.buttons.items());
    if buttons.len() > 10 {
        return Err(bad("A template can have at most 10 buttons."));
    }
    let count = |t: &str| buttons.iter().filter(|b| type_of(b) == t).count();
    for b in buttons {
        let t = type_of(b);
        if ![
            "QUICK_REPLY",
            "URL",
            "PHONE_NUMBER",
            "COPY_CODE",
            "FLOW",
            "CATALOG",
            "MPM",
            "SPM",
            "ORDER_DETAILS",
        ]
        .contains(&t)
        {
            return Err(bad(format!("Invalid button type {t}.")));
        }
        if b.get()
            .map_or("", |b| b.text.str().unwrap_or(""))
            .chars()
            .count()
            > 25
        {
            return Err(invalid(
                ErrorKind::TemplateCharacterLimit,
                "A button's text can have at most 25 characters.",
            ));
        }
    }
    if count("CATALOG") > 0 && (count("CATALOG") != 1 || buttons.len() != 1 || header.is_some()) {
        return Err(bad(
            "A catalog template has no header and exactly one button, of type CATALOG.",
        ));
    }
    let header_format = header.and_then(|h| h.format.str());
    if count("MPM") > 0 {
        let text_header = header_format == Some("TEXT");
        if count("MPM") != 1 || buttons.len() != 1 || !text_header {
            return Err(bad(
                "A multi-product template has a TEXT header and exactly one button, of type MPM.",
            ));
        }
    }
    if count("SPM") > 0 && header_format != Some("PRODUCT") {
        return Err(bad(
            "A single-product template has a PRODUCT header and one SPM button.",
        ));
    }
    if let Some(carousel) = find("CAROUSEL") {
        let cards = carousel.cards.items();
        if cards.is_empty() || cards.len() > 10 {
            return Err(bad("A carousel has 1 to 10 cards."));
        }
        let shape = |card: &Lenient<Object<Card>>| -> (String, Vec<String>) {
            let comps = card.get().map_or(&[][..], |c| c.components.items());
            let part = |kind: &str| {
                comps
                    .iter()
                    .find(|c| kind_of(c, |c| &c.kind).as_deref() == Some(kind))
                    .and_then(Lenient::get)
            };
            let fmt = part("HEADER")
                .and_then(|h| h.format.str())
                .map(str::to_ascii_uppercase)
                .unwrap_or_default();
            let btns = part("BUTTONS")
                .map_or(&[][..], |b| b.buttons.items())
                .iter()
                .filter_map(|b| kind_of(b, |b| &b.kind))
                .collect();
            (fmt, btns)
        };
        let first = shape(&cards[0]);
        if first.0 != "PRODUCT" && cards.len() < 2 {
            return Err(bad("A media carousel has 2 to 10 cards."));
        }
        if cards.iter().any(|c| shape(c) != first) {
            return Err(bad(
                "Every carousel card needs the same header format and the same buttons.",
            ));
        }
    }
    Ok(comps)
}

/// Checks a name: lowercase letters, digits and underscores, at most 512 characters.
pub fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.chars().count() <= NAME_MAX
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(bad(
            "Param name must be 1 to 512 lowercase letters, digits and underscores.",
        ))
    }
}

/// Whether `name`/`category`/`language` is a valid category.
pub fn check_category(category: &str) -> Result<String, ApiError> {
    let c = category.to_ascii_uppercase();
    if ["MARKETING", "UTILITY", "AUTHENTICATION"].contains(&c.as_str()) {
        Ok(c)
    } else {
        Err(bad(
            "Param category must be MARKETING, UTILITY or AUTHENTICATION.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn check_components(v: Value) -> Result<Vec<Object<Component>>, ApiError> {
        super::check_components(&serde_json::from_value(v).unwrap())
    }

    #[test]
    fn commerce_shapes() {
        let catalog = json!([
            { "type": "BODY", "text": "Shop our range and get {{1}} off.", "example": { "body_text": [["10%"]] } },
            { "type": "BUTTONS", "buttons": [ { "type": "CATALOG", "text": "View catalog" } ] } ]);
        assert!(check_components(catalog).is_ok());
        let mpm = json!([
            { "type": "header", "format": "text", "text": "Forgot something, {{1}}?", "example": { "header_text": ["Pablo"] } },
            { "type": "body", "text": "Your cart is waiting." },
            { "type": "buttons", "buttons": [ { "type": "mpm", "text": "View items" } ] } ]);
        let comps = check_components(mpm).unwrap();
        let comps = serde_json::to_value(&comps).unwrap();
        assert_eq!(comps[0]["type"], "HEADER");
        assert_eq!(comps[2]["buttons"][0]["type"], "MPM");
        let bad_mpm = json!([{ "type": "body", "text": "x" }, { "type": "buttons", "buttons": [ { "type": "mpm", "text": "View" } ] }]);
        assert!(check_components(bad_mpm).is_err());
        let start = json!([{ "type": "body", "text": "{{1}} is here", "example": { "body_text": [["x"]] } }]);
        assert_eq!(
            check_components(start).unwrap_err().kind,
            ErrorKind::TemplateVariableAtEdge
        );
        let no_example = json!([{ "type": "body", "text": "Hi {{1}}, welcome" }]);
        assert_eq!(
            check_components(no_example).unwrap_err().kind,
            ErrorKind::TemplateSamplesMissing
        );
        let long = json!([{ "type": "body", "text": "x".repeat(1025) }]);
        assert_eq!(
            check_components(long).unwrap_err().kind,
            ErrorKind::TemplateCharacterLimit
        );
        assert!(check_name("summer_sale_2").is_ok());
        assert!(check_name("Summer").is_err());
    }
}
