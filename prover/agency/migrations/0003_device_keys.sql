-- Device identity keys (issue 25): a shipment record may carry the vendor's
-- certificate of the chip's ECDSA P-384 device key, checked at intake
-- against the registry's device vendors; the key and certificate are kept
-- with the chip's ledger entry.

ALTER TABLE shipments ADD COLUMN device_key TEXT;
ALTER TABLE shipments ADD COLUMN device_cert TEXT;
