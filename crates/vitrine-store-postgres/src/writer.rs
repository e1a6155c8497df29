//! The group-commit writer's transactions on PostgreSQL (`crates/sql/writer.rs`).

use sqlx::PgConnection as Conn;

const BEGIN: &str = "BEGIN";
/// `rows::insert_messages` is one statement: a batch of new messages alone is committed as that
/// statement outside a transaction block, one round trip instead of three.
const MESSAGES_IN_ONE_STATEMENT: bool = true;

include!("../../sql/writer.rs");
