//! The group-commit writer's transactions on SQLite (`crates/sql/writer.rs`).

use sqlx::SqliteConnection as Conn;

/// Takes the write lock at once, so a batch never fails half-way on a busy database.
const BEGIN: &str = "BEGIN IMMEDIATE";
/// `rows::insert_messages` is a statement per table: a batch of new messages needs its
/// transaction.
const MESSAGES_IN_ONE_STATEMENT: bool = false;

include!("../../sql/writer.rs");
