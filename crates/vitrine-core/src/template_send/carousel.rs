//! Carousel cards: product cards (a product header and SPM or URL buttons) or media cards
//! (image/video header, body, buttons), matched to the template's cards by `card_index`.

use super::params::{hydrate, too_long};
use super::{buttons_of, CARD_BODY_MAX, CAROUSEL_CARDS_MAX};
use super::{card_parts, def_part, lower, params_of, sent_part, Hydrator};
use crate::error::{ApiError, ErrorKind};
use crate::message::TemplateCard;
use vitrine_wire::lenient::{Lenient, Object};
use vitrine_wire::messages::template as sent;
use vitrine_wire::templates::components as def;

/// Where a sent card goes: its `card_index` (a number or its text), or its position when it
/// gives none.
fn card_index(card: &Lenient<Object<sent::Card>>, pos: usize) -> Result<usize, ApiError> {
    let given = match card.get() {
        Some(c) if !c.card_index.is_absent() => c.card_index.get(),
        _ => return Ok(pos),
    };
    given.and_then(|i| i.index()).ok_or_else(|| {
        ApiError::invalid_value(format!(
            "carousel['cards'][{pos}]['card_index'] must be a number."
        ))
    })
}

/// A stored card's components; none when the card is not an object.
fn components_of(card: &Lenient<Object<def::Card>>) -> &[Lenient<Object<def::Component>>] {
    card.get().map_or(&[], |c| c.components.items())
}

impl Hydrator<'_> {
    /// A carousel's cards, in `card_index` order.
    pub(super) fn carousel(
        &mut self,
        tpl: &def::Component,
        sent: Option<&sent::Component>,
    ) -> Result<Vec<TemplateCard>, ApiError> {
        let tpl_cards = tpl.cards.items();
        let Some(first) = tpl_cards.first() else {
            return Ok(vec![]);
        };
        let products = def_part(card_parts(components_of(first)), "header")
            .is_some_and(|h| lower(&h.format) == "product");
        let sent_cards = sent.map_or(&[][..], |c| c.cards.items());
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
        let mut ordered: Vec<Option<&Lenient<Object<sent::Card>>>> = vec![None; sent_cards.len()];
        for (pos, card) in sent_cards.iter().enumerate() {
            let i = card_index(card, pos)?;
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
            let tc = components_of(tpl_cards.get(i).unwrap_or(first));
            let sc = card.get().map_or(&[][..], |c| c.components.items());
            let sent_header = sent_part(sc, "header");
            let mut view = TemplateCard {
                card_index: i,
                product_retailer_id: None,
                header_media: None,
                body: None,
                buttons: vec![],
            };
            if products {
                let rid = self.product_param(&format!("{part}header"), params_of(sent_header))?;
                let snap = self.product(&rid)?;
                self.resolved.products.push(snap);
                view.product_retailer_id = Some(rid);
            } else {
                let header = def_part(card_parts(tc), "header");
                view.header_media = self
                    .header(&format!("{part}header"), header, sent_header)?
                    .1;
            }
            if let Some(body) = def_part(card_parts(tc), "body") {
                let text = hydrate(
                    &format!("{part}body"),
                    body.text.str().unwrap_or(""),
                    params_of(sent_part(sc, "body")),
                    self.named,
                )?;
                if text.chars().count() > CARD_BODY_MAX {
                    return Err(too_long(&format!("{part}body"), CARD_BODY_MAX));
                }
                view.body = Some(text);
            }
            let buttons = buttons_of(def_part(card_parts(tc), "buttons"));
            view.buttons = self.buttons(&part, buttons, sc)?;
            out.push(view);
        }
        Ok(out)
    }
}
