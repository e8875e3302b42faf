-- Files citizens send in a conversation (a photo for an objection or a problem report), kept until the
-- transaction that uses them is done; re-encoded on arrival, so no metadata survives.
CREATE TABLE uploads (
    id           TEXT   PRIMARY KEY,
    content_type TEXT   NOT NULL,
    data         TEXT   NOT NULL,
    created_at   BIGINT NOT NULL
);
