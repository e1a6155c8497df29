//! Serde mirror of the JSON that Meta's WhatsApp Cloud API (Graph API) sends and accepts.
//!
//! Request types are lenient: fields that look required are `Option`, so deserializing fails only
//! on malformed JSON or on a value of the wrong JSON type. Meta reports the first problem of a
//! request with its own code, in its own order; `vitrine-core::validate` does that, not serde.
//! Response types are exact: field order matches what Meta sends.
//!
//! No I/O, no HTTP framework, no SQL.

pub mod catalog;
pub mod error;
pub mod graph;
pub mod lenient;
pub mod media;
pub mod messages;
pub mod params;
pub mod subscriptions;
pub mod templates;
pub mod webhooks;
