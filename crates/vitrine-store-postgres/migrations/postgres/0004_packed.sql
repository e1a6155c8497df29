-- Business messages and webhooks in less space (vitrine_core::store::packed). Rows written
-- before stay as they are and are read as before; new rows leave the old columns empty.
-- Forward-only; the PostgreSQL folder has the same file names.

-- Each version of a product that a message showed, once: messages refer to it by its key (the
-- hash of `data`), and keep showing it after the product changes.
CREATE TABLE product_snapshots (
    key  TEXT PRIMARY KEY,
    data TEXT NOT NULL      -- the snapshot as JSON
);

-- The record, packed (`record` is then ''), without what the other columns hold.
ALTER TABLE messages ADD COLUMN packed BYTEA;

-- A status names its message by `message_seq` (`wamid` is then '').
ALTER TABLE message_statuses ADD COLUMN message_seq BIGINT;
DROP INDEX message_statuses_by_wamid;
CREATE INDEX message_statuses_by_wamid ON message_statuses (wamid, at) WHERE wamid <> '';
CREATE INDEX message_statuses_by_message ON message_statuses (message_seq, at)
    WHERE message_seq IS NOT NULL;

-- The wamid, signatures and body, packed (`wamid` is then NULL, `body` and the signatures
-- empty); `wamid_key` finds a webhook by wamid.
ALTER TABLE webhooks ADD COLUMN packed BYTEA;
ALTER TABLE webhooks ADD COLUMN wamid_key BIGINT;
DROP INDEX webhooks_by_wamid;
CREATE INDEX webhooks_by_wamid ON webhooks (wamid) WHERE wamid IS NOT NULL;
CREATE INDEX webhooks_by_wamid_key ON webhooks (wamid_key) WHERE wamid_key IS NOT NULL;
