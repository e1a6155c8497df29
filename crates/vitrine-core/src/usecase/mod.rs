//! Use-cases: load → apply rules → save. One file per resource.

pub mod carts;
pub mod catalog;
pub mod clock;
pub mod customer_messages;
pub mod customers;
pub mod forwards;
pub mod inspector;
pub mod media;
pub mod messages;
pub mod phone_numbers;
pub mod retention;
pub mod sandbox_info;
pub mod templates;
pub mod tokens;
pub mod webhooks;
