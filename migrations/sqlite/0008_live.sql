-- What agents write into a handed-off conversation (numbered per conversation), the citizens' thumbs up
-- or down on answers, the agents' accounts (besides those in the settings) and their login sessions.
-- Agent messages and ratings go with their conversation when retention deletes it.
CREATE TABLE agent_messages (
    channel      TEXT   NOT NULL,
    conversation TEXT   NOT NULL,
    seq          BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    agent        TEXT   NOT NULL,
    text         TEXT   NOT NULL,
    PRIMARY KEY (channel, conversation, seq),
    FOREIGN KEY (channel, conversation) REFERENCES sessions (channel, conversation) ON DELETE CASCADE
);

CREATE TABLE feedback (
    channel      TEXT   NOT NULL,
    conversation TEXT   NOT NULL,
    turn         BIGINT NOT NULL,
    rating       TEXT   NOT NULL CHECK (rating IN ('up', 'down')),
    at           BIGINT NOT NULL,
    PRIMARY KEY (channel, conversation, turn),
    FOREIGN KEY (channel, conversation, turn) REFERENCES turns (channel, conversation, seq) ON DELETE CASCADE
);
CREATE INDEX feedback_at ON feedback (at);

CREATE TABLE agents (
    name          TEXT   PRIMARY KEY,
    password_hash TEXT   NOT NULL,
    created_at    BIGINT NOT NULL
);

-- Only a hash of the session token is stored: a leaked table opens no session.
CREATE TABLE agent_sessions (
    token_hash TEXT   PRIMARY KEY,
    name       TEXT   NOT NULL,
    csrf       TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
