//! The group-commit writer's transactions on SQLite (`crates/sql/writer.rs`).

use sqlx::SqliteConnection as Conn;

/// Takes the write lock at once, so a batch never fails half-way on a busy database.
const BEGIN: &str = "BEGIN IMMEDIATE";

include!("../../sql/writer.rs");
