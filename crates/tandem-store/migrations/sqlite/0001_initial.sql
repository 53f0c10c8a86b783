-- tandem state, SQLite dialect. Instants are INTEGER milliseconds since the Unix epoch;
-- field values are JSON (tandem_core::FieldValue); sides are 'jira' or 'ado'.

-- A Jira issue and the ADO work item kept in step with it.
CREATE TABLE links (
    id              INTEGER PRIMARY KEY,
    profile         TEXT    NOT NULL,
    jira_id         TEXT    NOT NULL,
    jira_key        TEXT,
    ado_id          TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    -- The stamps of each item as last synced (read or written by tandem): a feed entry at or
    -- below them is tandem's own write or already applied.
    jira_updated    INTEGER,
    ado_updated     INTEGER,
    ado_rev         INTEGER,
    UNIQUE (profile, jira_id),
    UNIQUE (profile, ado_id)
);

-- Per link and mapped field, the last synced value on each side.
CREATE TABLE baselines (
    link_id     INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    field       TEXT    NOT NULL,
    jira_value  TEXT,
    ado_value   TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (link_id, field)
);

-- Change-feed positions: the stamp up to which every item is applied, and the id of the last
-- item applied at that stamp.
CREATE TABLE cursors (
    profile     TEXT    NOT NULL,
    side        TEXT    NOT NULL CHECK (side IN ('jira', 'ado')),
    stamp       INTEGER NOT NULL,
    tie         TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (profile, side)
);

-- The intent journal: written before a counterpart is created, closed when its link is.
CREATE TABLE intents (
    id              TEXT    PRIMARY KEY,
    profile         TEXT    NOT NULL,
    source_side     TEXT    NOT NULL CHECK (source_side IN ('jira', 'ado')),
    source_id       TEXT    NOT NULL,
    source_key      TEXT,
    target_side     TEXT    NOT NULL CHECK (target_side IN ('jira', 'ado')),
    state           TEXT    NOT NULL CHECK (state IN ('open', 'closed', 'abandoned')),
    created_at      INTEGER NOT NULL,
    closed_at       INTEGER,
    link_id         INTEGER REFERENCES links (id) ON DELETE SET NULL,
    note            TEXT
);
-- At most one open intent per source item: a second create can never start.
CREATE UNIQUE INDEX intents_one_open ON intents (profile, source_side, source_id)
    WHERE state = 'open';

CREATE TABLE conflicts (
    id          INTEGER PRIMARY KEY,
    profile     TEXT    NOT NULL,
    link_id     INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    field       TEXT    NOT NULL,
    base        TEXT,
    jira_value  TEXT,
    ado_value   TEXT,
    status      TEXT    NOT NULL CHECK (status IN ('open', 'chosen', 'resolved')),
    take        TEXT    CHECK (take IN ('jira', 'ado')),
    resolution  TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    resolved_at INTEGER
);
-- At most one unresolved conflict per link and field.
CREATE UNIQUE INDEX conflicts_one_pending ON conflicts (link_id, field)
    WHERE status <> 'resolved';
CREATE INDEX conflicts_by_profile ON conflicts (profile, status);

-- What tandem did to each item, and why.
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    profile     TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    item_side   TEXT    NOT NULL CHECK (item_side IN ('jira', 'ado')),
    item_id     TEXT    NOT NULL,
    item_key    TEXT,
    link_id     INTEGER REFERENCES links (id) ON DELETE SET NULL,
    source_side TEXT    CHECK (source_side IN ('jira', 'ado')),
    action      TEXT    NOT NULL,
    changes     TEXT    NOT NULL,
    api_call    TEXT,
    outcome     TEXT    NOT NULL,
    message     TEXT
);
CREATE INDEX audit_by_item ON audit (profile, item_side, item_id);
CREATE INDEX audit_by_link ON audit (link_id);

-- One row per sync pass, for `tandem status`.
CREATE TABLE passes (
    id          INTEGER PRIMARY KEY,
    profile     TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    outcome     TEXT,
    counts      TEXT    NOT NULL,
    errors      TEXT    NOT NULL
);
CREATE INDEX passes_by_profile ON passes (profile, started_at);
