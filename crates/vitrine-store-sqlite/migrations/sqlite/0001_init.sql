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
    require_appsecret_proof INTEGER NOT NULL,
    -- The app's webhook subscription (object whatsapp_business_account), if any.
    callback_url            TEXT,
    callback_verify_token   TEXT,
    webhook_fields          TEXT,   -- comma-separated
    webhook_version         TEXT
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

CREATE TABLE waba_subscriptions (
    waba_id               TEXT NOT NULL,
    app_id                TEXT NOT NULL,
    override_callback_uri TEXT,
    verify_token          TEXT,
    PRIMARY KEY (waba_id, app_id)
);

CREATE TABLE phone_numbers (
    id                   TEXT PRIMARY KEY,
    waba_id              TEXT NOT NULL,
    display_phone_number TEXT NOT NULL,
    verified_name        TEXT NOT NULL,
    commerce_id          TEXT NOT NULL,
    is_cart_enabled      INTEGER NOT NULL,
    is_catalog_visible   INTEGER NOT NULL,
    commerce_saved       INTEGER NOT NULL,
    throughput_level     TEXT NOT NULL,      -- STANDARD | HIGH
    throughput_mps       INTEGER,             -- a custom limit
    throughput_unlimited INTEGER NOT NULL
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

-- What happened to each message, including statuses scheduled for later (sandbox time).
CREATE TABLE message_statuses (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    wamid  TEXT NOT NULL,
    status TEXT NOT NULL,
    at     INTEGER NOT NULL,
    errors TEXT              -- JSON array of webhook error objects
);

CREATE INDEX message_statuses_by_wamid ON message_statuses (wamid, at);

-- The webhook outbox: each row's body is the exact bytes sent on every attempt.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id          TEXT NOT NULL,
    waba_id         TEXT NOT NULL,
    url             TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    wamid           TEXT,
    status          TEXT,
    body            BLOB NOT NULL,
    signature_256   TEXT NOT NULL,
    signature_1     TEXT NOT NULL,
    state           TEXT NOT NULL,      -- pending | delivered | dead
    attempt_count   INTEGER NOT NULL DEFAULT 0,
    due_at          INTEGER NOT NULL,   -- sandbox ms
    next_attempt_at INTEGER,            -- sandbox ms, while pending
    leased_until    INTEGER,            -- wall ms, while a dispatcher holds it
    delivered_at    INTEGER             -- sandbox ms
);

CREATE INDEX webhooks_pending ON webhooks (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhooks_by_wamid ON webhooks (wamid);

CREATE TABLE webhook_attempts (
    webhook_id  INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    at          INTEGER NOT NULL,   -- sandbox ms
    http_status INTEGER,
    latency_ms  INTEGER NOT NULL,
    response    TEXT,
    error       TEXT,
    PRIMARY KEY (webhook_id, number)
);

-- Every change to the directory after the seed, in order: other nodes follow this log.
CREATE TABLE directory_changes (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    change TEXT NOT NULL   -- the change as JSON
);

-- Nodes sharing the database, for limits shared among them.
CREATE TABLE nodes (
    id           TEXT PRIMARY KEY,
    heartbeat_at INTEGER NOT NULL   -- wall ms
);

-- items_batch requests, processed asynchronously on the sandbox clock.
CREATE TABLE catalog_batches (
    handle       TEXT PRIMARY KEY,
    catalog_id   TEXT NOT NULL,
    requests     TEXT NOT NULL,      -- the requests as JSON
    allow_upsert INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,     -- sandbox ms
    status       TEXT NOT NULL,      -- started | finished
    result       TEXT,               -- per-item errors as JSON, once finished
    leased_until INTEGER              -- wall ms, while a node processes it
);

-- Simulated customers, and when each last wrote to each business number (the 24-hour window).
CREATE TABLE customers (
    wa_id TEXT PRIMARY KEY,
    data  TEXT NOT NULL   -- the customer as JSON
);

CREATE TABLE windows (
    phone_number_id TEXT NOT NULL,
    wa_id           TEXT NOT NULL,
    last_inbound_at INTEGER NOT NULL,   -- sandbox ms
    PRIMARY KEY (phone_number_id, wa_id)
);

-- Messages customers sent to businesses.
CREATE TABLE inbound_messages (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    wamid           TEXT NOT NULL UNIQUE,
    phone_number_id TEXT NOT NULL,
    wa_id           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    record          TEXT NOT NULL   -- the message as JSON
);

CREATE INDEX inbound_by_pair ON inbound_messages (phone_number_id, wa_id, seq);

-- One cart per (business number, customer, device).
CREATE TABLE carts (
    phone_number_id TEXT NOT NULL,
    wa_id           TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    data            TEXT NOT NULL,   -- the cart as JSON
    PRIMARY KEY (phone_number_id, wa_id, device_id)
);

-- Message templates.
CREATE TABLE templates (
    id      TEXT PRIMARY KEY,
    waba_id TEXT NOT NULL,
    status  TEXT NOT NULL,
    data    TEXT NOT NULL   -- the template as JSON
);
