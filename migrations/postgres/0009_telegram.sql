-- The last Telegram update each bot took: an update is handled at most once, also across a restart.
CREATE TABLE telegram_updates (
    bot  TEXT   PRIMARY KEY,
    last BIGINT NOT NULL
);
