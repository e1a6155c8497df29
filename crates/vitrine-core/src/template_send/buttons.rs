//! A template's buttons, filled from the send's `button` components (matched by `index`):
//! quick-reply payloads, URL variables, coupon codes, the catalog thumbnail, MPM sections and
//! the checkout order.

use super::params::{format_mismatch, hydrate, one_param, too_long};
use super::{lower, params_of, Hydrator};
use crate::commerce;
use crate::error::ApiError;
use crate::id::RetailerId;
use crate::message::TemplateButton;
use vitrine_wire::lenient::{Lenient, NumberOrText, Object};
use vitrine_wire::messages::template as sent;
use vitrine_wire::templates::components as def;

/// The `button` component a send gave for the template's button `index`.
fn sent_button(
    components: &[Lenient<Object<sent::Component>>],
    index: usize,
) -> Option<&sent::Component> {
    components
        .iter()
        .filter_map(Lenient::get)
        .find(|c| {
            lower(&c.kind) == "button" && c.index.get().and_then(NumberOrText::index) == Some(index)
        })
        .map(|c| &**c)
}

/// The action of a button's first parameter.
fn first_action(params: &[Lenient<Object<sent::Parameter>>]) -> Option<&sent::Action> {
    params
        .first()
        .and_then(Lenient::get)
        .and_then(|p| p.action.get())
        .map(|a| &**a)
}

impl Hydrator<'_> {
    /// The template's buttons (`tpl`), filled from the send's `button` components (`sent`).
    pub(super) fn buttons(
        &mut self,
        part: &str,
        tpl: &[Lenient<Object<def::Button>>],
        sent: &[Lenient<Object<sent::Component>>],
    ) -> Result<Vec<TemplateButton>, ApiError> {
        let mut out = vec![];
        for (index, b) in tpl.iter().enumerate() {
            let params = params_of(sent_button(sent, index));
            let part = format!("{part}button at index {index}");
            let b = b.get();
            let kind = b.map(|b| lower(&b.kind)).unwrap_or_default();
            let field = |f: fn(&def::Button) -> &Lenient<String>| b.and_then(|b| f(b).str());
            let mut button = TemplateButton {
                kind: kind.clone(),
                text: field(|b| &b.text).unwrap_or("").to_owned(),
                payload: None,
                url: None,
                phone_number: None,
                coupon_code: None,
            };
            match kind.as_str() {
                "quick_reply" => {
                    button.payload = params
                        .first()
                        .and_then(Lenient::get)
                        .and_then(|p| p.payload.str())
                        .map(str::to_owned);
                }
                "url" => {
                    let url = field(|b| &b.url).unwrap_or("");
                    button.url = Some(hydrate(&part, url, params, false)?);
                }
                "phone_number" => {
                    button.phone_number = field(|b| &b.phone_number).map(str::to_owned);
                }
                "copy_code" => {
                    let p = one_param(&part, params)?.get();
                    let code = p
                        .filter(|p| lower(&p.kind) == "coupon_code")
                        .and_then(|p| p.coupon_code.str())
                        .ok_or_else(|| format_mismatch(&part, "COUPON_CODE"))?;
                    if code.chars().count() > 15 {
                        return Err(too_long(&part, 15));
                    }
                    button.coupon_code = Some(code.to_owned());
                }
                "catalog" => {
                    let thumb = first_action(params)
                        .and_then(|a| a.thumbnail_product_retailer_id.str())
                        .map(RetailerId::from);
                    let snap = commerce::thumbnail(self.catalog()?, thumb.as_ref())?;
                    self.resolved.products.push(snap);
                }
                "mpm" => self.mpm(index, first_action(params))?,
                "order_details" => {
                    let od = first_action(params)
                        .and_then(|a| a.order_details.get())
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
    fn mpm(&mut self, index: usize, action: Option<&sent::Action>) -> Result<(), ApiError> {
        let catalog = self.catalog()?;
        let thumb = action
            .and_then(|a| a.thumbnail_product_retailer_id.str())
            .map(RetailerId::from)
            .ok_or_else(|| {
                ApiError::missing(&format!(
                    "components[button index {index}]['parameters'][0]['action']['thumbnail_product_retailer_id']"
                ))
            })?;
        let sections = action.map_or(&[][..], |a| a.sections.items());
        if sections.is_empty() || sections.len() > 10 {
            return Err(ApiError::invalid_value(
                "An MPM button needs 1 to 10 sections.",
            ));
        }
        let rids: Vec<RetailerId> = sections
            .iter()
            .filter_map(Lenient::get)
            .flat_map(|s| s.product_items.items())
            .filter_map(Lenient::get)
            .filter_map(|i| i.product_retailer_id.str())
            .map(RetailerId::from)
            .collect();
        if rids.len() > 30 {
            return Err(ApiError::invalid_value(
                "An MPM button can hold at most 30 products.",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        let items = commerce::match_items(
            catalog,
            rids.iter().filter(|r| seen.insert(*r)),
            self.options.mpm_no_match,
        )?;
        self.resolved
            .products
            .push(commerce::snapshot(catalog, &thumb)?);
        self.resolved.products.extend(items.products);
        self.resolved
            .dropped_retailer_ids
            .extend(items.dropped_retailer_ids);
        Ok(())
    }
}
