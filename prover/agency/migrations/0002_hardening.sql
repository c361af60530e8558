-- The forging review's fixes: a per-exporter sequence number inside every
-- signed shipment record (a replayed old record is refused), and the ledger
-- a submission is measured against pinned at intake (the shipments taken
-- before it: `ledger_seq`; its digest and size recorded at the decision).

ALTER TABLE shipments ADD COLUMN exporter_seq BIGINT;
CREATE UNIQUE INDEX shipments_exporter_seq ON shipments (exporter, exporter_seq);

ALTER TABLE submissions ADD COLUMN ledger_seq BIGINT;
ALTER TABLE submissions ADD COLUMN ledger_digest TEXT;
ALTER TABLE submissions ADD COLUMN ledger_chips BIGINT;
