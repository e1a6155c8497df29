//! POST /{phone-number-id}/messages: structure and limits (spec §2, §4.6, §11 steps 2, 4 and 5).
//! The catalog checks of step 6 are in `crate::commerce`.
//!
//! Its length: the checks follow Meta's order of evaluation across every message type, and the
//! order is the contract; split, it would no longer read top to bottom.

use super::{chars, max_len, present, too_long};
use crate::error::{ApiError, ErrorKind};
use crate::id::RetailerId;
use crate::media::MediaKind;
use crate::message::{
    Header, ListRow, ListSection, Location, MediaContent, MediaRef, Outgoing, ProductSection,
    ReplyButton, SendRequest,
};
use std::collections::HashSet;
use vitrine_wire::lenient::{Lenient, NumberOrText};
use vitrine_wire::messages::contacts::Contact;
use vitrine_wire::messages::interactive::{self as wi, Interactive};
use vitrine_wire::messages::template::List;
use vitrine_wire::messages::{MediaObject, SendBody, SendMessage, TemplateMessage, Unreadable};

pub const TEXT_BODY_MAX: usize = 4096;
pub const BIZ_OPAQUE_MAX: usize = 512;
pub const INTERACTIVE_BODY_MAX: usize = 1024;
pub const FOOTER_MAX: usize = 60;
pub const HEADER_TEXT_MAX: usize = 60;
pub const SECTIONS_MAX: usize = 10;
pub const SECTION_TITLE_MAX: usize = 24;
pub const MPM_PRODUCTS_MAX: usize = 30;
pub const BUTTONS_MAX: usize = 3;
pub const BUTTON_ID_MAX: usize = 256;
pub const BUTTON_TITLE_MAX: usize = 20;
pub const LIST_BUTTON_MAX: usize = 20;
pub const LIST_ROWS_MAX: usize = 10;
pub const ROW_ID_MAX: usize = 200;
pub const ROW_TITLE_MAX: usize = 24;
pub const ROW_DESCRIPTION_MAX: usize = 72;

pub const CAPTION_MAX: usize = 1024;
pub const CTA_DISPLAY_TEXT_MAX: usize = 20;
/// Contacts per message (Meta's page; the OpenAPI file says 5).
pub const CONTACTS_MAX: usize = 257;

/// Message types Vitrine sends.
const TYPES: &[&str] = &[
    "text",
    "interactive",
    "template",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "reaction",
];
const UNIMPLEMENTED_INTERACTIVE: &[&str] = &[
    "flow",
    "address_message",
    "call_permission_request",
    "voice_call",
    "carousel",
];

/// Behaviour switches that change validation.
#[derive(Debug, Clone, Copy, Default)]
pub struct SendOptions {
    /// Refuse a `catalog_message` without a thumbnail, as the API did up to 2026 (spec §2.5).
    pub catalog_thumbnail_required: bool,
    /// Sandbox time, for rules about the future (an order's expiration).
    pub now: crate::clock::Millis,
}

/// Validates a send request as the HTTP layer read it. `sender_wa_id` is the sending number,
/// digits only. `throttle` runs step 3 (throughput and pair limits) once the recipient is known,
/// so errors come in Meta's order.
pub fn send_message(
    body: &SendBody,
    sender_wa_id: &str,
    options: SendOptions,
    throttle: &mut dyn FnMut(&crate::id::WaId) -> Result<(), ApiError>,
) -> Result<SendRequest, ApiError> {
    let req = match body {
        Ok(req) => req,
        Err(Unreadable::NotAnObject) => {
            return Err(ApiError::invalid_param(
                "The request body must be a JSON object.",
            ))
        }
        Err(Unreadable::WrongType { path, reason }) => {
            return Err(ApiError::invalid_param(format!(
                "Param {} has the wrong type: {reason}",
                bracket_path(path),
            )))
        }
    };

    // Step 2: Graph-level parameters (code 100).
    match present(&req.messaging_product) {
        None => return Err(ApiError::param_required("messaging_product")),
        Some("whatsapp") => {}
        Some(_) => {
            return Err(ApiError::invalid_param(
                "The parameter messaging_product must be set to whatsapp.",
            ))
        }
    }
    match present(&req.recipient_type) {
        None | Some("individual") => {}
        Some("group") => {
            return Err(ApiError::invalid_param(
                "recipient_type group (Groups API) is not implemented by Vitrine.",
            ))
        }
        Some(other) => {
            return Err(ApiError::invalid_param(format!(
                "Invalid recipient_type '{other}': must be individual or group."
            )))
        }
    }
    let Some(to_input) = req.to.clone().filter(|t| !t.trim().is_empty()) else {
        return Err(ApiError::param_required("to"));
    };
    let wa_id = normalize_wa_id(&to_input)
        .ok_or_else(|| ApiError::invalid_param("The parameter to is not a valid phone number."))?;
    let kind = present(&req.kind).unwrap_or("text");
    if !TYPES.contains(&kind) {
        return Err(ApiError::invalid_param(format!(
            "Invalid message type: {kind}"
        )));
    }
    if let Some(data) = &req.biz_opaque_callback_data {
        if chars(data) > BIZ_OPAQUE_MAX {
            return Err(
                ApiError::new(ErrorKind::InvalidParameter).with_text(format!(
                "Param biz_opaque_callback_data must be at most {BIZ_OPAQUE_MAX} characters long."
            )),
            );
        }
    }
    let context_message_id = match &req.context {
        None => None,
        Some(ctx) => match present(&ctx.message_id) {
            Some(id) => Some(id.to_owned()),
            None => return Err(ApiError::param_required("context['message_id']")),
        },
    };

    // Step 3: throughput.
    throttle(&wa_id)?;

    // Step 4: the recipient.
    if wa_id == sender_wa_id {
        return Err(ApiError::new(ErrorKind::RecipientCannotBeSender)
            .with_details("Sender and recipient phone number is the same."));
    }

    // Step 5: the type's own structure and limits.
    let outgoing = match kind {
        "text" => text(req)?,
        "template" => template(&req.template)?,
        "interactive" => interactive(req.interactive.as_ref(), options)?,
        "location" => location(req.location.as_ref())?,
        "contacts" => contacts(&req.contacts)?,
        "reaction" => reaction(req.reaction.as_ref(), context_message_id.is_some())?,
        other => {
            let kind = MediaKind::parse(other)
                .ok_or_else(|| ApiError::invalid_param(format!("Invalid message type: {other}")))?;
            let obj = match kind {
                MediaKind::Image => &req.image,
                MediaKind::Video => &req.video,
                MediaKind::Audio => &req.audio,
                MediaKind::Document => &req.document,
                MediaKind::Sticker => &req.sticker,
            };
            media(kind, obj.as_ref())?
        }
    };

    Ok(SendRequest {
        to_input,
        wa_id,
        outgoing,
        context_message_id,
        biz_opaque_callback_data: req.biz_opaque_callback_data.clone(),
    })
}

/// `+1 (650) 555-1234` → `16505551234`. `None` when no plausible number remains.
pub fn normalize_wa_id(to: &str) -> Option<crate::id::WaId> {
    let digits: String = to.chars().filter(|c| c.is_ascii_digit()).collect();
    let rest_ok = to
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    (rest_ok && (5..=15).contains(&digits.len())).then_some(crate::id::WaId::from(digits))
}

/// `interactive.action.sections[0].title` → `interactive['action']['sections'][0]['title']`.
fn bracket_path(dotted: &str) -> String {
    let mut out = String::new();
    for (i, part) in dotted.split('.').enumerate() {
        if let Some((name, idx)) = part.split_once('[') {
            push_segment(&mut out, i, name);
            out.push('[');
            out.push_str(idx);
        } else {
            push_segment(&mut out, i, part);
        }
    }
    out
}

fn push_segment(out: &mut String, i: usize, name: &str) {
    if i == 0 {
        out.push_str(name);
    } else {
        out.push_str("['");
        out.push_str(name);
        out.push_str("']");
    }
}

/// The template's name, language and components; the rest is checked against the stored
/// template (`crate::template_send`).
fn template(t: &Lenient<TemplateMessage>) -> Result<Outgoing, ApiError> {
    let Some(t) = t.get() else {
        return Err(ApiError::missing("template"));
    };
    let name = t.name.str().filter(|s| !s.is_empty());
    let name = name.ok_or_else(|| ApiError::missing("template['name']"))?;
    let language = t.language.get().and_then(|l| l.code.str());
    let language = language
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing("template['language']['code']"))?;
    let components = match &t.components {
        Lenient::Absent | Lenient::Null => vec![],
        Lenient::Valid(c) => c.clone(),
        Lenient::Invalid(_) => {
            return Err(ApiError::invalid_param(
                "Param template['components'] must be an array.",
            ))
        }
    };
    Ok(Outgoing::Template {
        name: name.to_owned(),
        language: language.to_owned(),
        template_id: Default::default(),
        header: None,
        header_media: None,
        body: String::new(),
        footer: None,
        buttons: vec![],
        cards: vec![],
        order_details: None,
        components,
    })
}

fn text(req: &SendMessage) -> Result<Outgoing, ApiError> {
    let Some(body) = req
        .text
        .as_ref()
        .and_then(|t| t.body.clone())
        .filter(|b| !b.is_empty())
    else {
        return Err(ApiError::param_required("text['body']"));
    };
    if chars(&body) > TEXT_BODY_MAX {
        return Err(
            ApiError::new(ErrorKind::InvalidParameter).with_text(format!(
                "Param text['body'] must be at most {TEXT_BODY_MAX} characters long."
            )),
        );
    }
    let preview_url = req
        .text
        .as_ref()
        .and_then(|t| t.preview_url)
        .unwrap_or(false);
    let catalog_link = catalog_link(&body);
    Ok(Outgoing::Text {
        body,
        preview_url,
        catalog_link,
    })
}

/// The number of the first `wa.me/c/<number>` link in a text.
pub fn catalog_link(body: &str) -> Option<String> {
    const MARK: &str = "wa.me/c/";
    let mut rest = body;
    while let Some(at) = rest.find(MARK) {
        let after = &rest[at + MARK.len()..];
        let digits: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !digits.is_empty() {
            return Some(digits);
        }
        rest = after;
    }
    None
}

fn interactive(i: Option<&Interactive>, options: SendOptions) -> Result<Outgoing, ApiError> {
    let Some(i) = i else {
        return Err(ApiError::missing("interactive"));
    };
    let Some(kind) = present(&i.kind) else {
        return Err(ApiError::missing("interactive['type']"));
    };
    match kind {
        "catalog_message" => catalog_message(i, options),
        "product" => product(i),
        "product_list" => product_list(i),
        "button" => button(i),
        "list" => list(i),
        "order_details" => order_details(i, options),
        "order_status" => order_status(i),
        "cta_url" => cta_url(i),
        "location_request_message" => location_request(i),
        other if UNIMPLEMENTED_INTERACTIVE.contains(&other) => Err(ApiError::invalid_param(
            format!(
                "Interactive type '{other}' is not implemented by Vitrine (see docs/compatibility.md)."
            ),
        )),
        other => Err(ApiError::invalid_value(format!(
            "Invalid interactive['type'] '{other}'."
        ))),
    }
}

fn body_text(i: &Interactive, required: bool) -> Result<Option<String>, ApiError> {
    let body = i
        .body
        .as_ref()
        .and_then(|b| present(&b.text))
        .map(str::to_owned);
    match &body {
        None if required => return Err(ApiError::missing("interactive['body']['text']")),
        Some(b) if chars(b) > INTERACTIVE_BODY_MAX => {
            return Err(too_long(
                "interactive['body']['text']",
                INTERACTIVE_BODY_MAX,
            ))
        }
        _ => {}
    }
    Ok(body)
}

fn footer_text(i: &Interactive) -> Result<Option<String>, ApiError> {
    let footer = i
        .footer
        .as_ref()
        .and_then(|f| present(&f.text))
        .map(str::to_owned);
    max_len(
        footer.as_deref(),
        "interactive['footer']['text']",
        FOOTER_MAX,
    )?;
    Ok(footer)
}

fn action(i: &Interactive) -> Result<&wi::Action, ApiError> {
    i.action
        .as_ref()
        .ok_or_else(|| ApiError::missing("interactive['action']"))
}

fn required<'a>(value: &'a Option<String>, path: &str) -> Result<&'a str, ApiError> {
    present(value).ok_or_else(|| ApiError::missing(path))
}

fn catalog_message(i: &Interactive, options: SendOptions) -> Result<Outgoing, ApiError> {
    if i.header.is_some() {
        return Err(ApiError::invalid_value(
            "The parameter interactive['header'] is not allows for catalog messages.",
        ));
    }
    let body = body_text(i, true)?.unwrap_or_default();
    let footer = footer_text(i)?;
    let action = action(i)?;
    match present(&action.name) {
        None => return Err(ApiError::missing("interactive['action']['name']")),
        Some("catalog_message") => {}
        Some(other) => {
            return Err(ApiError::invalid_value(format!(
                "Invalid interactive['action']['name'] '{other}': must be catalog_message."
            )))
        }
    }
    let thumbnail =
        match &action.parameters {
            Lenient::Absent | Lenient::Null => None,
            Lenient::Valid(p) => match &p.thumbnail_product_retailer_id {
                Lenient::Absent | Lenient::Null => None,
                Lenient::Valid(NumberOrText::Text(s)) if s.trim().is_empty() => None,
                Lenient::Valid(NumberOrText::Text(s)) => Some(s.into()),
                Lenient::Valid(NumberOrText::Number(n)) => Some(n.to_string().into()),
                Lenient::Invalid(_) => return Err(ApiError::invalid_value(
                    "Param action['parameters']['thumbnail_product_retailer_id'] must be a string.",
                )),
            },
            Lenient::Invalid(_) => {
                return Err(ApiError::invalid_value(
                    "Param action['parameters'] must be an object.",
                ))
            }
        };
    if thumbnail.is_none() && options.catalog_thumbnail_required {
        return Err(ApiError::invalid_value(
            "action['parameters'] cannot be empty.",
        ));
    }
    Ok(Outgoing::CatalogMessage {
        body,
        footer,
        thumbnail_product_retailer_id: thumbnail,
    })
}

fn product(i: &Interactive) -> Result<Outgoing, ApiError> {
    if i.header.is_some() {
        return Err(ApiError::invalid_value(
            "Header is not supported for this message type",
        ));
    }
    let body = body_text(i, false)?;
    let footer = footer_text(i)?;
    let action = action(i)?;
    let catalog_id = required(&action.catalog_id, "interactive['action']['catalog_id']")?;
    let rid = required(
        &action.product_retailer_id,
        "interactive['action']['product_retailer_id']",
    )?;
    Ok(Outgoing::Product {
        body,
        footer,
        catalog_id: catalog_id.into(),
        product_retailer_id: rid.into(),
    })
}

fn product_list(i: &Interactive) -> Result<Outgoing, ApiError> {
    let Some(header) = &i.header else {
        return Err(ApiError::missing("interactive['header']"));
    };
    match present(&header.kind) {
        None => return Err(ApiError::missing("interactive['header']['type']")),
        Some("text") => {}
        Some(_) => {
            return Err(ApiError::invalid_value(
                "Header is not supported for this message type: product_list needs a text header.",
            ))
        }
    }
    let header_text = required(&header.text, "interactive['header']['text']")?;
    max_len(
        Some(header_text),
        "interactive['header']['text']",
        HEADER_TEXT_MAX,
    )?;
    let body = body_text(i, true)?.unwrap_or_default();
    let footer = footer_text(i)?;
    let action = action(i)?;
    let catalog_id = required(&action.catalog_id, "interactive['action']['catalog_id']")?;
    let Some(sections) = &action.sections else {
        return Err(ApiError::missing("interactive['action']['sections']"));
    };
    check_section_count(sections.len())?;
    let multi = sections.len() > 1;
    let mut total = 0usize;
    let mut seen: HashSet<&str, foldhash::fast::RandomState> = HashSet::default();
    let mut out = Vec::with_capacity(sections.len());
    for (s, section) in sections.iter().enumerate() {
        let title = section_title(section, s, multi)?;
        let Some(items) = &section.product_items else {
            return Err(ApiError::missing(&format!(
                "interactive['action']['sections'][{s}]['product_items']"
            )));
        };
        if items.is_empty() {
            return Err(ApiError::invalid_value(format!(
                "Param interactive['action']['sections'][{s}]['product_items'] must have at least 1 item."
            )));
        }
        let mut ids = Vec::with_capacity(items.len());
        for (p, item) in items.iter().enumerate() {
            // The path is written only for an error: this runs for every item of every send.
            let Some(rid) = present(&item.product_retailer_id) else {
                return Err(ApiError::missing(&format!(
                    "interactive['action']['sections'][{s}]['product_items'][{p}]['product_retailer_id']"
                )));
            };
            total += 1;
            // Duplicates inside or across sections are dropped silently (spec §2.7).
            if seen.insert(rid) {
                ids.push(RetailerId::from(rid));
            }
        }
        if !ids.is_empty() {
            out.push(ProductSection {
                title,
                product_retailer_ids: ids,
            });
        }
    }
    if total > MPM_PRODUCTS_MAX {
        return Err(ApiError::invalid_value(format!(
            "Too many products: a multi-product message can hold at most {MPM_PRODUCTS_MAX} products in total, {total} were given."
        )));
    }
    Ok(Outgoing::ProductList {
        header: header_text.to_owned(),
        body,
        footer,
        catalog_id: catalog_id.into(),
        sections: out,
    })
}

fn check_section_count(n: usize) -> Result<(), ApiError> {
    if n == 0 || n > SECTIONS_MAX {
        return Err(ApiError::invalid_value(format!(
            "Param interactive['action']['sections'] must have between 1 and {SECTIONS_MAX} sections, {n} were given."
        )));
    }
    Ok(())
}

fn section_title(section: &wi::Section, s: usize, multi: bool) -> Result<Option<String>, ApiError> {
    let path = || format!("interactive['action']['sections'][{s}]['title']");
    let title = present(&section.title);
    match title {
        None if multi => return Err(ApiError::missing(&path())),
        Some(t) if chars(t) > SECTION_TITLE_MAX => {
            return Err(too_long(&path(), SECTION_TITLE_MAX))
        }
        _ => {}
    }
    Ok(title.map(str::to_owned))
}

fn optional_header(i: &Interactive, allow_media: bool) -> Result<Option<Header>, ApiError> {
    let Some(h) = &i.header else { return Ok(None) };
    let kind = required(&h.kind, "interactive['header']['type']")?;
    let media = |m: &Option<wi::Media>, name: &str| -> Result<MediaRef, ApiError> {
        let path = format!("interactive['header']['{name}']");
        let m = m.as_ref().ok_or_else(|| ApiError::missing(&path))?;
        if present(&m.caption).is_some() {
            return Err(ApiError::invalid_param(format!(
                "Param {path}['caption'] is not allowed: a media header takes id or link only."
            )));
        }
        match (present(&m.id), present(&m.link)) {
            (Some(id), _) => Ok(MediaRef::Id(id.to_owned())),
            (None, Some(link)) => Ok(MediaRef::Link(link.to_owned())),
            (None, None) => Err(ApiError::missing(&format!("{path}['id' or 'link']"))),
        }
    };
    let header = match kind {
        "text" => {
            let text = required(&h.text, "interactive['header']['text']")?;
            max_len(Some(text), "interactive['header']['text']", HEADER_TEXT_MAX)?;
            Header::Text {
                text: text.to_owned(),
            }
        }
        "image" if allow_media => Header::Image {
            media: media(&h.image, "image")?,
        },
        "video" if allow_media => Header::Video {
            media: media(&h.video, "video")?,
        },
        "document" if allow_media => Header::Document {
            media: media(&h.document, "document")?,
        },
        other => {
            return Err(ApiError::invalid_value(format!(
                "Header type '{other}' is not supported for this message type."
            )))
        }
    };
    Ok(Some(header))
}

/// The `action.name` a type requires.
fn action_named<'a>(i: &'a Interactive, name: &str) -> Result<&'a wi::Action, ApiError> {
    let action = action(i)?;
    match present(&action.name) {
        None => Err(ApiError::missing("interactive['action']['name']")),
        Some(n) if n == name => Ok(action),
        Some(other) => Err(ApiError::invalid_value(format!(
            "Invalid interactive['action']['name'] '{other}': must be {name}."
        ))),
    }
}

fn order_details(i: &Interactive, options: SendOptions) -> Result<Outgoing, ApiError> {
    let header = optional_header(i, true)?;
    let body = body_text(i, true)?.unwrap_or_default();
    let footer = footer_text(i)?;
    let action = action_named(i, "review_and_pay")?;
    let params = action
        .parameters
        .get()
        .ok_or_else(|| ApiError::missing("interactive['action']['parameters']"))?;
    Ok(Outgoing::OrderDetails {
        header,
        body,
        footer,
        order: Box::new(crate::checkout::order_details(
            &params.order_details,
            options.now,
        )?),
    })
}

fn order_status(i: &Interactive) -> Result<Outgoing, ApiError> {
    let body = body_text(i, true)?.unwrap_or_default();
    let footer = footer_text(i)?;
    let action = action_named(i, "review_order")?;
    if action.parameters.is_missing() {
        return Err(ApiError::missing("interactive['action']['parameters']"));
    }
    // Parameters that are not an object hold none of the keys.
    let params = action.parameters.get().map(|p| &p.order_details);
    let reference_id = params.and_then(|p| p.reference_id.str()).unwrap_or("");
    if !crate::checkout::valid_reference_id(reference_id) {
        return Err(ApiError::invalid_value(
            "interactive['action']['parameters']['reference_id'] must be 1 to 35 letters, digits, '_', '-' or '.'.",
        ));
    }
    let order = params.and_then(|p| p.order.get());
    let status = order.and_then(|o| o.status.str()).unwrap_or("");
    if !crate::checkout::ORDER_STATUSES.contains(&status) {
        return Err(ApiError::invalid_value(format!(
            "interactive['action']['parameters']['order']['status'] must be one of {}.",
            crate::checkout::ORDER_STATUSES.join(", ")
        )));
    }
    let description = order.and_then(|o| o.description.str()).map(str::to_owned);
    max_len(
        description.as_deref(),
        "interactive['action']['parameters']['order']['description']",
        120,
    )?;
    Ok(Outgoing::OrderStatus {
        body,
        footer,
        reference_id: reference_id.to_owned(),
        status: status.to_owned(),
        description,
    })
}

fn cta_url(i: &Interactive) -> Result<Outgoing, ApiError> {
    let header = optional_header(i, true)?;
    let body = body_text(i, true)?.unwrap_or_default();
    let footer = footer_text(i)?;
    let action = action_named(i, "cta_url")?;
    let params = action
        .parameters
        .get()
        .ok_or_else(|| ApiError::missing("interactive['action']['parameters']"))?;
    let text_param = |value: &Lenient<String>, key: &str| -> Result<String, ApiError> {
        let path = format!("interactive['action']['parameters']['{key}']");
        match value {
            Lenient::Absent | Lenient::Null => Err(ApiError::missing(&path)),
            Lenient::Valid(s) if s.trim().is_empty() => Err(ApiError::missing(&path)),
            Lenient::Valid(s) => Ok(s.clone()),
            Lenient::Invalid(_) => Err(ApiError::invalid_param(format!(
                "Param {path} must be a string."
            ))),
        }
    };
    let display_text = text_param(&params.display_text, "display_text")?;
    max_len(
        Some(&display_text),
        "interactive['action']['parameters']['display_text']",
        CTA_DISPLAY_TEXT_MAX,
    )?;
    let url = text_param(&params.url, "url")?;
    if !is_http_url(&url) {
        return Err(ApiError::invalid_value(
            "Param interactive['action']['parameters']['url'] must be an http or https URL.",
        ));
    }
    Ok(Outgoing::CtaUrl {
        header,
        body,
        footer,
        display_text,
        url,
    })
}

fn location_request(i: &Interactive) -> Result<Outgoing, ApiError> {
    if i.header.is_some() {
        return Err(ApiError::invalid_value(
            "Header is not supported for this message type",
        ));
    }
    let body = body_text(i, true)?.unwrap_or_default();
    let footer = footer_text(i)?;
    action_named(i, "send_location")?;
    Ok(Outgoing::LocationRequest { body, footer })
}

/// An absolute `http(s)://` URL with a host.
fn is_http_url(s: &str) -> bool {
    url::Url::parse(s.trim())
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// `image`, `video`, `audio`, `document`, `sticker` (spec §2.1).
fn media(kind: MediaKind, obj: Option<&MediaObject>) -> Result<Outgoing, ApiError> {
    let name = kind.as_str();
    let Some(obj) = obj else {
        return Err(ApiError::missing(name));
    };
    let not_allowed = |key: &str| {
        ApiError::invalid_param(format!(
            "Param {name}['{key}'] is not a valid parameter for {name} messages."
        ))
    };
    if let Some(key) = obj.other.keys().next() {
        return Err(not_allowed(key));
    }
    if obj.caption.is_some() && !kind.has_caption() {
        return Err(not_allowed("caption"));
    }
    if obj.filename.is_some() && kind != MediaKind::Document {
        return Err(not_allowed("filename"));
    }
    if obj.voice.is_some() && kind != MediaKind::Audio {
        return Err(not_allowed("voice"));
    }
    let media = match (present(&obj.id), present(&obj.link)) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_param(format!(
                "Param {name} must have either id or link, not both."
            )))
        }
        (None, None) => {
            return Err(ApiError::invalid_param(format!(
                "Param {name} must have id (an uploaded media) or link."
            )))
        }
        (Some(id), None) => MediaRef::Id(id.trim().to_owned()),
        (None, Some(link)) => {
            if !is_http_url(link) {
                return Err(ApiError::invalid_value(format!(
                    "Param {name}['link'] must be an http or https URL."
                )));
            }
            MediaRef::Link(link.trim().to_owned())
        }
    };
    let caption = present(&obj.caption).map(str::to_owned);
    max_len(
        caption.as_deref(),
        &format!("{name}['caption']"),
        CAPTION_MAX,
    )?;
    Ok(Outgoing::Media(Box::new(MediaContent {
        kind,
        media,
        caption,
        filename: present(&obj.filename).map(str::to_owned),
        voice: obj.voice.unwrap_or(false),
        mime_type: None,
        file_size: None,
    })))
}

/// A latitude or longitude: a JSON number or a decimal string, within ±`max`.
fn coordinate(v: &Lenient<NumberOrText>, path: &str, max: f64) -> Result<f64, ApiError> {
    let x = match v {
        Lenient::Absent | Lenient::Null => return Err(ApiError::missing(path)),
        Lenient::Valid(NumberOrText::Text(s)) if s.trim().is_empty() => {
            return Err(ApiError::missing(path))
        }
        Lenient::Valid(NumberOrText::Number(n)) => n.as_f64(),
        Lenient::Valid(NumberOrText::Text(s)) => s.trim().parse::<f64>().ok(),
        Lenient::Invalid(_) => None,
    };
    match x {
        Some(x) if x.is_finite() && x.abs() <= max => Ok(x),
        _ => Err(ApiError::invalid_value(format!(
            "Param {path} must be a number between -{max} and {max}."
        ))),
    }
}

/// `location` (spec §2.2).
fn location(l: Option<&vitrine_wire::messages::Location>) -> Result<Outgoing, ApiError> {
    let Some(l) = l else {
        return Err(ApiError::missing("location"));
    };
    let latitude = coordinate(&l.latitude, "location['latitude']", 90.0)?;
    let longitude = coordinate(&l.longitude, "location['longitude']", 180.0)?;
    Ok(Outgoing::Location(Location {
        latitude,
        longitude,
        name: present(&l.name).map(str::to_owned),
        address: present(&l.address).map(str::to_owned),
    }))
}

/// `YYYY-MM-DD`.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u32>().unwrap_or(0))
}

/// `contacts` (spec §2.3): 1 to 257 cards, each with `name.formatted_name`.
fn contacts(v: &List<Contact>) -> Result<Outgoing, ApiError> {
    let list = match v {
        Lenient::Absent | Lenient::Null => return Err(ApiError::missing("contacts")),
        Lenient::Valid(list) => list,
        Lenient::Invalid(_) => {
            return Err(ApiError::invalid_param("Param contacts must be an array."))
        }
    };
    if list.is_empty() {
        return Err(ApiError::missing("contacts"));
    }
    if list.len() > CONTACTS_MAX {
        return Err(ApiError::invalid_value(format!(
            "Param contacts must have at most {CONTACTS_MAX} contacts, {} were given.",
            list.len()
        )));
    }
    let mut cards = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let base = format!("contacts[{i}]");
        let Some(card) = c.get() else {
            return Err(ApiError::invalid_param(format!(
                "Param {base} must be an object."
            )));
        };
        let formatted = card
            .name
            .get()
            .and_then(|n| n.formatted_name.str())
            .filter(|f| !f.trim().is_empty());
        if formatted.is_none() {
            return Err(ApiError::missing(&format!(
                "{base}['name']['formatted_name']"
            )));
        }
        // A key that is there counts, `null` included.
        if !card.birthday.is_absent() && !card.birthday.str().is_some_and(is_date) {
            return Err(ApiError::invalid_value(format!(
                "Param {base}['birthday'] must be a date written YYYY-MM-DD."
            )));
        }
        let lists = [
            ("addresses", objects(&card.addresses)),
            ("emails", objects(&card.emails)),
            ("phones", objects(&card.phones)),
            ("urls", objects(&card.urls)),
        ];
        for (list_key, ok) in lists {
            if !ok {
                return Err(ApiError::invalid_param(format!(
                    "Param {base}['{list_key}'] must be an array of objects."
                )));
            }
        }
        if !card.org.is_absent() && card.org.get().is_none() {
            return Err(ApiError::invalid_param(format!(
                "Param {base}['org'] must be an object."
            )));
        }
        cards.push(card.clone());
    }
    Ok(Outgoing::Contacts { contacts: cards })
}

/// An optional list: absent, or a list of objects.
fn objects<T>(list: &List<T>) -> bool {
    list.is_absent()
        || list
            .get()
            .is_some_and(|items| items.iter().all(|x| x.get().is_some()))
}

/// `reaction` (spec §2.4): `emoji` one emoji, or `""` to remove the reaction.
fn reaction(
    r: Option<&vitrine_wire::messages::Reaction>,
    is_reply: bool,
) -> Result<Outgoing, ApiError> {
    let Some(r) = r else {
        return Err(ApiError::missing("reaction"));
    };
    let message_id = required(&r.message_id, "reaction['message_id']")?;
    let Some(emoji) = r.emoji.as_deref() else {
        return Err(ApiError::missing("reaction['emoji']"));
    };
    let emoji = emoji.trim();
    if emoji.chars().any(|c| c.is_ascii_alphabetic()) || chars(emoji) > 16 {
        return Err(ApiError::invalid_value(
            "Param reaction['emoji'] must be one emoji, or empty to remove the reaction.",
        ));
    }
    if is_reply {
        return Err(ApiError::invalid_param(
            "A reaction cannot be sent as a reply: leave out context.",
        ));
    }
    Ok(Outgoing::Reaction {
        message_id: message_id.trim().to_owned(),
        emoji: emoji.to_owned(),
    })
}

fn button(i: &Interactive) -> Result<Outgoing, ApiError> {
    let header = optional_header(i, true)?;
    let body = body_text(i, true)?.unwrap_or_default();
    let footer = footer_text(i)?;
    let action = action(i)?;
    let Some(buttons) = &action.buttons else {
        return Err(ApiError::missing("interactive['action']['buttons']"));
    };
    if buttons.is_empty() || buttons.len() > BUTTONS_MAX {
        return Err(ApiError::invalid_value(format!(
            "Param interactive['action']['buttons'] must have between 1 and {BUTTONS_MAX} buttons, {} were given.",
            buttons.len()
        )));
    }
    let mut ids = HashSet::new();
    let mut titles = HashSet::new();
    let mut out = Vec::with_capacity(buttons.len());
    for (b, button) in buttons.iter().enumerate() {
        let base = format!("interactive['action']['buttons'][{b}]");
        match present(&button.kind) {
            None => return Err(ApiError::missing(&format!("{base}['type']"))),
            Some("reply") => {}
            Some(other) => {
                return Err(ApiError::invalid_value(format!(
                    "Invalid {base}['type'] '{other}': must be reply."
                )))
            }
        }
        let reply = button
            .reply
            .as_ref()
            .ok_or_else(|| ApiError::missing(&format!("{base}['reply']")))?;
        let id = required(&reply.id, &format!("{base}['reply']['id']"))?;
        max_len(Some(id), &format!("{base}['reply']['id']"), BUTTON_ID_MAX)?;
        if id.trim() != id {
            return Err(ApiError::invalid_value(format!(
                "Param {base}['reply']['id'] must not have leading or trailing spaces."
            )));
        }
        let title = required(&reply.title, &format!("{base}['reply']['title']"))?;
        max_len(
            Some(title),
            &format!("{base}['reply']['title']"),
            BUTTON_TITLE_MAX,
        )?;
        if !ids.insert(id) {
            return Err(ApiError::invalid_value(format!(
                "Duplicate button id '{id}'."
            )));
        }
        if !titles.insert(title) {
            return Err(ApiError::invalid_value(format!(
                "Duplicate button title '{title}'."
            )));
        }
        out.push(ReplyButton {
            id: id.to_owned(),
            title: title.to_owned(),
        });
    }
    Ok(Outgoing::Button {
        header,
        body,
        footer,
        buttons: out,
    })
}

fn list(i: &Interactive) -> Result<Outgoing, ApiError> {
    let header = optional_header(i, false)?;
    let body = body_text(i, true)?.unwrap_or_default();
    let footer = footer_text(i)?;
    let action = action(i)?;
    let label = required(&action.button, "interactive['action']['button']")?;
    max_len(
        Some(label),
        "interactive['action']['button']",
        LIST_BUTTON_MAX,
    )?;
    let Some(sections) = &action.sections else {
        return Err(ApiError::missing("interactive['action']['sections']"));
    };
    check_section_count(sections.len())?;
    let multi = sections.len() > 1;
    let mut total = 0usize;
    let mut ids = HashSet::new();
    let mut out = Vec::with_capacity(sections.len());
    for (s, section) in sections.iter().enumerate() {
        let title = section_title(section, s, multi)?;
        let base = format!("interactive['action']['sections'][{s}]['rows']");
        let Some(rows) = &section.rows else {
            return Err(ApiError::missing(&base));
        };
        if rows.is_empty() {
            return Err(ApiError::invalid_value(format!(
                "Param {base} must have at least 1 row."
            )));
        }
        let mut out_rows = Vec::with_capacity(rows.len());
        for (r, row) in rows.iter().enumerate() {
            let path = format!("{base}[{r}]");
            let id = required(&row.id, &format!("{path}['id']"))?;
            max_len(Some(id), &format!("{path}['id']"), ROW_ID_MAX)?;
            let title = required(&row.title, &format!("{path}['title']"))?;
            max_len(Some(title), &format!("{path}['title']"), ROW_TITLE_MAX)?;
            let description = present(&row.description).map(str::to_owned);
            max_len(
                description.as_deref(),
                &format!("{path}['description']"),
                ROW_DESCRIPTION_MAX,
            )?;
            if !ids.insert(id.to_owned()) {
                return Err(ApiError::invalid_value(format!("Duplicate row id '{id}'.")));
            }
            total += 1;
            out_rows.push(ListRow {
                id: id.to_owned(),
                title: title.to_owned(),
                description,
            });
        }
        out.push(ListSection {
            title,
            rows: out_rows,
        });
    }
    if total > LIST_ROWS_MAX {
        return Err(ApiError::invalid_value(format!(
            "Too many rows: a list message can hold at most {LIST_ROWS_MAX} rows in total, {total} were given."
        )));
    }
    Ok(Outgoing::List {
        header,
        body,
        footer,
        button: label.to_owned(),
        sections: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SENDER: &str = "15550107788";

    fn check(v: serde_json::Value) -> Result<SendRequest, ApiError> {
        send_message(
            &SendMessage::read(&v),
            SENDER,
            SendOptions::default(),
            &mut |_| Ok(()),
        )
    }

    #[test]
    fn normalizes_to() {
        assert_eq!(
            normalize_wa_id("+1 (650) 555-1234")
                .as_ref()
                .map(crate::id::WaId::as_str),
            Some("16505551234")
        );
        assert_eq!(normalize_wa_id("abc"), None);
        assert_eq!(normalize_wa_id("+1 650 555 1234 ext"), None);
    }

    #[test]
    fn bracket_paths() {
        assert_eq!(
            bracket_path("interactive.action.sections[0].title"),
            "interactive['action']['sections'][0]['title']"
        );
        assert_eq!(bracket_path("to"), "to");
    }

    #[test]
    fn finds_catalog_links() {
        assert_eq!(
            catalog_link("See https://wa.me/c/15550107788 now").as_deref(),
            Some("15550107788")
        );
        assert_eq!(catalog_link("https://wa.me/15550107788"), None);
    }

    #[test]
    fn type_defaults_to_text() {
        let r = check(
            json!({"messaging_product":"whatsapp","to":"+1 650 555 0123","text":{"body":"hi"}}),
        )
        .unwrap();
        assert_eq!(r.wa_id, "16505550123");
        assert_eq!(r.to_input, "+1 650 555 0123");
        assert!(matches!(r.outgoing, Outgoing::Text { .. }));
    }

    #[test]
    fn order_recipient_before_structure() {
        let e = check(json!({"messaging_product":"whatsapp","to":SENDER,"type":"interactive"}))
            .unwrap_err();
        assert_eq!(e.code(), 131021);
        let e = check(json!({"to":SENDER})).unwrap_err();
        assert_eq!(
            e.message(),
            "(#100) The parameter messaging_product is required."
        );
    }

    #[test]
    fn mpm_dedupes_and_counts() {
        let items: Vec<_> = (0..31)
            .map(|i| json!({"product_retailer_id": format!("s{i}")}))
            .collect();
        let e = check(json!({"messaging_product":"whatsapp","to":"1650555","type":"interactive","interactive":{
            "type":"product_list","header":{"type":"text","text":"h"},"body":{"text":"b"},
            "action":{"catalog_id":"1","sections":[{"title":"a","product_items":items}]}}})).unwrap_err();
        assert_eq!(e.code(), 131009);
        let r = check(json!({"messaging_product":"whatsapp","to":"1650555","type":"interactive","interactive":{
            "type":"product_list","header":{"type":"text","text":"h"},"body":{"text":"b"},
            "action":{"catalog_id":"1","sections":[
                {"title":"a","product_items":[{"product_retailer_id":"x"},{"product_retailer_id":"x"}]},
                {"title":"b","product_items":[{"product_retailer_id":"x"}]}]}}})).unwrap();
        let Outgoing::ProductList { sections, .. } = r.outgoing else {
            panic!()
        };
        assert_eq!(sections.len(), 1);
        assert_eq!(sections[0].product_retailer_ids, vec!["x"]);
    }

    #[test]
    fn wrong_json_type_is_code_100_with_path() {
        let e = check(
            json!({"messaging_product":"whatsapp","to":"1650555","type":"interactive",
            "interactive":{"type":"product","action":{"sections":"nope"}}}),
        )
        .unwrap_err();
        assert_eq!(e.code(), 100);
        assert!(e
            .details
            .unwrap()
            .contains("interactive['action']['sections']"));
    }
}
