//! What the ceremony's soundness rests on, enforced rather than printed.
//!
//! * **Phase 1 comes from a published ceremony.** A `.ptau` is accepted only
//!   if its BLAKE2b-512 (of the whole file, what `b2sum` prints) is one of
//!   the published Hermez / PSE perpetual powers-of-tau files pinned in
//!   [`PUBLISHED_PTAU`], unless the caller says [`Phase1Source::DevelopmentOnly`]
//!   (`--dev-unpublished-ptau` on the command line). Any other file, however
//!   consistent, may come from a known `τ` — zkcc's own timing fixture
//!   ([`super::ptau::Ptau::insecure_from_secrets`]) is one — and then anyone
//!   who knows `τ` forges proofs for every key built on it. Outside
//!   development mode a file with no contribution record is refused too.
//! * **Phase 2 has a secret contribution.** [`require_secret_contribution`]:
//!   a transcript with no contribution, or with beacons only, leaves `δ`
//!   public (the generator, `δ = γ`, or computable from the beacon's public
//!   hash); `verify` and `finalize` refuse it.
//! * **Who is trusted is said.** [`super::phase2::Verified::trust_statement`]
//!   names the contributors whose honesty the keys rest on, with the hashes
//!   they noted.
use super::ptau::{Phase1Contribution, Ptau};
use super::zkey::Contribution;
use super::CeremonyError;
use blake2::{Blake2b512, Digest};
use rand::RngCore;

type Res<T> = Result<T, CeremonyError>;

/// The published prepared (phase-2-ready) powers-of-tau files of the Hermez
/// ceremony on the perpetual powers of tau (54 contributions and a beacon,
/// bn128), one per power: `(power, file name, BLAKE2b-512 of the file)`.
///
/// Source: the table under "7. Prepare phase 2" in snarkjs's README
/// (<https://github.com/iden3/snarkjs>, `README.md` at commit
/// `9a8f1c0083d18b9b5e18f526cfd729e7259423be`), files served from
/// `https://storage.googleapis.com/zkevm/ptau/`; the hashes are copied
/// exactly. Power 28 is the complete file, `powersOfTau28_hez_final.ptau`.
pub const PUBLISHED_PTAU: [(u32, &str, &str); 21] = [
    (8, "powersOfTau28_hez_final_08.ptau", "d6a8fb3a04feb600096c3b791f936a578c4e664d262e4aa24beed1b7a9a96aa5eb72864d628db247e9293384b74b36ffb52ca8d148d6e1b8b51e279fdf57b583"),
    (9, "powersOfTau28_hez_final_09.ptau", "94f108a80e81b5d932d8e8c9e8fd7f46cf32457e31462deeeef37af1b71c2c1b3c71fb0d9b59c654ec266b042735f50311f9fd1d4cadce47ab234ad163157cb5"),
    (10, "powersOfTau28_hez_final_10.ptau", "6cfeb8cda92453099d20120bdd0e8a5c4e7706c2da9a8f09ccc157ed2464d921fd0437fb70db42104769efd7d6f3c1f964bcf448c455eab6f6c7d863e88a5849"),
    (11, "powersOfTau28_hez_final_11.ptau", "47c282116b892e5ac92ca238578006e31a47e7c7e70f0baa8b687f0a5203e28ea07bbbec765a98dcd654bad618475d4661bfaec3bd9ad2ed12e7abc251d94d33"),
    (12, "powersOfTau28_hez_final_12.ptau", "ded2694169b7b08e898f736d5de95af87c3f1a64594013351b1a796dbee393bd825f88f9468c84505ddd11eb0b1465ac9b43b9064aa8ec97f2b73e04758b8a4a"),
    (13, "powersOfTau28_hez_final_13.ptau", "58efc8bf2834d04768a3d7ffcd8e1e23d461561729beaac4e3e7a47829a1c9066d5320241e124a1a8e8aa6c75be0ba66f65bc8239a0542ed38e11276f6fdb4d9"),
    (14, "powersOfTau28_hez_final_14.ptau", "eeefbcf7c3803b523c94112023c7ff89558f9b8e0cf5d6cdcba3ade60f168af4a181c9c21774b94fbae6c90411995f7d854d02ebd93fb66043dbb06f17a831c1"),
    (15, "powersOfTau28_hez_final_15.ptau", "982372c867d229c236091f767e703253249a9b432c1710b4f326306bfa2428a17b06240359606cfe4d580b10a5a1f63fbed499527069c18ae17060472969ae6e"),
    (16, "powersOfTau28_hez_final_16.ptau", "6a6277a2f74e1073601b4f9fed6e1e55226917efb0f0db8a07d98ab01df1ccf43eb0e8c3159432acd4960e2f29fe84a4198501fa54c8dad9e43297453efec125"),
    (17, "powersOfTau28_hez_final_17.ptau", "6247a3433948b35fbfae414fa5a9355bfb45f56efa7ab4929e669264a0258976741dfbe3288bfb49828e5df02c2e633df38d2245e30162ae7e3bcca5b8b49345"),
    (18, "powersOfTau28_hez_final_18.ptau", "7e6a9c2e5f05179ddfc923f38f917c9e6831d16922a902b0b4758b8e79c2ab8a81bb5f29952e16ee6c5067ed044d7857b5de120a90704c1d3b637fd94b95b13e"),
    (19, "powersOfTau28_hez_final_19.ptau", "bca9d8b04242f175189872c42ceaa21e2951e0f0f272a0cc54fc37193ff6648600eaf1c555c70cdedfaf9fb74927de7aa1d33dc1e2a7f1a50619484989da0887"),
    (20, "powersOfTau28_hez_final_20.ptau", "89a66eb5590a1c94e3f1ee0e72acf49b1669e050bb5f93c73b066b564dca4e0c7556a52b323178269d64af325d8fdddb33da3a27c34409b821de82aa2bf1a27b"),
    (21, "powersOfTau28_hez_final_21.ptau", "9aef0573cef4ded9c4a75f148709056bf989f80dad96876aadeb6f1c6d062391f07a394a9e756d16f7eb233198d5b69407cca44594c763ab4a5b67ae73254678"),
    (22, "powersOfTau28_hez_final_22.ptau", "0d64f63dba1a6f11139df765cb690da69d9b2f469a1ddd0de5e4aa628abb28f787f04c6a5fb84a235ec5ea7f41d0548746653ecab0559add658a83502d1cb21b"),
    (23, "powersOfTau28_hez_final_23.ptau", "3063a0bd81d68711197c8820a92466d51aeac93e915f5136d74f63c394ee6d88c5e8016231ea6580bec02e25d491f319d92e77f5c7f46a9caa8f3b53c0ea544f"),
    (24, "powersOfTau28_hez_final_24.ptau", "fa404d140d5819d39984833ca5ec3632cd4995f81e82db402371a4de7c2eae8687c62bc632a95b0c6aadba3fb02680a94e09174b7233ccd26d78baca2647c733"),
    (25, "powersOfTau28_hez_final_25.ptau", "0377d860cdb09a8a31ea1b0b8c04335614c8206357181573bf294c25d5ca7dff72387224fbd868897e6769f7805b3dab02854aec6d69d7492883b5e4e5f35eeb"),
    (26, "powersOfTau28_hez_final_26.ptau", "418dee4a74b9592198bd8fd02ad1aea76f9cf3085f206dfd7d594c9e264ae919611b1459a1cc920c2f143417744ba9edd7b8d51e44be9452344a225ff7eead19"),
    (27, "powersOfTau28_hez_final_27.ptau", "10ffd99837c512ef99752436a54b9810d1ac8878d368fb4b806267bdd664b4abf276c9cd3c4b9039a1fa4315a0c326c0e8e9e8fe0eb588ffd4f9021bf7eae1a1"),
    (28, "powersOfTau28_hez_final.ptau", "55c77ce8562366c91e7cda394cf7b7c15a06c12d8c905e8b36ba9cf5e13eb37d1a429c589e8eaba4c591bc4b88a0e2828745a53e170eac300236f5c1a326f41a"),
];

/// A published phase-1 file, as [`PUBLISHED_PTAU`] lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublishedPtau {
    /// Its power (`2^power` constraints at most).
    pub power: u32,
    /// Its published file name.
    pub file: &'static str,
}

/// The published file whose BLAKE2b-512 is `blake2b`, if any.
pub fn published_ptau(blake2b: &[u8; 64]) -> Option<PublishedPtau> {
    let hex = hex::encode(blake2b);
    PUBLISHED_PTAU
        .iter()
        .find(|(_, _, h)| *h == hex)
        .map(|&(power, file, _)| PublishedPtau { power, file })
}

/// Where the caller accepts phase 1 from: an explicit choice, never a default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase1Source {
    /// Only a published file ([`PUBLISHED_PTAU`]): production.
    Published,
    /// DEVELOPMENT ONLY: any internally consistent file (a test `.ptau` from
    /// `snarkjs powersoftau new`, zkcc's fixture). Keys built on an
    /// unpublished file are as secure as its maker's honesty: none at all for
    /// a fixture whose `τ` is known.
    DevelopmentOnly,
}

/// The refusal of a file that is not published, or `Ok` with the published
/// file it is (`None` in development mode for an unpublished file).
pub fn check_phase1_hash(blake2b: &[u8; 64], source: Phase1Source) -> Res<Option<PublishedPtau>> {
    match (published_ptau(blake2b), source) {
        (Some(p), _) => Ok(Some(p)),
        (None, Phase1Source::DevelopmentOnly) => Ok(None),
        (None, Phase1Source::Published) => Err(CeremonyError::UnpublishedPhase1 {
            blake2b: hex::encode(blake2b),
        }),
    }
}

/// A phase-1 file's bytes and their BLAKE2b-512, before any check (so that
/// the hash can be shown even when the file is then refused).
pub struct Phase1Bytes<'a> {
    bytes: &'a [u8],
    blake2b: [u8; 64],
}

impl<'a> Phase1Bytes<'a> {
    /// Hashes the file.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            blake2b: Blake2b512::digest(bytes).into(),
        }
    }

    /// The file's BLAKE2b-512.
    pub fn blake2b(&self) -> &[u8; 64] {
        &self.blake2b
    }

    /// Checks where the file comes from ([`check_phase1_hash`], before
    /// parsing anything), then reads it with every point checked, verifies
    /// its powers and its contribution records; outside development mode a
    /// file without contribution records is refused.
    /// Counts on `progress` the sections and checks done
    /// ([`Ptau::read_verified_with`]).
    pub fn load<R: RngCore>(
        self,
        source: Phase1Source,
        rng: &mut R,
        progress: &indicatif::ProgressBar,
    ) -> Res<Phase1> {
        let published = check_phase1_hash(&self.blake2b, source)?;
        let ptau = Ptau::read_verified_with(self.bytes, rng, progress)?;
        progress.set_message("phase 1: contribution records");
        let transcript = Ptau::read_transcript(self.bytes)?;
        ptau.verify_transcript(&transcript)?;
        require_phase1_records(transcript.len(), source)?;
        if let Some(p) = published {
            if p.power != ptau.power {
                return Err(CeremonyError::Format(
                    "ptau",
                    format!(
                        "the published {} has power {}, this file {}",
                        p.file, p.power, ptau.power
                    ),
                ));
            }
        }
        Ok(Phase1 {
            ptau,
            blake2b: self.blake2b,
            published,
            source,
            transcript,
        })
    }
}

/// A phase-1 file accepted for a ceremony: verified, and either published or
/// explicitly accepted in development mode. The only way to it is
/// [`Phase1Bytes::load`] (or [`Phase1::from_bytes`]).
#[derive(Clone, Debug)]
pub struct Phase1 {
    ptau: Ptau,
    blake2b: [u8; 64],
    published: Option<PublishedPtau>,
    source: Phase1Source,
    transcript: Vec<Phase1Contribution>,
}

impl Phase1 {
    /// [`Phase1Bytes::new`] then [`Phase1Bytes::load`].
    pub fn from_bytes<R: RngCore>(bytes: &[u8], source: Phase1Source, rng: &mut R) -> Res<Self> {
        Phase1Bytes::new(bytes).load(source, rng, &indicatif::ProgressBar::hidden())
    }
    /// The powers of tau.
    pub fn ptau(&self) -> &Ptau {
        &self.ptau
    }
    /// The file's BLAKE2b-512.
    pub fn blake2b(&self) -> &[u8; 64] {
        &self.blake2b
    }
    /// The published file it is, `None` for an unpublished (development) file.
    pub fn published(&self) -> Option<PublishedPtau> {
        self.published
    }
    /// The source the caller accepted.
    pub fn source(&self) -> Phase1Source {
        self.source
    }
    /// Its verified contribution records.
    pub fn transcript(&self) -> &[Phase1Contribution] {
        &self.transcript
    }
    /// One line on where phase 1 comes from, for manifests and logs.
    pub fn describe(&self) -> String {
        match self.published {
            Some(p) => format!("published phase-1 file {} (power {})", p.file, p.power),
            None => format!(
                "UNPUBLISHED DEVELOPMENT phase-1 file (power {}, BLAKE2b-512 {}…)",
                self.ptau.power,
                hex::encode(&self.blake2b[..16])
            ),
        }
    }
}

/// Refuses, outside development mode, a phase-1 file with no contribution
/// record (`records` of them): nothing shows who made it. (Every published
/// file has records, so with the hash pinned this is a second line.)
pub fn require_phase1_records(records: usize, source: Phase1Source) -> Res<()> {
    if records == 0 && source == Phase1Source::Published {
        return Err(CeremonyError::Phase1WithoutContributions);
    }
    Ok(())
}

/// Refuses a phase-2 transcript without a secret contribution: none at all,
/// or beacons only (whose randomness is public).
pub fn require_secret_contribution(contributions: &[Contribution]) -> Res<()> {
    if contributions.iter().any(|c| c.beacon.is_none()) {
        return Ok(());
    }
    Err(CeremonyError::NoSecretContribution {
        beacons: contributions.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;
    use rand::SeedableRng;

    fn unhex(h: &str) -> [u8; 64] {
        hex::decode(h).unwrap().try_into().unwrap()
    }

    /// An empty contribution section: refused outside development mode.
    #[test]
    fn a_phase1_file_without_records_is_refused_outside_development_mode() {
        assert!(matches!(
            require_phase1_records(0, Phase1Source::Published),
            Err(CeremonyError::Phase1WithoutContributions)
        ));
        require_phase1_records(0, Phase1Source::DevelopmentOnly).unwrap();
        require_phase1_records(55, Phase1Source::Published).unwrap();
    }

    /// The table parses: powers 8 to 28 once each, in order, 64-byte hex
    /// hashes, all different, file names that say their power.
    #[test]
    fn the_pinned_table_is_well_formed() {
        for (i, (power, file, h)) in PUBLISHED_PTAU.iter().enumerate() {
            assert_eq!(*power, 8 + i as u32);
            assert_eq!(hex::decode(h).unwrap().len(), 64, "{file}");
            let want = if *power == 28 {
                "powersOfTau28_hez_final.ptau".to_string()
            } else {
                format!("powersOfTau28_hez_final_{power:02}.ptau")
            };
            assert_eq!(*file, want);
        }
        let mut hs: Vec<_> = PUBLISHED_PTAU.iter().map(|t| t.2).collect();
        hs.sort();
        hs.dedup();
        assert_eq!(hs.len(), PUBLISHED_PTAU.len());
    }

    /// A published hash is recognised (the power-20 file, hash from
    /// snarkjs's README), in either mode; one bit off it is not.
    #[test]
    fn a_published_hash_is_recognised() {
        let h = unhex("89a66eb5590a1c94e3f1ee0e72acf49b1669e050bb5f93c73b066b564dca4e0c7556a52b323178269d64af325d8fdddb33da3a27c34409b821de82aa2bf1a27b");
        let want = PublishedPtau {
            power: 20,
            file: "powersOfTau28_hez_final_20.ptau",
        };
        assert_eq!(published_ptau(&h), Some(want));
        for source in [Phase1Source::Published, Phase1Source::DevelopmentOnly] {
            assert_eq!(check_phase1_hash(&h, source).unwrap(), Some(want));
        }
        let mut off = h;
        off[63] ^= 1;
        assert_eq!(published_ptau(&off), None);
        assert!(matches!(
            check_phase1_hash(&off, Phase1Source::Published),
            Err(CeremonyError::UnpublishedPhase1 { .. })
        ));
        assert_eq!(
            check_phase1_hash(&off, Phase1Source::DevelopmentOnly).unwrap(),
            None
        );
    }

    /// zkcc's own known-τ fixture, internally consistent, is refused unless
    /// development mode is asked for, with the error that says what to do;
    /// in development mode it loads (and an empty contribution section is
    /// then allowed).
    #[test]
    fn the_known_tau_fixture_is_refused_outside_development_mode() {
        let bytes =
            Ptau::insecure_from_secrets(4, Fr::from(3u64), Fr::from(5u64), Fr::from(7u64), true)
                .unwrap()
                .to_bytes();
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let h = hex::encode(Blake2b512::digest(&bytes));
        let err = Phase1::from_bytes(&bytes, Phase1Source::Published, &mut rng).unwrap_err();
        assert!(matches!(&err, CeremonyError::UnpublishedPhase1 { blake2b } if *blake2b == h));
        assert_eq!(
            err.to_string(),
            format!(
                "phase-1 file with BLAKE2b-512 {h} is not a published powers-of-tau file: \
                 use a published Hermez/PSE file (powersOfTau28_hez_final_NN.ptau, listed with \
                 its BLAKE2b-512 in snarkjs's README; zkcc pins those hashes), or, for \
                 development only, pass --dev-unpublished-ptau (library: \
                 Phase1Source::DevelopmentOnly)"
            )
        );
        let p = Phase1::from_bytes(&bytes, Phase1Source::DevelopmentOnly, &mut rng).unwrap();
        assert_eq!(p.ptau().power, 4);
        assert_eq!(p.published(), None);
        assert!(p.transcript().is_empty());
        assert_eq!(hex::encode(p.blake2b()), h);
        assert!(p.describe().starts_with("UNPUBLISHED DEVELOPMENT"));
    }
}
