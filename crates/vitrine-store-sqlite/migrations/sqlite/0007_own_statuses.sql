-- The statuses a business message has when it is accepted (normally `sent` and `delivered`,
-- scheduled; or `failed`) are kept in its row, as a JSON array of {"status", "at", "errors"?}
-- (vitrine_core::store::packed::pack_own_statuses), instead of as one `message_statuses` row
-- and index entry each: on the send path that was two rows per message. Statuses that come
-- later (`read`, a later `failed`) are still rows of `message_statuses`, and so are all the
-- statuses of messages written before (whose `statuses` is NULL). Forward-only; the other
-- backend's folder has the same file names.
ALTER TABLE messages ADD COLUMN statuses TEXT;
