//! Ceremony timings (issue "Keys from a multi-party ceremony").
//!
//! * `ceremony fft LOG` — an inverse FFT of `2^LOG` G1 and G2 points, ark-poly's
//!   against zkcc's ([`zkcc_prover::ceremony::gfft`]), in one run.
//! * `ceremony ptau POWER OUT [prepared]` — writes a phase-1 file (`.ptau`,
//!   sections 1–7, no contributions recorded; with `prepared`, also the
//!   Lagrange sections 12–15 that `snarkjs powersoftau prepare phase2` adds)
//!   with a random τ, α, β: a *timing fixture* for `zkcc ceremony init` at
//!   large powers (snarkjs takes more than 13 min to contribute at 2^20 and
//!   hours to prepare), never a ceremony — its maker knows τ. zkcc's reader
//!   checks every section of it as it checks a real file; being no published
//!   file, it is refused unless `zkcc ceremony init|verify|finalize` is given
//!   `--dev-unpublished-ptau` (development mode, with a warning).
//! * `ceremony scale LOG` — a contribution's rescaling of `2^LOG` G1 points,
//!   projective per point (before issue 11) against batch-affine lockstep.
//! * `ceremony verify INIT KEY` — a key's transcript checked against its
//!   initial key (a fixture's), as `zkcc ceremony verify` does after
//!   rebuilding it from the phase-1 file.
//! * `ceremony zkey CIRCUIT OUT` — writes the INITIAL `.zkey` (no
//!   contributions) of a zkcc circuit (`shard-8x128`, `shard-1x8`,
//!   `request-1x1`, … as `zkcc ceremony` names them) from a random τ, α, β,
//!   computed in the field and by fixed-base multiplications
//!   ([`zkcc_prover::ceremony::zkey::Zkey::insecure_initial_from_secrets`]):
//!   the key `zkcc ceremony init` would build from a phase-1 file of the
//!   domain's power with those secrets, in minutes instead of 12 at 2^20. An
//!   *insecure timing fixture* (known secrets) for `ceremony contribute`,
//!   `beacon` and a same-circuit comparison with snarkjs; never a ceremony.
use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{BigInteger, Field, One, PrimeField, UniformRand};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;
use std::time::Instant;
use zkcc_prover::ceremony::binfile::{g1s_bytes, g2s_bytes, write_sections};
use zkcc_prover::ceremony::gfft;

fn usage() -> ! {
    eprintln!(
        "usage: ceremony fft LOG | ceremony ptau POWER OUT [prepared] | ceremony zkey CIRCUIT OUT | ceremony scale LOG | ceremony verify INIT KEY"
    );
    std::process::exit(2)
}

fn fft(log: u32) {
    let n = 1usize << log;
    let d = Radix2EvaluationDomain::<Fr>::new(n).expect("domain");
    println!(
        "inverse FFT of 2^{log} points, {} threads ({} scalar multiplications in zkcc's)",
        rayon::current_num_threads(),
        gfft::work(n)
    );
    println!("| group | ark-poly | zkcc | ratio |\n|---|---:|---:|---:|");
    fft_row::<ark_bn254::g1::Config>("G1", &d);
    fft_row::<ark_bn254::g2::Config>("G2", &d);
}

/// One row of [`fft`]: the inverse FFT of random points of `group`, ark-poly's
/// and zkcc's, timed and compared.
fn fft_row<P: GLVConfig<ScalarField = Fr>>(group: &str, d: &Radix2EvaluationDomain<Fr>) {
    let n = d.size();
    let mut rng = rand::thread_rng();
    let points: Vec<Affine<P>> = Projective::normalize_batch(
        &(0..n)
            .map(|_| Projective::<P>::rand(&mut rng))
            .collect::<Vec<_>>(),
    );
    let t = Instant::now();
    let ark = Projective::normalize_batch(
        &d.ifft(&points.iter().map(|p| p.into_group()).collect::<Vec<_>>()),
    );
    let t_ark = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let ours = gfft::lagrange(&points, n, &|_| {}).expect("fft");
    let t_ours = t.elapsed().as_secs_f64();
    assert_eq!(ark, ours, "{group} results differ");
    println!(
        "| {group} | {t_ark:.2} s | {t_ours:.2} s | {:.2}× |",
        t_ark / t_ours
    );
}

/// `L_i(x)` over the domain of size `m`, for `x` not in the domain, and, with
/// `drop_top`, the inverse DFT of `(x^0, …, x^{m−2}, 0)` instead (snarkjs's
/// last domain, whose top power is missing):
/// `L_i(x) = ω^i·(x^m − 1)/(m·(x − ω^i))`, minus `ω^i·x^{m−1}/m`.
fn lagrange_at(x: Fr, m: usize, drop_top: bool) -> Vec<Fr> {
    let d = Radix2EvaluationDomain::<Fr>::new(m).expect("domain");
    let roots: Vec<Fr> = d.elements().collect();
    let mut den: Vec<Fr> = roots.iter().map(|w| x - w).collect();
    ark_ff::batch_inversion(&mut den);
    let zm = (x.pow([m as u64]) - Fr::one()) * d.size_inv;
    let top = x.pow([m as u64 - 1]) * d.size_inv;
    roots
        .iter()
        .zip(den)
        .map(|(w, inv)| {
            let l = *w * zm * inv;
            if drop_top {
                l - *w * top
            } else {
                l
            }
        })
        .collect()
}

fn ptau(power: u32, out: &str, prepared: bool) {
    let n = 1usize << power;
    let t0 = Instant::now();
    let mut rng = rand::thread_rng();
    let (tau, alpha, beta) = (Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng));
    let mut pows = Vec::with_capacity(2 * n - 1);
    let mut x = Fr::one();
    for _ in 0..2 * n - 1 {
        pows.push(x);
        x *= tau;
    }
    let g1 = BatchMulPreprocessing::new(G1Projective::generator(), 2 * n);
    let g2 = BatchMulPreprocessing::new(G2Projective::generator(), n);
    let tau_g1 = g1.batch_mul(&pows);
    let tau_g2 = g2.batch_mul(&pows[..n]);
    let scaled = |k: Fr| -> Vec<Fr> { pows[..n].par_iter().map(|p| *p * k).collect() };
    let alpha_g1 = g1.batch_mul(&scaled(alpha));
    let beta_g1 = g1.batch_mul(&scaled(beta));
    let beta_g2 = (G2Affine::generator() * beta).into_affine();
    // Sections 12–15: every domain 2^0 … 2^power (tauG1 also 2^(power+1)).
    let mut lagrange: Vec<(u32, Vec<u8>)> = Vec::new();
    if prepared {
        let series = |top: u32, k: Fr| -> Vec<Fr> {
            (0..=top)
                .flat_map(|p| {
                    let m = 1usize << p;
                    let mut l = lagrange_at(tau, m, p == power + 1);
                    l.iter_mut().for_each(|v| *v *= k);
                    l
                })
                .collect()
        };
        let g1l = BatchMulPreprocessing::new(G1Projective::generator(), 4 * n);
        lagrange.push((12, g1s_bytes(&g1l.batch_mul(&series(power + 1, Fr::one())))));
        lagrange.push((13, g2s_bytes(&g2.batch_mul(&series(power, Fr::one())))));
        lagrange.push((14, g1s_bytes(&g1l.batch_mul(&series(power, alpha)))));
        lagrange.push((15, g1s_bytes(&g1l.batch_mul(&series(power, beta)))));
    }
    let mut hdr = Vec::new();
    hdr.extend_from_slice(&32u32.to_le_bytes());
    hdr.extend_from_slice(&Fq::MODULUS.to_bytes_le());
    hdr.extend_from_slice(&power.to_le_bytes());
    hdr.extend_from_slice(&power.to_le_bytes());
    let (s2, s3) = (g1s_bytes(&tau_g1), g2s_bytes(&tau_g2));
    let (s4, s5, s6) = (
        g1s_bytes(&alpha_g1),
        g1s_bytes(&beta_g1),
        g2s_bytes(&[beta_g2]),
    );
    let zero = 0u32.to_le_bytes();
    let mut sections: Vec<(u32, &[u8])> = vec![
        (1, &hdr),
        (2, &s2),
        (3, &s3),
        (4, &s4),
        (5, &s5),
        (6, &s6),
        (7, &zero),
    ];
    sections.extend(lagrange.iter().map(|(t, b)| (*t, b.as_slice())));
    let bytes = write_sections(b"ptau", 1, &sections);
    std::fs::write(out, &bytes).expect("write the .ptau");
    println!(
        "{out}: {} phase-1 file of power {power} with a random τ (timing fixture, not a ceremony: zkcc takes it only with --dev-unpublished-ptau), {} MB, made in {:.1} s",
        if prepared { "prepared" } else { "raw" },
        bytes.len() >> 20,
        t0.elapsed().as_secs_f64()
    );
}

fn zkey(circuit: &str, out: &str) {
    use zkcc_prover::ceremony::zkey::Zkey;
    use zkcc_prover::keys::{self, Circuit};
    let t0 = Instant::now();
    let c = Circuit::parse(circuit).unwrap_or_else(|e| {
        eprintln!("{e}");
        usage()
    });
    let r1cs = keys::r1cs_of(&c).expect("synthesis");
    let t_syn = t0.elapsed().as_secs_f64();
    let m = (r1cs.num_constraints() + r1cs.num_instance as usize)
        .next_power_of_two()
        .max(2);
    let (tau, alpha, beta) = crate::random_secrets();
    let z = Zkey::insecure_initial_from_secrets(&r1cs, m.trailing_zeros(), tau, alpha, beta)
        .expect("fixture key");
    let bytes = z.to_bytes();
    std::fs::write(out, &bytes).expect("write the .zkey");
    println!(
        "{out}: INSECURE timing fixture (known τ, α, β; never a ceremony key): initial key of {} ({} constraints, domain {m}), {} MB, made in {:.1} s (synthesis {t_syn:.1} s)",
        c.name(),
        r1cs.num_constraints(),
        bytes.len() >> 20,
        t0.elapsed().as_secs_f64()
    );
}

/// A contribution's rescaling of `2^log` random G1 points by one random
/// scalar: per point GLV + wNAF in projective coordinates then one batch
/// normalisation (zkcc before issue 11), against the batch-affine lockstep
/// ([`gfft::scale_in_place`]), wall and process CPU time of each.
fn scale(log: u32) {
    let n = 1usize << log;
    let mut rng = rand::thread_rng();
    let pts: Vec<G1Affine> = G1Projective::normalize_batch(
        &(0..n)
            .map(|_| G1Projective::rand(&mut rng))
            .collect::<Vec<_>>(),
    );
    let k = Fr::rand(&mut rng);
    let cpu = crate::cpu_seconds;
    println!(
        "rescaling 2^{log} G1 points by one scalar, {} threads",
        rayon::current_num_threads()
    );
    let (t, c) = (Instant::now(), cpu());
    let r = gfft::recode::<ark_bn254::g1::Config>(&k);
    let old: Vec<G1Projective> = pts
        .par_iter()
        .with_min_len(64)
        .map(|p| gfft::mul_recoded(&p.into_group(), &r))
        .collect();
    let old = G1Projective::normalize_batch(&old);
    let (w_old, c_old) = (t.elapsed().as_secs_f64(), cpu() - c);
    let (t, c) = (Instant::now(), cpu());
    let mut new = pts.clone();
    gfft::scale_in_place(&mut new, &k);
    let (w_new, c_new) = (t.elapsed().as_secs_f64(), cpu() - c);
    assert!(old == new, "results differ");
    println!("| path | wall | CPU | CPU µs per point |\n|---|---:|---:|---:|");
    for (what, w, c) in [
        ("projective GLV + wNAF, normalise", w_old, c_old),
        ("batch-affine lockstep", w_new, c_new),
    ] {
        println!(
            "| {what} | {w:.2} s | {c:.2} s | {:.1} |",
            c * 1e6 / n as f64
        );
    }
}

/// `ceremony verify INIT KEY`: a key's whole transcript checked against its
/// initial key ([`zkcc_prover::ceremony::phase2::verify_against`], what
/// `zkcc ceremony verify` runs after rebuilding the initial key from the
/// phase-1 file), both keys read with every point checked: verifies
/// contributions to a `ceremony zkey` fixture at full size.
fn verify(init: &str, key: &str) {
    use zkcc_prover::ceremony::phase2;
    use zkcc_prover::ceremony::zkey::Zkey;
    let t = Instant::now();
    let read = |p: &str| Zkey::read(&std::fs::read(p).expect("read the key")).expect("a valid key");
    let (z0, z) = (read(init), read(key));
    let t_read = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_entropy();
    match phase2::verify_against(&z, &z0, &mut rng) {
        Ok(v) => println!(
            "OK: {key} follows from {init} through {} contributions (read and checked {t_read:.1} s, verified {:.1} s)",
            v.contributions.len(),
            t.elapsed().as_secs_f64()
        ),
        Err(e) => {
            eprintln!("{key}: {e}");
            std::process::exit(1)
        }
    }
}

/// The binary's body: parses its arguments and runs.
pub fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["fft", log] => fft(log.parse().unwrap_or_else(|_| usage())),
        ["ptau", power, out] => ptau(power.parse().unwrap_or_else(|_| usage()), out, false),
        ["ptau", power, out, "prepared"] => {
            ptau(power.parse().unwrap_or_else(|_| usage()), out, true)
        }
        ["zkey", circuit, out] => zkey(circuit, out),
        ["scale", log] => scale(log.parse().unwrap_or_else(|_| usage())),
        ["verify", init, key] => verify(init, key),
        _ => usage(),
    }
}
