//! Wire → domain, in Meta's order, returning the first error with Meta's code.

pub mod send_message;

pub use send_message::{send_message, SendOptions};

use crate::error::ApiError;

/// Length in characters, as Meta counts them.
pub(crate) fn chars(s: &str) -> usize {
    s.chars().count()
}

/// `Some(s)` unless `s` is missing or blank.
pub(crate) fn present(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|v| !v.trim().is_empty())
}

/// 131009 "Param <path> must be at most <max> characters long."
pub(crate) fn too_long(path: &str, max: usize) -> ApiError {
    ApiError::invalid_value(format!(
        "Param {path} must be at most {max} characters long."
    ))
}

/// Checks an optional text against a maximum length.
pub(crate) fn max_len(value: Option<&str>, path: &str, max: usize) -> Result<(), ApiError> {
    match value {
        Some(v) if chars(v) > max => Err(too_long(path, max)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod proptests;
