//! Sending a template (spec §3, §11 step 5): the stored template is looked up by name and
//! language, its variables filled from the send's components, its commerce parameters checked
//! against the connected catalog (product headers, catalog and MPM buttons, product cards) and
//! its checkout order checked (§3.7). The result is what the customer sees: texts, media,
//! buttons, carousel cards and the order, with the products it shows.

use crate::clock::Millis;
use crate::commerce::{self, MpmNoMatchDetails, CHECK_CATALOG_LINKED, PRODUCTS_NOT_FOUND};
use crate::directory::{CatalogIndex, Directory};
use crate::error::{ApiError, ErrorKind};
use crate::inbound::Incoming;
use crate::message::{
    CheckoutOrder, Header, MediaRef, Outgoing, ProductSnapshot, Resolved, TemplateButton,
    TemplateCard,
};
use crate::model::PhoneNumber;
use crate::template::{variables, Template, TemplateStatus};
use serde_json::Value;

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

fn lower(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// An int, or a numeric string, as `index` and `card_index` are sent.
fn index_of(v: &Value) -> Option<usize> {
    v.as_u64()
        .map(|n| n as usize)
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// The component of `kind` (case-insensitive) among `components`.
fn component<'a>(components: &'a [Value], kind: &str) -> Option<&'a Value> {
    components.iter().find(|c| lower(c, "type") == kind)
}

fn params_of(c: Option<&Value>) -> Vec<Value> {
    c.and_then(|c| c["parameters"].as_array().cloned())
        .unwrap_or_default()
}

/// The `button` component a send gave for the template's button `index`.
fn sent_button(components: &[Value], index: usize) -> Option<&Value> {
    components
        .iter()
        .find(|c| lower(c, "type") == "button" && c.get("index").and_then(index_of) == Some(index))
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

fn count_mismatch(part: &str, given: usize, expected: usize) -> ApiError {
    ApiError::new(ErrorKind::TemplateParamCount).with_details(format!(
        "{part}: number of localizable_params ({given}) does not match the expected number of params ({expected})"
    ))
}

fn format_mismatch(part: &str, expected: &str) -> ApiError {
    ApiError::new(ErrorKind::TemplateParamFormat)
        .with_details(format!("{part}: Format mismatch, expected {expected}"))
}

/// Fills `text`'s variables from `params` (positional `{{1}}` or named `{{name}}`).
fn hydrate(part: &str, text: &str, params: &[Value], named: bool) -> Result<String, ApiError> {
    let vars = variables(text);
    if vars.len() != params.len() {
        return Err(count_mismatch(part, params.len(), vars.len()));
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
        let value = p
            .and_then(param_text)
            .ok_or_else(|| format_mismatch(part, &format!("TEXT for {{{{{var}}}}}")))?;
        if value.contains('\n') || value.contains('\t') || value.contains("     ") {
            return Err(ApiError::new(ErrorKind::TemplateFormatPolicy).with_details(format!(
                "{part}: Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
            )));
        }
        out = out.replacen(&format!("{{{{{var}}}}}"), &value, 1);
    }
    Ok(out)
}

fn too_long(part: &str, max: usize) -> ApiError {
    ApiError::new(ErrorKind::TemplateTextTooLong).with_details(format!(
        "{part}: hydrated text is longer than {max} characters"
    ))
}

/// Looks up `name`/`language` among the WABA's templates; only an approved one can be sent.
pub fn find<'a>(
    dir: &'a Directory,
    waba_id: &str,
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
    let tpl = |kind: &str| component(&t.components, kind);

    let body_text = tpl("body").and_then(|b| b["text"].as_str()).unwrap_or("");
    let body = hydrate(
        "body",
        body_text,
        &params_of(component(&components, "body")),
        h.named,
    )?;
    if body.chars().count() > 1024 {
        return Err(too_long("body", 1024));
    }
    let (header, header_media) =
        h.header("header", tpl("header"), component(&components, "header"))?;
    let footer = tpl("footer")
        .and_then(|f| f["text"].as_str())
        .map(str::to_owned);
    let buttons = h.buttons("", &buttons_of(tpl("buttons")), &components)?;
    let cards = match tpl("carousel") {
        Some(c) => h.carousel(c, component(&components, "carousel"))?,
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

fn buttons_of(c: Option<&Value>) -> Vec<Value> {
    c.and_then(|b| b["buttons"].as_array().cloned())
        .unwrap_or_default()
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
    fn product(&self, rid: &str) -> Result<ProductSnapshot, ApiError> {
        commerce::snapshot(self.catalog()?, rid)
    }

    /// A template header (`tpl`) filled from the send's header component: a TEXT header's
    /// text, an IMAGE/VIDEO/DOCUMENT header's media; a PRODUCT header adds its product.
    fn header(
        &mut self,
        part: &str,
        tpl: Option<&Value>,
        sent: Option<&Value>,
    ) -> Result<(Option<String>, Option<Header>), ApiError> {
        let Some(tpl) = tpl else {
            return Ok((None, None));
        };
        let params = params_of(sent);
        match lower(tpl, "format").as_str() {
            "text" => {
                let text = hydrate(
                    part,
                    tpl["text"].as_str().unwrap_or(""),
                    &params,
                    self.named,
                )?;
                if text.chars().count() > 60 {
                    return Err(too_long(part, 60));
                }
                Ok((Some(text), None))
            }
            "product" => {
                let rid = self.product_param(part, &params)?;
                let snap = self.product(&rid)?;
                self.resolved.products.push(snap);
                Ok((None, None))
            }
            format @ ("image" | "video" | "document") => {
                Ok((None, Some(media_param(part, format, &params)?)))
            }
            "location" => {
                let p = one_param(part, &params)?;
                let loc = &p["location"];
                if lower(p, "type") != "location"
                    || !loc["latitude"].is_number() && !loc["latitude"].is_string()
                {
                    return Err(format_mismatch(part, "LOCATION"));
                }
                Ok((None, None))
            }
            _ => Ok((None, None)),
        }
    }

    /// The retailer id of a `product` parameter, which must name the connected catalog.
    fn product_param(&self, part: &str, params: &[Value]) -> Result<String, ApiError> {
        let p = one_param(part, params)?;
        if lower(p, "type") != "product" {
            return Err(format_mismatch(part, "PRODUCT"));
        }
        let rid = p["product"]["product_retailer_id"]
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ApiError::missing(&format!(
                    "{part}['parameters'][0]['product']['product_retailer_id']"
                ))
            })?;
        let catalog_id = p["product"]["catalog_id"].as_str().unwrap_or("");
        if self.catalog()?.catalog.id != catalog_id {
            return Err(ApiError::invalid_value(PRODUCTS_NOT_FOUND));
        }
        Ok(rid.to_owned())
    }

    /// The template's buttons (`tpl`), filled from the send's `button` components (`sent`).
    fn buttons(
        &mut self,
        part: &str,
        tpl: &[Value],
        sent: &[Value],
    ) -> Result<Vec<TemplateButton>, ApiError> {
        let mut out = vec![];
        for (index, b) in tpl.iter().enumerate() {
            let given = sent_button(sent, index);
            let params = params_of(given);
            let part = format!("{part}button at index {index}");
            let kind = lower(b, "type");
            let mut button = TemplateButton {
                kind: kind.clone(),
                text: b["text"].as_str().unwrap_or("").to_owned(),
                payload: None,
                url: None,
                phone_number: None,
                coupon_code: None,
            };
            match kind.as_str() {
                "quick_reply" => {
                    button.payload = params
                        .first()
                        .and_then(|p| p["payload"].as_str())
                        .map(str::to_owned);
                }
                "url" => {
                    let url = b["url"].as_str().unwrap_or("");
                    button.url = Some(hydrate(&part, url, &params, false)?);
                }
                "phone_number" => {
                    button.phone_number = b["phone_number"].as_str().map(str::to_owned);
                }
                "copy_code" => {
                    let p = one_param(&part, &params)?;
                    let code = p["coupon_code"]
                        .as_str()
                        .filter(|_| lower(p, "type") == "coupon_code")
                        .ok_or_else(|| format_mismatch(&part, "COUPON_CODE"))?;
                    if code.chars().count() > 15 {
                        return Err(too_long(&part, 15));
                    }
                    button.coupon_code = Some(code.to_owned());
                }
                "catalog" => {
                    let thumb = params
                        .first()
                        .and_then(|p| p["action"]["thumbnail_product_retailer_id"].as_str());
                    let snap = commerce::thumbnail(self.catalog()?, thumb)?;
                    self.resolved.products.push(snap);
                }
                "mpm" => self.mpm(index, params.first())?,
                "order_details" => {
                    let action = params.first().map(|p| &p["action"]);
                    let od = action
                        .map(|a| &a["order_details"])
                        .filter(|od| od.is_object())
                        .ok_or_else(|| {
                            ApiError::missing(&format!(
                                "components[button index {index}]['parameters'][0]['action']['order_details']"
                            ))
                        })?;
                    self.order = Some(Box::new(crate::checkout::order_details(
                        od,
                        self.options.now,
                    )?));
                }
                _ => {}
            }
            out.push(button);
        }
        Ok(out)
    }

    /// An MPM button's sections: unmatched products dropped as for MPM messages.
    fn mpm(&mut self, index: usize, param: Option<&Value>) -> Result<(), ApiError> {
        let catalog = self.catalog()?;
        let action = param.map(|p| p["action"].clone()).unwrap_or(Value::Null);
        let thumb = action["thumbnail_product_retailer_id"].as_str().ok_or_else(|| {
            ApiError::missing(&format!(
                "components[button index {index}]['parameters'][0]['action']['thumbnail_product_retailer_id']"
            ))
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
        let items = commerce::match_items(
            catalog,
            rids.iter().map(String::as_str).filter(|r| seen.insert(*r)),
            self.options.mpm_no_match,
        )?;
        self.resolved
            .products
            .push(commerce::snapshot(catalog, thumb)?);
        self.resolved.products.extend(items.products);
        self.resolved
            .dropped_retailer_ids
            .extend(items.dropped_retailer_ids);
        Ok(())
    }

    /// A carousel's cards: product cards (a product header and SPM or URL buttons) or media cards
    /// (image/video header, body, buttons), in `card_index` order.
    fn carousel(
        &mut self,
        tpl: &Value,
        sent: Option<&Value>,
    ) -> Result<Vec<TemplateCard>, ApiError> {
        let tpl_cards = tpl["cards"].as_array().cloned().unwrap_or_default();
        let Some(first) = tpl_cards.first() else {
            return Ok(vec![]);
        };
        let first_comps = first["components"].as_array().cloned().unwrap_or_default();
        let products =
            component(&first_comps, "header").is_some_and(|h| lower(h, "format") == "product");
        let sent_cards = sent
            .and_then(|c| c["cards"].as_array().cloned())
            .unwrap_or_default();
        let exact = !products || self.options.product_carousel_exact_cards;
        let count_ok = if exact {
            sent_cards.len() == tpl_cards.len()
        } else {
            (1..=CAROUSEL_CARDS_MAX).contains(&sent_cards.len())
        };
        if !count_ok {
            let expected = if exact {
                tpl_cards.len().to_string()
            } else {
                format!("1 to {CAROUSEL_CARDS_MAX}")
            };
            return Err(ApiError::new(ErrorKind::TemplateParamCount).with_details(format!(
                "carousel: number of cards ({}) does not match the expected number of cards ({expected})",
                sent_cards.len()
            )));
        }
        let mut ordered: Vec<Option<&Value>> = vec![None; sent_cards.len()];
        for (pos, card) in sent_cards.iter().enumerate() {
            let i = match card.get("card_index") {
                Some(v) => index_of(v).ok_or_else(|| {
                    ApiError::invalid_value(format!(
                        "carousel['cards'][{pos}]['card_index'] must be a number."
                    ))
                })?,
                None => pos,
            };
            match ordered.get_mut(i) {
                Some(slot @ None) => *slot = Some(card),
                _ => {
                    return Err(ApiError::invalid_value(format!(
                        "carousel: card_index {i} is repeated or out of range 0 to {}.",
                        sent_cards.len() - 1
                    )))
                }
            }
        }
        let mut out = vec![];
        // Every slot holds exactly one card: as many indexes as cards, none repeated.
        for (i, card) in ordered.into_iter().flatten().enumerate() {
            let part = format!("card {i} ");
            let tpl_card = tpl_cards.get(i).unwrap_or(first);
            let tc = tpl_card["components"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let sc = card["components"].as_array().cloned().unwrap_or_default();
            let header = component(&tc, "header");
            let sent_header = component(&sc, "header");
            let mut view = TemplateCard {
                card_index: i,
                product_retailer_id: None,
                header_media: None,
                body: None,
                buttons: vec![],
            };
            if products {
                let rid = self.product_param(&format!("{part}header"), &params_of(sent_header))?;
                let snap = self.product(&rid)?;
                self.resolved.products.push(snap);
                view.product_retailer_id = Some(rid);
            } else {
                view.header_media = self
                    .header(&format!("{part}header"), header, sent_header)?
                    .1;
            }
            if let Some(body) = component(&tc, "body") {
                let text = hydrate(
                    &format!("{part}body"),
                    body["text"].as_str().unwrap_or(""),
                    &params_of(component(&sc, "body")),
                    self.named,
                )?;
                if text.chars().count() > CARD_BODY_MAX {
                    return Err(too_long(&format!("{part}body"), CARD_BODY_MAX));
                }
                view.body = Some(text);
            }
            view.buttons = self.buttons(&part, &buttons_of(component(&tc, "buttons")), &sc)?;
            out.push(view);
        }
        Ok(out)
    }
}

/// The single parameter a header or a button takes.
fn one_param<'a>(part: &str, params: &'a [Value]) -> Result<&'a Value, ApiError> {
    match params {
        [p] => Ok(p),
        _ => Err(count_mismatch(part, params.len(), 1)),
    }
}

/// An image, video or document parameter of the header's format, by `id` or `link`.
fn media_param(part: &str, format: &str, params: &[Value]) -> Result<Header, ApiError> {
    let p = one_param(part, params)?;
    if lower(p, "type") != format {
        return Err(format_mismatch(part, &format.to_ascii_uppercase()));
    }
    let media = &p[format];
    let reference = if let Some(id) = media["id"].as_str().filter(|s| !s.is_empty()) {
        MediaRef::Id(id.to_owned())
    } else if let Some(link) = media["link"].as_str().filter(|s| !s.is_empty()) {
        if !(link.starts_with("https://") || link.starts_with("http://")) {
            return Err(ApiError::invalid_value(format!(
                "{part}: {format} link must be an http(s) URL."
            )));
        }
        MediaRef::Link(link.to_owned())
    } else {
        return Err(ApiError::missing(&format!(
            "{part}['parameters'][0]['{format}']['id' or 'link']"
        )));
    };
    Ok(match format {
        "image" => Header::Image { media: reference },
        "video" => Header::Video { media: reference },
        _ => Header::Document { media: reference },
    })
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
