-- Server secrets generated at first start (the HMAC key of the QR codes, the payment provider's key),
-- shared by every instance on this database.
CREATE TABLE secrets (
    name       TEXT   PRIMARY KEY,
    value      TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

-- Notices (Bescheide) registered by the city's back office. Amounts in cents; dates as YYYY-MM-DD.
CREATE TABLE notices (
    kassenzeichen    TEXT    PRIMARY KEY,
    check_code       TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    amount_cents     BIGINT  NOT NULL CHECK (amount_cents > 0),
    due_date         TEXT    NOT NULL,
    issued_on        TEXT    NOT NULL,
    delivered_on     TEXT    NOT NULL,
    office           TEXT    NOT NULL,
    iban             TEXT    NOT NULL,
    legal_remedy     BOOLEAN NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('open', 'paid')),
    paid_at          BIGINT,
    payment_id       TEXT,
    created_at       BIGINT  NOT NULL
);

-- Payments started through the provider; at most one may complete per notice.
CREATE TABLE payments (
    id            TEXT    PRIMARY KEY,
    kassenzeichen TEXT    NOT NULL REFERENCES notices (kassenzeichen),
    amount_cents  BIGINT  NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
    provider_ref  TEXT,
    created_at    BIGINT  NOT NULL,
    confirmed_at  BIGINT
);
CREATE INDEX payments_notice ON payments (kassenzeichen);
-- Only one payment per notice can ever be paid.
CREATE UNIQUE INDEX payments_one_paid ON payments (kassenzeichen) WHERE status = 'paid';

-- Reminders before the due date ("pay later").
CREATE TABLE reminders (
    kassenzeichen TEXT    NOT NULL REFERENCES notices (kassenzeichen),
    email         TEXT    NOT NULL,
    lang          TEXT    NOT NULL,
    remind_on     TEXT    NOT NULL,
    sent_at       BIGINT,
    PRIMARY KEY (kassenzeichen, email)
);

-- Objections (Widersprüche), stored for the office.
CREATE TABLE objections (
    receipt         TEXT    PRIMARY KEY,
    kassenzeichen   TEXT    NOT NULL REFERENCES notices (kassenzeichen),
    name            TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    reasons         TEXT    NOT NULL,
    email           TEXT,
    attachment_name TEXT,
    attachment_type TEXT,
    attachment      TEXT,
    deadline        TEXT    NOT NULL,
    in_time         BOOLEAN NOT NULL,
    submitted_at    BIGINT  NOT NULL,
    idempotency_key TEXT    UNIQUE
);
CREATE INDEX objections_notice ON objections (kassenzeichen);
