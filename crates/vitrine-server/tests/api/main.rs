#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Integration tests through the real router: every rule of POST /messages, Graph routing and
//! auth, and the /_vitrine/ API. One binary (link time dominates on small machines).

mod support;

mod auth_and_routing;
mod carts;
mod catalog;
mod concurrency;
mod customers;
mod forwarding;
mod guide;
mod inbound;
mod isolation;
mod limits;
mod media;
mod messages_interactive;
mod messages_media;
mod messages_product;
mod messages_text;
mod metrics;
mod openapi;
mod proxy;
mod read_receipts;
mod request_limits;
mod sandbox_api;
mod scenarios;
mod shopping;
mod template_kinds;
mod templates;
mod ui;
mod webhooks;
