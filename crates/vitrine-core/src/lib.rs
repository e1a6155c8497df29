//! Vitrine's rules and state. No HTTP, no SQL: the server and the stores depend on this crate,
//! never the other way round.

pub mod auth;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod clock;
pub mod commerce;
pub mod directory;
pub mod error;
pub mod forward;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzz;
pub mod hosts;
pub mod id;
pub mod ids;
pub mod inbound;
pub mod limits;
pub mod media;
pub mod message;
pub mod model;
pub mod sandbox;
pub mod seed;
pub mod settings;
pub mod store;
pub mod telemetry;
pub mod template;
pub mod template_send;
pub mod usecase;
pub mod validate;
pub mod webhook;

pub use error::{ApiError, ErrorKind};
pub use sandbox::{Sandbox, SandboxOptions};
