//! Sending a template (spec §3, §11 step 5): the stored template is looked up by name and
//! language, its variables filled from the send's components, its commerce parameters checked
//! against the connected catalog (product headers, catalog and MPM buttons, product cards) and
//! its checkout order checked (§3.7). The result is what the customer sees: texts, media,
//! buttons, carousel cards and the order, with the products it shows.
//!
//! Both sides are wire types: the stored definition ([`def::Component`]) and the components the
//! send gave ([`sent::Component`]). Their fields are lenient: a field of the wrong JSON type
//! reads as missing here, which is what Meta answers it with (132000, 132012, 131008).
//!
//! The parts: texts and single parameters in [`params`], buttons in [`buttons`], carousel
//! cards in [`carousel`].

mod buttons;
mod carousel;
mod params;

use crate::clock::Millis;
use crate::commerce::{self, MpmNoMatchDetails, CHECK_CATALOG_LINKED};
use crate::directory::{CatalogIndex, Directory};
use crate::error::{ApiError, ErrorKind};
use crate::id::{RetailerId, WabaId};
use crate::inbound::Incoming;
use crate::message::{CheckoutOrder, Header, Outgoing, ProductSnapshot, Resolved};
use crate::model::PhoneNumber;
use crate::template::{Template, TemplateStatus};
use params::{format_mismatch, hydrate, media_param, one_param, too_long};
use vitrine_wire::lenient::{Lenient, Object};
use vitrine_wire::messages::template as sent;
use vitrine_wire::templates::components as def;

/// The components of a send, as sent: each may be of any JSON type.
pub type SentComponents = Vec<Lenient<Object<sent::Component>>>;

/// What a template send needs besides the directory.
#[derive(Debug, Clone, Copy)]
pub struct TemplateSendOptions {
    pub mpm_no_match: MpmNoMatchDetails,
    /// Require a product carousel send to have exactly the template's number of cards (the rule
    /// media carousels have). Default false: 1 to 10 cards, as Meta's guide says (UNCONFIRMED).
    pub product_carousel_exact_cards: bool,
    pub now: Millis,
}

/// Product cards a carousel send can carry.
pub const CAROUSEL_CARDS_MAX: usize = 10;
/// Hydrated body of a carousel card.
pub const CARD_BODY_MAX: usize = 160;

/// A `type`, `format` or `sub_type` in lower case; `""` when it is not text.
fn lower(kind: &Lenient<String>) -> String {
    kind.str().unwrap_or("").to_ascii_lowercase()
}

/// The component of `kind` (lower case; matched in any case) among the send's.
fn sent_part<'a>(
    components: &'a [Lenient<Object<sent::Component>>],
    kind: &str,
) -> Option<&'a sent::Component> {
    components
        .iter()
        .filter_map(Lenient::get)
        .find(|c| lower(&c.kind) == kind)
        .map(|c| &**c)
}

/// The component of `kind` among a stored template's (or a stored card's).
fn def_part<'a>(
    components: impl IntoIterator<Item = &'a def::Component>,
    kind: &str,
) -> Option<&'a def::Component> {
    components.into_iter().find(|c| lower(&c.kind) == kind)
}

/// The components of a stored card that are objects.
fn card_parts(
    components: &[Lenient<Object<def::Component>>],
) -> impl Iterator<Item = &def::Component> {
    components.iter().filter_map(Lenient::get).map(|c| &**c)
}

/// The parameters a send's component gave; none when it gave no list.
fn params_of(c: Option<&sent::Component>) -> &[Lenient<Object<sent::Parameter>>] {
    c.map_or(&[], |c| c.parameters.items())
}

/// The buttons of a stored BUTTONS component.
fn buttons_of(c: Option<&def::Component>) -> &[Lenient<Object<def::Button>>] {
    c.map_or(&[], |c| c.buttons.items())
}

/// Looks up `name`/`language` among the WABA's templates; only an approved one can be sent.
pub fn find<'a>(
    dir: &'a Directory,
    waba_id: &WabaId,
    name: &str,
    language: &str,
) -> Result<&'a Template, ApiError> {
    match dir
        .template_by_name(waba_id, name, language)
        .map(|t| (t.status, t))
    {
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
    options: TemplateSendOptions,
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
    let mut h = Hydrator {
        phone,
        connected: dir.connected_catalog(&phone.waba_id),
        named: t.parameter_format == "NAMED",
        options,
        resolved: Resolved::default(),
        order: None,
    };
    let tpl = |kind: &str| def_part(t.components.iter().map(|c| &**c), kind);

    let body_text = tpl("body").and_then(|b| b.text.str()).unwrap_or("");
    let body = hydrate(
        "body",
        body_text,
        params_of(sent_part(&components, "body")),
        h.named,
    )?;
    if body.chars().count() > 1024 {
        return Err(too_long("body", 1024));
    }
    let (header, header_media) =
        h.header("header", tpl("header"), sent_part(&components, "header"))?;
    let footer = tpl("footer").and_then(|f| f.text.str()).map(str::to_owned);
    let buttons = h.buttons("", buttons_of(tpl("buttons")), &components)?;
    let cards = match tpl("carousel") {
        Some(c) => h.carousel(c, sent_part(&components, "carousel"))?,
        None => vec![],
    };
    Ok((
        Outgoing::Template {
            name,
            language,
            template_id: t.id.clone(),
            header,
            header_media,
            body,
            footer,
            buttons,
            cards,
            order_details: h.order,
            components,
        },
        h.resolved,
    ))
}

/// The state of one template send while its parts are filled in.
struct Hydrator<'a> {
    phone: &'a PhoneNumber,
    connected: Option<&'a CatalogIndex>,
    named: bool,
    options: TemplateSendOptions,
    resolved: Resolved,
    order: Option<Box<CheckoutOrder>>,
}

impl Hydrator<'_> {
    /// The connected catalog, when it is shown to customers.
    fn catalog(&self) -> Result<&CatalogIndex, ApiError> {
        self.connected
            .filter(|_| self.phone.commerce.is_catalog_visible)
            .ok_or_else(|| ApiError::invalid_value(CHECK_CATALOG_LINKED))
    }

    /// A sendable product of the shown catalog.
    fn product(&self, rid: &RetailerId) -> Result<ProductSnapshot, ApiError> {
        commerce::snapshot(self.catalog()?, rid)
    }

    /// A template header (`tpl`) filled from the send's header component: a TEXT header's
    /// text, an IMAGE/VIDEO/DOCUMENT header's media; a PRODUCT header adds its product.
    fn header(
        &mut self,
        part: &str,
        tpl: Option<&def::Component>,
        sent: Option<&sent::Component>,
    ) -> Result<(Option<String>, Option<Header>), ApiError> {
        let Some(tpl) = tpl else {
            return Ok((None, None));
        };
        let params = params_of(sent);
        match lower(&tpl.format).as_str() {
            "text" => {
                let text = hydrate(part, tpl.text.str().unwrap_or(""), params, self.named)?;
                if text.chars().count() > 60 {
                    return Err(too_long(part, 60));
                }
                Ok((Some(text), None))
            }
            "product" => {
                let rid = self.product_param(part, params)?;
                let snap = self.product(&rid)?;
                self.resolved.products.push(snap);
                Ok((None, None))
            }
            format @ ("image" | "video" | "document") => {
                Ok((None, Some(media_param(part, format, params)?)))
            }
            "location" => {
                let p = one_param(part, params)?.get();
                let has_latitude = p
                    .and_then(|p| p.location.get())
                    .is_some_and(|l| l.latitude.get().is_some());
                if p.map(|p| lower(&p.kind)).as_deref() != Some("location") || !has_latitude {
                    return Err(format_mismatch(part, "LOCATION"));
                }
                Ok((None, None))
            }
            _ => Ok((None, None)),
        }
    }
}

/// The customer taps quick-reply button `choice` (its text, or its index as a number) of a sent
/// template, on carousel card `card` or on the message itself: the `button` webhook carries the
/// payload the business gave that button at send time, or the button's text when it gave none.
pub fn quick_reply(content: &Outgoing, choice: &str, card: Option<usize>) -> Option<Incoming> {
    let Outgoing::Template { buttons, cards, .. } = content else {
        return None;
    };
    let buttons = match card {
        Some(i) => &cards.iter().find(|c| c.card_index == i)?.buttons,
        None => buttons,
    };
    let (_, button) = buttons
        .iter()
        .enumerate()
        .find(|(i, b)| b.kind == "quick_reply" && (b.text == choice || i.to_string() == choice))?;
    Some(Incoming::TemplateButton {
        payload: button
            .payload
            .clone()
            .unwrap_or_else(|| button.text.clone()),
        text: button.text.clone(),
    })
}
