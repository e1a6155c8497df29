-- Vitrine schema, version 1. Forward-only; the PostgreSQL folder has the same file names.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE businesses (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE apps (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    secret                  TEXT NOT NULL,
    verify_token            TEXT NOT NULL,
    require_appsecret_proof INTEGER NOT NULL
);

CREATE TABLE tokens (
    token       TEXT PRIMARY KEY,
    business_id TEXT NOT NULL,
    app_id      TEXT NOT NULL,
    scopes      TEXT NOT NULL,   -- comma-separated scope names
    expires_at  INTEGER          -- sandbox milliseconds
);

CREATE TABLE wabas (
    id          TEXT PRIMARY KEY,
    business_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    catalog_id  TEXT
);

CREATE TABLE phone_numbers (
    id                   TEXT PRIMARY KEY,
    waba_id              TEXT NOT NULL,
    display_phone_number TEXT NOT NULL,
    verified_name        TEXT NOT NULL,
    commerce_id          TEXT NOT NULL,
    is_cart_enabled      INTEGER NOT NULL,
    is_catalog_visible   INTEGER NOT NULL,
    commerce_saved       INTEGER NOT NULL
);

CREATE TABLE catalogs (
    id          TEXT PRIMARY KEY,
    business_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    vertical    TEXT NOT NULL
);

CREATE TABLE products (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    catalog_id  TEXT NOT NULL,
    retailer_id TEXT NOT NULL,
    data        TEXT NOT NULL,   -- the product's fields as JSON
    UNIQUE (catalog_id, retailer_id)
);

CREATE TABLE messages (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    wamid           TEXT NOT NULL UNIQUE,
    phone_number_id TEXT NOT NULL,
    wa_id           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    record          TEXT NOT NULL   -- the message record as JSON
);

CREATE INDEX messages_by_phone ON messages (phone_number_id, seq);
CREATE INDEX messages_by_customer ON messages (wa_id, seq);
