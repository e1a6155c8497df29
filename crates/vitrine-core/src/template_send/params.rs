//! Texts and single parameters: variables filled from `text`/`currency`/`date_time`
//! parameters, media headers, product parameters, and the errors they answer with.

use super::{lower, Hydrator};
use crate::commerce::PRODUCTS_NOT_FOUND;
use crate::error::{ApiError, ErrorKind};
use crate::id::RetailerId;
use crate::message::{Header, MediaRef};
use crate::template::variables;
use vitrine_wire::lenient::{Lenient, Object};
use vitrine_wire::messages::template::Parameter;

type Param = Lenient<Object<Parameter>>;

/// The value a parameter puts in a text.
fn param_text(p: &Param) -> Option<String> {
    let p = p.get()?;
    let text = match lower(&p.kind).as_str() {
        "text" => p.text.str(),
        "currency" => p.currency.get().and_then(|c| c.fallback_value.str()),
        "date_time" => p.date_time.get().and_then(|d| d.fallback_value.str()),
        _ => None,
    };
    text.map(str::to_owned)
}

pub(super) fn count_mismatch(part: &str, given: usize, expected: usize) -> ApiError {
    ApiError::new(ErrorKind::TemplateParamCount).with_details(format!(
        "{part}: number of localizable_params ({given}) does not match the expected number of params ({expected})"
    ))
}

pub(super) fn format_mismatch(part: &str, expected: &str) -> ApiError {
    ApiError::new(ErrorKind::TemplateParamFormat)
        .with_details(format!("{part}: Format mismatch, expected {expected}"))
}

pub(super) fn too_long(part: &str, max: usize) -> ApiError {
    ApiError::new(ErrorKind::TemplateTextTooLong).with_details(format!(
        "{part}: hydrated text is longer than {max} characters"
    ))
}

/// Fills `text`'s variables from `params` (positional `{{1}}` or named `{{name}}`).
pub(super) fn hydrate(
    part: &str,
    text: &str,
    params: &[Param],
    named: bool,
) -> Result<String, ApiError> {
    let vars = variables(text);
    if vars.len() != params.len() {
        return Err(count_mismatch(part, params.len(), vars.len()));
    }
    let mut out = text.to_owned();
    for (i, var) in vars.iter().enumerate() {
        let p = if named {
            params
                .iter()
                .find(|p| p.get().and_then(|p| p.parameter_name.str()) == Some(var.as_str()))
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

/// The single parameter a header or a button takes.
pub(super) fn one_param<'a>(part: &str, params: &'a [Param]) -> Result<&'a Param, ApiError> {
    match params {
        [p] => Ok(p),
        _ => Err(count_mismatch(part, params.len(), 1)),
    }
}

/// An image, video or document parameter of the header's format, by `id` or `link`.
pub(super) fn media_param(part: &str, format: &str, params: &[Param]) -> Result<Header, ApiError> {
    let p = one_param(part, params)?.get();
    if p.map(|p| lower(&p.kind)).as_deref() != Some(format) {
        return Err(format_mismatch(part, &format.to_ascii_uppercase()));
    }
    let media = p.and_then(|p| match format {
        "image" => p.image.get(),
        "video" => p.video.get(),
        _ => p.document.get(),
    });
    let given = |field: fn(&vitrine_wire::messages::template::Media) -> &Lenient<String>| {
        media.and_then(|m| field(m).str()).filter(|s| !s.is_empty())
    };
    let reference = if let Some(id) = given(|m| &m.id) {
        MediaRef::Id(id.to_owned())
    } else if let Some(link) = given(|m| &m.link) {
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

impl Hydrator<'_> {
    /// The retailer id of a `product` parameter, which must name the connected catalog.
    pub(super) fn product_param(
        &self,
        part: &str,
        params: &[Param],
    ) -> Result<RetailerId, ApiError> {
        let p = one_param(part, params)?.get();
        if p.map(|p| lower(&p.kind)).as_deref() != Some("product") {
            return Err(format_mismatch(part, "PRODUCT"));
        }
        let product = p.and_then(|p| p.product.get());
        let rid = product
            .and_then(|p| p.product_retailer_id.str())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ApiError::missing(&format!(
                    "{part}['parameters'][0]['product']['product_retailer_id']"
                ))
            })?;
        let catalog_id = product.and_then(|p| p.catalog_id.str()).unwrap_or("");
        if self.catalog()?.catalog.id != catalog_id {
            return Err(ApiError::invalid_value(PRODUCTS_NOT_FOUND));
        }
        Ok(RetailerId::from(rid))
    }
}
