-- A chat turn's idempotency key on what its confirmation creates: two simultaneous confirmations of one
-- form (a double tap, two tabs, a retried request) store one report or order, not two.
ALTER TABLE reports ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX reports_idempotency ON reports (idempotency_key);
ALTER TABLE certificate_orders ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX certificate_orders_idempotency ON certificate_orders (idempotency_key);
