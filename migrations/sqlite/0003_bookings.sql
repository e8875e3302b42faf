-- Appointments at citizens' offices (life cycle after ZMS: reserved -> confirmed -> cancelled; a
-- reservation not confirmed in time becomes expired). Times are Unix seconds (UTC) in both backends.
CREATE TABLE appointments (
    code            TEXT    PRIMARY KEY,
    auth_key        TEXT    NOT NULL,
    service         TEXT    NOT NULL,
    office          TEXT    NOT NULL,
    starts_at       BIGINT  NOT NULL,
    ends_at         BIGINT  NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('reserved', 'confirmed', 'cancelled', 'expired')),
    name            TEXT,
    email           TEXT,
    lang            TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    expires_at      BIGINT,
    idempotency_key TEXT    UNIQUE,
    request_hash    TEXT
);
CREATE INDEX appointments_office_start ON appointments (office, starts_at);

-- One row per slot unit and counter an appointment occupies. The primary key is what makes a double
-- booking impossible: a unit has seats 0 .. counters-1 and two appointments cannot hold the same seat.
CREATE TABLE slot_claims (
    office     TEXT   NOT NULL,
    unit_start BIGINT NOT NULL,
    seat       INTEGER NOT NULL CHECK (seat >= 0),
    code       TEXT   NOT NULL REFERENCES appointments (code) ON DELETE CASCADE,
    PRIMARY KEY (office, unit_start, seat)
);
CREATE INDEX slot_claims_code ON slot_claims (code);

-- Registrations for Volkshochschule courses: confirmed while seats are free, then waiting.
CREATE TABLE course_registrations (
    code            TEXT    PRIMARY KEY,
    auth_key        TEXT    NOT NULL,
    course          TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('confirmed', 'waiting', 'cancelled')),
    name            TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    reduced         BOOLEAN NOT NULL,
    lang            TEXT    NOT NULL,
    queued_at       BIGINT  NOT NULL,
    seq             BIGINT  NOT NULL,
    idempotency_key TEXT    UNIQUE,
    request_hash    TEXT,
    -- The order of registration per course (1, 2, 3 ...): the waiting list's order.
    UNIQUE (course, seq)
);
CREATE INDEX course_registrations_course ON course_registrations (course, status, seq);

-- The seats of a course that confirmed registrations hold (seats 0 .. capacity-1).
CREATE TABLE course_seats (
    course TEXT    NOT NULL,
    seat   INTEGER NOT NULL CHECK (seat >= 0),
    code   TEXT    NOT NULL REFERENCES course_registrations (code) ON DELETE CASCADE,
    PRIMARY KEY (course, seat)
);
CREATE INDEX course_seats_code ON course_seats (code);
