-- Conversation state, keyed by (channel, conversation id), and one row per turn.
CREATE TABLE sessions (
    channel      TEXT        NOT NULL,
    conversation TEXT        NOT NULL,
    lang         TEXT        NOT NULL,
    state        TEXT        NOT NULL,
    version      BIGINT      NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (channel, conversation)
);

CREATE TABLE turns (
    channel      TEXT             NOT NULL,
    conversation TEXT             NOT NULL,
    seq          BIGINT           NOT NULL,
    at           TIMESTAMPTZ      NOT NULL,
    user_text    TEXT,
    action       TEXT,
    intent       TEXT             NOT NULL,
    confidence   DOUBLE PRECISION NOT NULL,
    service_slug TEXT,
    reply_text   TEXT             NOT NULL,
    PRIMARY KEY (channel, conversation, seq),
    FOREIGN KEY (channel, conversation) REFERENCES sessions (channel, conversation) ON DELETE CASCADE
);

CREATE INDEX turns_at ON turns (at);
CREATE INDEX sessions_updated_at ON sessions (updated_at);
