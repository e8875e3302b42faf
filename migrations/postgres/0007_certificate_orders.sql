-- Certificate orders (Personenstandsurkunden) for the register office. The order number is
-- U-YEAR-SEQ (U-2026-00042); (year, seq) is unique, so two orders never get the same number.
-- The fee is stored as computed when the order came in (the table may change later).
CREATE TABLE certificate_orders (
    number          TEXT    PRIMARY KEY,
    year            BIGINT  NOT NULL,
    seq             BIGINT  NOT NULL,
    kind            TEXT    NOT NULL,
    multilingual    BOOLEAN NOT NULL,
    person_name     TEXT    NOT NULL,
    event_date      TEXT    NOT NULL,
    register_office TEXT,
    register_number TEXT,
    relation        TEXT    NOT NULL,
    legal_interest  TEXT,
    copies          BIGINT  NOT NULL CHECK (copies >= 1),
    delivery        TEXT    NOT NULL,
    address         TEXT,
    applicant_name  TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    fee_cents       BIGINT  NOT NULL,
    fee_minimum     BOOLEAN NOT NULL,
    channel         TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('received', 'in_progress', 'sent', 'ready', 'rejected')),
    created_at      BIGINT  NOT NULL,
    UNIQUE (year, seq)
);
CREATE INDEX certificate_orders_created ON certificate_orders (created_at);
