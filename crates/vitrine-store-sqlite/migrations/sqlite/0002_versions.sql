-- The version of every directory entity changed since the seed: the change-log number of its
-- last change. A commit computed from what was read is refused when a version it read moved
-- (compare-and-set), so concurrent read-modify-writes never lose an update.
CREATE TABLE versions (
    key TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
);
