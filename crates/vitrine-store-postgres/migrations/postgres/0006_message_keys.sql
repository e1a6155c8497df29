-- Business messages are found by a key of their wamid in the order wamids are made
-- (vitrine_core::store::packed::wamid_key), checked against the wamid itself, instead of by a
-- unique index on the wamid's text: that text starts with the customer's number, so messages to
-- many customers landed on as many pages of the index, each written at every commit. Rows from
-- before have no key and are still found by their wamid (a partial index of them alone).
-- The key is unique as the wamid was: a wamid sent twice is refused.
-- Forward-only; the SQLite folder has the same file names.
ALTER TABLE messages DROP CONSTRAINT messages_wamid_key;
ALTER TABLE messages ADD COLUMN wamid_key BIGINT;
CREATE UNIQUE INDEX messages_by_wamid_key ON messages (wamid_key) WHERE wamid_key IS NOT NULL;
CREATE UNIQUE INDEX messages_by_wamid ON messages (wamid) WHERE wamid_key IS NULL;
