-- Attempts at guessing a secret (check codes, booking keys, passwords), counted per key (a client, a
-- reference, an account) in a window that starts with the first attempt: shared by every instance.
CREATE TABLE attempt_counters (
    key          TEXT   PRIMARY KEY,
    window_start BIGINT NOT NULL,
    count        BIGINT NOT NULL
);
