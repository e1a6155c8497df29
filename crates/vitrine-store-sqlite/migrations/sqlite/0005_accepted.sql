-- The order in which messages were accepted, the business's and the customers' alike: one
-- counter both tables draw from in the transaction that writes the message (the one SQLite
-- writer takes its numbers in turn). Conversations follow it, not the sandbox time, which may
-- stand still. Rows written before have none and keep their order by time, before all others.
-- Forward-only; the PostgreSQL folder has the same file names.
CREATE TABLE message_order (
    value INTEGER NOT NULL   -- the last number taken
);
INSERT INTO message_order (value) VALUES (0);

ALTER TABLE messages ADD COLUMN accepted INTEGER;
ALTER TABLE inbound_messages ADD COLUMN accepted INTEGER;
