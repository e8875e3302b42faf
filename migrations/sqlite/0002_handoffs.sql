-- Conversations handed to a human agent, oldest first; `taken_by` is set when an agent takes one over.
CREATE TABLE handoffs (
    channel      TEXT NOT NULL,
    conversation TEXT NOT NULL,
    reason       TEXT NOT NULL,
    lang         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    taken_by     TEXT,
    closed_at    TEXT,
    PRIMARY KEY (channel, conversation, created_at)
);
CREATE INDEX handoffs_open ON handoffs (closed_at, created_at);
