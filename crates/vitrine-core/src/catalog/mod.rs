//! The catalog (inventory) API's rules: product fields in API and feed-spec names, read-side
//! rendering, Meta's filter rules, and batch jobs (spec §10).

pub mod batch;
pub mod feed;
pub mod fields;
pub mod filter;
pub mod price;
