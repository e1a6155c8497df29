-- The version of every directory entity changed since the seed: the change-log number of its
-- last change. A commit computed from what was read is refused when a version it read moved
-- (compare-and-set, with the row locked until commit), so concurrent read-modify-writes never
-- lose an update, on one node or several.
CREATE TABLE versions (
    key TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
);
