-- Items left alone for bad data (an unknown state, an unmapped user, a value the other side
-- refused). Each pass reads them again, so a fix in the mapping or on either side takes effect
-- without waiting for the item to change; a successful sync removes the row.
CREATE TABLE parked (
    profile     TEXT    NOT NULL,
    item_side   TEXT    NOT NULL CHECK (item_side IN ('jira', 'ado')),
    item_id     TEXT    NOT NULL,
    item_key    TEXT,
    reason      TEXT    NOT NULL,
    since       INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (profile, item_side, item_id)
);
