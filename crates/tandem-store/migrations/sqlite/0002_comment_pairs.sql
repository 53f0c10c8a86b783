-- A Jira comment and its copy (or original) on the ADO work item of the same link.
CREATE TABLE comment_pairs (
    link_id         INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    jira_comment_id TEXT    NOT NULL,
    ado_comment_id  TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (link_id, jira_comment_id),
    UNIQUE (link_id, ado_comment_id)
);
