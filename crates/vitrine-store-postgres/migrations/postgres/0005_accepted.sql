-- The order in which messages were accepted, the business's and the customers' alike: one
-- sequence both tables draw from in the transaction that writes the message, shared by every
-- node on this database. Conversations follow it, not the sandbox time, which may stand still.
-- Rows written before have none and keep their order by time, before all others.
-- Forward-only; the SQLite folder has the same file names.
CREATE SEQUENCE message_order;

ALTER TABLE messages ADD COLUMN accepted BIGINT;
ALTER TABLE inbound_messages ADD COLUMN accepted BIGINT;
