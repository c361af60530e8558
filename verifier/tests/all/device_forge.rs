//! An auditor's attempts to forge the delay evidence at the device-certificate
//! layer, kept as tests of what is refused.
use p384::ecdsa::SigningKey;
use rand::rngs::OsRng;
use zkcc_circuits::ledger::{chip_ident, encode_serial};
use zkcc_verifier::device::{self, key_hex, DeviceCert, DeviceError, VendorCa};

fn ca(id: &str, models: &[&str]) -> (SigningKey, VendorCa) {
    let k = SigningKey::random(&mut OsRng);
    let v = VendorCa {
        id: id.into(),
        public_key: key_hex(k.verifying_key()),
        models: models.iter().map(|m| m.to_string()).collect(),
    };
    (k, v)
}

/// One vendor's CA cannot certify a stand-in key for another vendor's chip:
/// the registry lists each vendor's models, and a certificate of a model not
/// listed under its vendor is refused (a review found that any listed vendor
/// could certify any chip: a box near the landmark holding XV's stand-in key
/// for NV's diverted H100 would have answered for it).
#[test]
fn a_vendor_cannot_certify_another_vendors_chip() {
    let (nv, nv_ca) = ca("NV", &["H100-SXM"]);
    let (xv, xv_ca) = ca("XV", &["MI300X"]);
    let vendors = vec![nv_ca, xv_ca];
    let real = SigningKey::random(&mut OsRng);
    let genuine =
        DeviceCert::issue(&nv, "NV", "SN-NV-0007", "H100-SXM", real.verifying_key()).unwrap();
    assert_eq!(genuine.verify(&vendors).unwrap(), *real.verifying_key());
    // XV's certificate of a stand-in key for the same chip.
    let stand_in = SigningKey::random(&mut OsRng);
    let forged = DeviceCert::issue(
        &xv,
        "XV",
        "SN-NV-0007",
        "H100-SXM",
        stand_in.verifying_key(),
    )
    .unwrap();
    assert!(matches!(
        forged.verify(&vendors),
        Err(DeviceError::NotVendorsModel { ref vendor, ref model, .. })
            if vendor == "XV" && model == "H100-SXM"
    ));
    // Its own models it still certifies.
    let own = DeviceCert::issue(&xv, "XV", "SN-XV-1", "MI300X", stand_in.verifying_key()).unwrap();
    assert_eq!(own.verify(&vendors).unwrap(), *stand_in.verifying_key());
}

/// Every serial the ledger takes (1–30 bytes of 0x20–0x7e, the space
/// included) can be certified, so every ledger chip can say hello to a
/// landmark (a review found serials with a space refused by the certificate,
/// their slots left without evidence); the length prefix keeps the message
/// unambiguous.
#[test]
fn a_ledger_serial_with_a_space_can_be_certified() {
    let serial = "SN 0001";
    let ident = chip_ident(encode_serial(serial).unwrap(), 0);
    assert!(
        !ident.eq(&ark_bn254::Fr::from(0u64)),
        "a valid ledger identity"
    );
    let (nv, nv_ca) = ca("NV", &["H100-SXM"]);
    let k = SigningKey::random(&mut OsRng);
    let cert = DeviceCert::issue(&nv, "NV", serial, "H100-SXM", k.verifying_key()).unwrap();
    assert_eq!(cert.verify(&[nv_ca]).unwrap(), *k.verifying_key());
    // A control character is still refused.
    assert!(matches!(
        DeviceCert::issue(&nv, "NV", "SN\t1", "H100-SXM", k.verifying_key()),
        Err(DeviceError::BadLabel { what: "serial", .. })
    ));
}

/// A certificate does not transfer to another serial or model, nor
/// a key to a certificate that is not its own; an answer does not transfer
/// to another landmark, day or nonce (checked here once more across fields
/// changed together).
#[test]
fn certificates_and_answers_do_not_transfer() {
    let (nv, nv_ca) = ca("NV", &["H100-SXM", "H20", "100-SXM"]);
    let vendors = vec![nv_ca];
    let k = SigningKey::random(&mut OsRng);
    let cert = DeviceCert::issue(&nv, "NV", "SN-1", "H100-SXM", k.verifying_key()).unwrap();
    // Another serial and model; and, the fields being length-prefixed, a
    // byte moved between serial and model.
    for (serial, model) in [("SN-2", "H20"), ("SN-1H", "100-SXM")] {
        let mut c = cert.clone();
        c.serial = serial.into();
        c.model = model.into();
        assert!(matches!(
            c.verify(&vendors),
            Err(DeviceError::CertInvalid { .. })
        ));
    }
    let nonce = [1u8; device::NONCE_LEN];
    let a = device::answer(&k, "LM-PAR", 20_428, &[0; 32], &nonce);
    // Landmark id and day moved across the length prefix.
    assert!(device::check_answer(
        k.verifying_key(),
        "SN-1",
        "LM-PA",
        20_428,
        &[0; 32],
        &nonce,
        &a
    )
    .is_err());
    let mut n2 = nonce;
    n2[0] ^= 0x80;
    assert!(device::check_answer(
        k.verifying_key(),
        "SN-1",
        "LM-PAR",
        20_429,
        &[0; 32],
        &n2,
        &a
    )
    .is_err());
}
