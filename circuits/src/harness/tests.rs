//! The harness on hand-built circuits whose rows are known.
use super::*;
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::FieldVar};

fn fr(v: u64) -> Fr {
    Fr::from(v)
}

/// x = 3 (input), y = 5, w = x·y, t = w·w, t = out (input); plus an unused witness u
/// and a bit b used only in b·(1−b) = 0.
struct Toy {
    x: Variable,
    y: Variable,
    w: Variable,
    t: Variable,
    u: Variable,
    b: Variable,
    rows: RowRange,
    snap: Snapshot,
}

fn toy() -> Toy {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let x = FpVar::new_input(cs.clone(), || Ok(fr(3))).unwrap();
    let y = FpVar::new_witness(cs.clone(), || Ok(fr(5))).unwrap();
    let u = FpVar::new_witness(cs.clone(), || Ok(fr(9))).unwrap();
    let b = Boolean::new_witness(cs.clone(), || Ok(true)).unwrap();
    let ((w, t), rows) = RowRange::record(&cs, "square of product", || {
        let w = &x * &y;
        let t = w.square().unwrap();
        (w, t)
    });
    let out = FpVar::new_input(cs.clone(), || Ok(fr(225))).unwrap();
    t.enforce_equal(&out).unwrap();
    let toy_vars = (
        var_of_fp(&x).unwrap(),
        var_of_fp(&y).unwrap(),
        var_of_fp(&w).unwrap(),
        var_of_fp(&t).unwrap(),
        var_of_fp(&u).unwrap(),
        var_of_bool(&b).unwrap(),
    );
    let snap = Snapshot::of(&cs).unwrap().with_labels([rows.clone()]);
    Toy {
        x: toy_vars.0,
        y: toy_vars.1,
        w: toy_vars.2,
        t: toy_vars.3,
        u: toy_vars.4,
        b: toy_vars.5,
        rows,
        snap,
    }
}

#[test]
fn snapshot_layout_and_handles() {
    let t = toy();
    let s = &t.snap;
    // Rows: b·(1−b) = 0, x·y = w, w·w = t, t = out.
    assert_eq!(s.num_rows(), 4);
    assert_eq!(s.num_instance(), 3); // 1, x, out
    assert_eq!(s.column(Variable::one()), Some(0));
    assert_eq!(s.column(t.x), Some(1));
    assert_eq!(s.value(t.y), Some(fr(5)));
    assert_eq!(s.value(t.w), Some(fr(15)));
    assert_eq!(s.first_row_of(t.b), Some(0));
    assert_eq!(s.rows_of(t.w), vec![1, 2]);
    assert_eq!(t.rows.rows, 1..3);
    assert_eq!(t.rows.witnesses.len(), 2);
    assert_eq!(t.rows.witness(0), t.w);
    assert_eq!(s.support(1), vec![t.x, t.y, t.w]);
    s.is_satisfied().unwrap();
    // Constants have no column.
    assert_eq!(var_of_fp(&FpVar::constant(fr(2))), None);
    assert_eq!(var_of_bool(&Boolean::TRUE), None);
}

#[test]
fn check_reports_the_first_violated_row_with_its_label() {
    let t = toy();
    let s = &t.snap;
    assert_eq!(s.check(&[]), Ok(()));
    // A non-boolean b: its booleanity row (unlabelled).
    assert_eq!(
        s.check(&[(t.b, fr(2))]),
        Err(Unsatisfied { row: 0, name: None })
    );
    // A stale product: the row defining w.
    let err = s.check(&[(t.y, fr(6))]).unwrap_err();
    assert_eq!(err.row, 1);
    assert_eq!(err.name.as_deref(), Some("square of product"));
    assert_eq!(err.to_string(), "row 1 is unsatisfied (square of product)");
    assert_eq!(s.failing_rows(&[(t.y, fr(6))]), vec![1]);
    // Consistent edits that change the output: the final equality.
    assert_eq!(
        s.check(&[(t.y, fr(6)), (t.w, fr(18)), (t.t, fr(324))]),
        Err(Unsatisfied { row: 3, name: None })
    );
}

#[test]
fn propagate_recomputes_defined_intermediates_only() {
    let t = toy();
    let s = &t.snap;
    let edits = s.propagate(&[(t.y, fr(6))]);
    assert_eq!(edits, vec![(t.y, fr(6)), (t.w, fr(18)), (t.t, fr(324))]);
    // What is left is the equality with the public output.
    assert_eq!(s.check(&edits).unwrap_err().row, 3);
    // An edited variable is pinned, not recomputed.
    let edits = s.propagate(&[(t.w, fr(1))]);
    assert_eq!(edits, vec![(t.w, fr(1)), (t.t, fr(1))]);
    assert_eq!(s.check(&edits).unwrap_err().row, 1);
    // A booleanity row defines nothing.
    assert_eq!(s.propagate(&[(t.b, fr(2))]), vec![(t.b, fr(2))]);
    // y = 5 with x = 3 is the honest value: nothing to recompute.
    let _ = t.x;
}

#[test]
fn free_variables_are_found_and_explained() {
    let t = toy();
    let s = &t.snap;
    let free = s.free_witness_variables();
    // u is in no row; b only in its booleanity row, so a flip passes;
    // everything else is pinned by a row.
    assert_eq!(free.len(), 2, "{free:?}");
    assert_eq!(free[0].variable, t.u);
    assert_eq!(free[0].rows, 0);
    assert_eq!(free[0].by, vec![Perturbation::Delta]);
    assert_eq!(free[1].variable, t.b);
    assert_eq!(free[1].rows, 1);
    assert_eq!(free[1].by, vec![Perturbation::Flip]);
    let err = s.check_free(&Explained::new()).unwrap_err();
    assert_eq!(err.unexplained.len(), 2);
    assert!(err.to_string().contains("2 unexplained free variables"));
    let why = Explained::new()
        .var(t.u, "dead by construction")
        .var(t.b, "a bit nothing reads");
    s.check_free(&why).unwrap();
    let stale = s
        .check_free(&why.clone().var(t.y, "wrongly claimed free"))
        .unwrap_err();
    assert!(stale.unexplained.is_empty());
    assert_eq!(stale.not_free, vec![(t.y, "wrongly claimed free".into())]);
}

#[test]
fn a_bit_only_booleanity_checks_is_free_under_a_flip() {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let b = Boolean::new_witness(cs.clone(), || Ok(false)).unwrap();
    let snap = Snapshot::of(&cs).unwrap();
    let free = snap.free_witness_variables();
    assert_eq!(free.len(), 1);
    assert_eq!(free[0].variable, var_of_bool(&b).unwrap());
    assert_eq!(free[0].by, vec![Perturbation::Flip]);
}

#[test]
fn setup_mode_has_no_snapshot() {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(ark_relations::gr1cs::SynthesisMode::Setup);
    assert!(Snapshot::of(&cs).is_err());
}

/// x (input) times y (witness), squared, equals out (input); with `extra`,
/// one more witness that no row reads.
#[derive(Clone, Copy)]
struct SquareOfProduct {
    x: u64,
    y: u64,
    out: u64,
    extra: bool,
}

impl ConstraintSynthesizer<Fr> for SquareOfProduct {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let x = FpVar::new_input(cs.clone(), || Ok(fr(self.x)))?;
        let y = FpVar::new_witness(cs.clone(), || Ok(fr(self.y)))?;
        let t = (&x * &y).square()?;
        if self.extra {
            let _unread = FpVar::new_witness(cs.clone(), || Ok(fr(1)))?;
        }
        let out = FpVar::new_input(cs, || Ok(fr(self.out)))?;
        t.enforce_equal(&out)
    }
}

/// The row gr1cs's own check names first for `circuit`, synthesized in prove
/// mode with its rows.
fn first_row_by_gr1cs(circuit: SquareOfProduct) -> Option<usize> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    let trace = super::which_unsatisfied(&cs).unwrap()?;
    Some(trace.rsplit(' ').next().unwrap().parse().unwrap())
}

#[test]
fn matrices_check_assignments_as_gr1cs_does() {
    use relayout::{check_circuit, CircuitRefusal};
    let honest = SquareOfProduct {
        x: 3,
        y: 5,
        out: 225,
        extra: false,
    };
    // Built without a witness: the values of the circuit handed in are not read.
    let m = Matrices::of(SquareOfProduct { x: 0, ..honest }).unwrap();
    assert_eq!(m.num_rows(), 3); // x·y = w, w·w = t, t = out
    assert_eq!(m.digest(), matrices_digest(honest).unwrap());
    assert_eq!(check_circuit(&m, honest), Ok(()));
    assert_eq!(first_row_by_gr1cs(honest), None);
    // A wrong output, a wrong factor: the first failing row is gr1cs's.
    for bad in [
        SquareOfProduct { out: 226, ..honest },
        SquareOfProduct { y: 6, ..honest },
        SquareOfProduct {
            x: 4,
            y: 4,
            ..honest
        },
    ] {
        let row = first_row_by_gr1cs(bad).expect("gr1cs refuses it");
        assert_eq!(row, 2);
        assert_eq!(
            check_circuit(&m, bad),
            Err(CircuitRefusal::Row(Unsatisfied { row, name: None }))
        );
    }
    // x = 15, y = 1 gives the same square: both accept it.
    let other = SquareOfProduct {
        x: 15,
        y: 1,
        ..honest
    };
    assert_eq!(check_circuit(&m, other), Ok(()));
    // An assignment with another number of variables is not this circuit's.
    match check_circuit(
        &m,
        SquareOfProduct {
            extra: true,
            ..honest
        },
    ) {
        Err(CircuitRefusal::Synthesis(e)) => assert!(e.contains("number of variables"), "{e}"),
        r => panic!("{r:?}"),
    }
}
