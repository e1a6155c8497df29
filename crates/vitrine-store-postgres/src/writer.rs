//! The group-commit writer's transactions on PostgreSQL (`crates/sql/writer.rs`).

use sqlx::PgConnection as Conn;

const BEGIN: &str = "BEGIN";

include!("../../sql/writer.rs");
