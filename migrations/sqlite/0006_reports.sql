-- Problem reports (Mängelmelder, Open311 service requests). The tracking number is YEAR-SEQ (2026-00042);
-- (year, seq) is unique, so two reports never get the same number.
CREATE TABLE reports (
    id           TEXT             PRIMARY KEY,
    year         BIGINT           NOT NULL,
    seq          BIGINT           NOT NULL,
    service_code TEXT             NOT NULL,
    description  TEXT             NOT NULL,
    lat          DOUBLE PRECISION,
    lon          DOUBLE PRECISION,
    address      TEXT,
    email        TEXT,
    photo_type   TEXT,
    photo        TEXT,
    media_url    TEXT,
    status       TEXT             NOT NULL CHECK (status IN ('open', 'closed')),
    status_notes TEXT,
    agency       TEXT             NOT NULL,
    requested_at BIGINT           NOT NULL,
    updated_at   BIGINT           NOT NULL,
    UNIQUE (year, seq)
);
CREATE INDEX reports_requested ON reports (requested_at);
