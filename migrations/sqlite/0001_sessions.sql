-- Conversation state, keyed by (channel, conversation id), and one row per turn.
CREATE TABLE sessions (
    channel      TEXT    NOT NULL,
    conversation TEXT    NOT NULL,
    lang         TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (channel, conversation)
);

CREATE TABLE turns (
    channel      TEXT    NOT NULL,
    conversation TEXT    NOT NULL,
    seq          INTEGER NOT NULL,
    at           TEXT    NOT NULL,
    user_text    TEXT,
    action       TEXT,
    intent       TEXT    NOT NULL,
    confidence   REAL    NOT NULL,
    service_slug TEXT,
    reply_text   TEXT    NOT NULL,
    PRIMARY KEY (channel, conversation, seq),
    FOREIGN KEY (channel, conversation) REFERENCES sessions (channel, conversation) ON DELETE CASCADE
);

CREATE INDEX turns_at ON turns (at);
CREATE INDEX sessions_updated_at ON sessions (updated_at);
