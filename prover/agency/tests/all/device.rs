//! Device identity keys in shipment records (issue 25): a record may carry
//! the vendor's certificate of the chip's ECDSA P-384 device key; it is
//! checked at intake against the registry's device vendors, kept with the
//! chip's ledger entry, and shown in the importer's own ledger view and the
//! officer's ledger export (what landmarks are given).
use crate::common::{self, fixture, start_custom, IMPORTER};
use p384::ecdsa::SigningKey;
use reqwest::StatusCode;
use zkcc_agency::service::ShipmentRecord;
use zkcc_circuits::registry::Registry;
use zkcc_prover::demo_location::{add_landmarks, VENDOR};
use zkcc_verifier::device::{key_hex, DeviceCert};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certified_device_key_enters_the_ledger_and_a_bad_certificate_is_refused() {
    let f = fixture();
    let mut file = f.registry.file.clone();
    let keys = add_landmarks(&mut file, 25);
    let registry = Registry::from_file(file).unwrap();
    for db in common::databases("device").await {
        let reg = registry.clone();
        let srv = start_custom(&db, Default::default(), move |c| c.registry = reg).await;
        let (exp, imp, other) = srv.populate().await;
        let device = SigningKey::from_slice(&[7u8; 48]).unwrap();
        let model = f.shipments[0].model.clone();
        let cert = |ca: &SigningKey, serial: &str| {
            DeviceCert::issue(ca, VENDOR, serial, &model, device.verifying_key()).unwrap()
        };
        let record = |serial: &str, seq: u64, device: Option<DeviceCert>| ShipmentRecord {
            exporter: f.exporters[0].0.clone(),
            serial: serial.into(),
            model: model.clone(),
            consignee: IMPORTER.into(),
            returned: false,
            seq,
            device,
        };
        let next = srv.next_seq(&exp[0]).await;

        // Another CA's certificate, or one of another chip: refused.
        let rogue = SigningKey::from_slice(&[9u8; 48]).unwrap();
        let (s, v) = srv
            .ship(&exp[0], &record("DEV-1", next, Some(cert(&rogue, "DEV-1"))))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        common::assert_reason(&v, "vendor's signature");
        let (s, v) = srv
            .ship(
                &exp[0],
                &record("DEV-1", next, Some(cert(&keys.vendor, "DEV-2"))),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        // The device key swapped after the exporter signed: the record's
        // signature no longer covers it.
        let good = record("DEV-1", next, Some(cert(&keys.vendor, "DEV-1")));
        let mut swapped = f.signed(&good);
        let other_key = SigningKey::from_slice(&[5u8; 48]).unwrap();
        swapped.record.device.as_mut().unwrap().device_key = key_hex(other_key.verifying_key());
        let (s, v) = srv.post_signed(&exp[0], &swapped).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        common::assert_reason(&v, "signature");

        // The vendor's certificate: taken, the key in the ledger.
        let (s, v) = srv.ship(&exp[0], &good).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let want = key_hex(device.verifying_key());
        let (s, v) = srv.get("/v1/ledger", &imp).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["chips"], 14, "{v}");
        let devices = v["devices"].as_array().unwrap();
        assert_eq!(devices.len(), 1, "{v}");
        assert_eq!(devices[0]["serial"], "DEV-1");
        assert_eq!(devices[0]["device_key"], want.as_str());
        // The officer's export (for landmarks) holds the certificate too,
        // which verifies on its own.
        let (_, v) = srv
            .get(&format!("/v1/ledger/{IMPORTER}"), &srv.officer)
            .await;
        let c: DeviceCert = serde_json::from_value(v["devices"][0]["certificate"].clone()).unwrap();
        assert_eq!(
            key_hex(&c.verify(&registry.file.device_vendors).unwrap()),
            want
        );
        let (s, _) = srv.get(&format!("/v1/ledger/{IMPORTER}"), &other).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "another importer's devices");
        // Returned: it leaves the devices with the ledger.
        let ret = ShipmentRecord {
            returned: true,
            seq: next + 1,
            device: None,
            ..good.clone()
        };
        let (s, v) = srv.ship(&exp[0], &ret).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (_, v) = srv.get("/v1/ledger", &imp).await;
        assert_eq!(v["devices"].as_array().unwrap().len(), 0, "{v}");
    }
}
