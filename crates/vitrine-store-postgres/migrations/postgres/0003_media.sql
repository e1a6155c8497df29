-- Media (uploads and files customers send), read receipts of the business, and messages
-- customers forward to one another. Forward-only; the SQLite folder has the same file names.

-- A media is visible once `state` is 'ready'; until then its chunks are being written.
CREATE TABLE media (
    id              TEXT PRIMARY KEY,
    phone_number_id TEXT NOT NULL,
    mime_type       TEXT NOT NULL,
    sha256          TEXT NOT NULL,      -- lowercase hex
    file_size       BIGINT NOT NULL,
    filename        TEXT,
    animated        BOOLEAN NOT NULL,
    origin          TEXT NOT NULL,      -- upload | inbound
    state           TEXT NOT NULL,      -- uploading | ready
    created_at      BIGINT NOT NULL,    -- sandbox ms
    expires_at      BIGINT NOT NULL,    -- sandbox ms
    url_secret      TEXT NOT NULL,
    started_wall    BIGINT  NOT NULL    -- wall ms: unfinished uploads are removed after a while
);

CREATE INDEX media_by_expiry ON media (expires_at);

-- The bytes, in chunks of 1 MiB (the last one shorter).
CREATE TABLE media_chunks (
    media_id TEXT NOT NULL,
    seq      BIGINT  NOT NULL,
    data     BYTEA NOT NULL,
    PRIMARY KEY (media_id, seq)
);

-- What the business did with a customer's messages: marked them read up to a time (the
-- customer's ticks turn blue), and when it last showed the typing indicator.
CREATE TABLE thread_reads (
    phone_number_id TEXT NOT NULL,
    wa_id           TEXT NOT NULL,
    read_up_to      BIGINT NOT NULL,    -- sandbox ms: messages sent up to then are read
    typing_at       BIGINT,             -- sandbox ms
    changed         BIGINT NOT NULL,    -- grows with every change, for watchers
    PRIMARY KEY (phone_number_id, wa_id)
);

CREATE INDEX thread_reads_by_change ON thread_reads (changed);

-- Messages customers forwarded to one another (chats between WhatsApp users: no webhook).
CREATE TABLE peer_messages (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    from_wa_id TEXT NOT NULL,
    to_wa_id   TEXT NOT NULL,
    created_at BIGINT NOT NULL,    -- sandbox ms
    record     TEXT NOT NULL       -- the message as JSON
);

CREATE INDEX peer_messages_to ON peer_messages (to_wa_id, seq);
CREATE INDEX peer_messages_from ON peer_messages (from_wa_id, seq);
