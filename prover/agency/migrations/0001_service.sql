-- The agency's service: parties, shipments (the ledgers), requests,
-- submissions and their blobs, decisions, and the hash-chained audit log.
-- Portable SQL: the same file runs on SQLite and PostgreSQL (TEXT and
-- BIGINT only; every id is assigned by the service).

CREATE TABLE parties (
    id           TEXT PRIMARY KEY,
    role         TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    public_key   TEXT,
    created_at   BIGINT NOT NULL
);

CREATE TABLE shipments (
    seq        BIGINT PRIMARY KEY,
    exporter   TEXT NOT NULL,
    consignee  TEXT NOT NULL,
    serial     TEXT NOT NULL,
    model      TEXT NOT NULL,
    returned   BIGINT NOT NULL,
    record     TEXT NOT NULL,
    signature  TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX shipments_consignee ON shipments (consignee, seq);
CREATE INDEX shipments_serial ON shipments (serial, seq);

CREATE TABLE requests (
    id         TEXT PRIMARY KEY,
    importer   TEXT NOT NULL,
    nonce      TEXT NOT NULL UNIQUE,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    status     TEXT NOT NULL,
    closed_by  TEXT
);
CREATE INDEX requests_importer ON requests (importer, status);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    body   TEXT NOT NULL
);

CREATE TABLE submissions (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL,
    importer    TEXT NOT NULL,
    body_sha256 TEXT,
    status      TEXT NOT NULL,
    reason      TEXT,
    received_at BIGINT NOT NULL
);
CREATE INDEX submissions_status ON submissions (status);
CREATE INDEX submissions_request ON submissions (request_id);

CREATE TABLE decisions (
    submission_id TEXT PRIMARY KEY,
    request_id    TEXT NOT NULL UNIQUE,
    importer      TEXT NOT NULL,
    verdict       TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    report        TEXT NOT NULL,
    decided_at    BIGINT NOT NULL
);

CREATE TABLE audit (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    kind      TEXT NOT NULL,
    event     TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
