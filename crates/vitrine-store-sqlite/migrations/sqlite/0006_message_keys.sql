-- Business messages are found by a key of their wamid in the order wamids are made
-- (vitrine_core::store::packed::wamid_key), checked against the wamid itself, instead of by a
-- unique index on the wamid's text: that text starts with the customer's number, so messages to
-- many customers landed on as many pages of the index, and every group commit wrote one page
-- per message. Rows from before have no key and are still found by their wamid (a partial
-- index of them alone). The key is unique as the wamid was: a wamid sent twice is refused. The
-- table is made again without the inline UNIQUE, which SQLite cannot drop. Forward-only; the
-- PostgreSQL folder has the same file names.
CREATE TABLE messages_keyed (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    wamid           TEXT NOT NULL,
    phone_number_id TEXT NOT NULL,
    wa_id           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    record          TEXT NOT NULL,   -- the message record as JSON (empty when packed)
    packed          BLOB,
    accepted        INTEGER,
    wamid_key       INTEGER
);
INSERT INTO messages_keyed (seq, wamid, phone_number_id, wa_id, created_at, record, packed, accepted)
    SELECT seq, wamid, phone_number_id, wa_id, created_at, record, packed, accepted FROM messages;
DROP TABLE messages;
ALTER TABLE messages_keyed RENAME TO messages;

CREATE INDEX messages_by_phone ON messages (phone_number_id, seq);
CREATE INDEX messages_by_customer ON messages (wa_id, seq);
CREATE UNIQUE INDEX messages_by_wamid_key ON messages (wamid_key) WHERE wamid_key IS NOT NULL;
CREATE UNIQUE INDEX messages_by_wamid ON messages (wamid) WHERE wamid_key IS NULL;
