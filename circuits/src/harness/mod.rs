//! The hostile-assignment harness: hands the R1CS matrices an assignment that
//! honest synthesis would never produce, and says which row rejects it.
//!
//! Rejection tests that edit the high-level witness and re-run synthesis only
//! ever exercise *honest* internal values: flags, selectors, range bits and
//! hints are recomputed from the edited witness. A cheating prover is not bound
//! by the witness generator; it picks any vector `z` and only the rows
//! `⟨A_i, z⟩ · ⟨B_i, z⟩ = ⟨C_i, z⟩` stand in its way. This module works on
//! exactly those rows.
//!
//! * [`Snapshot`] holds the matrices `A, B, C` and the honest full assignment
//!   `z = (1, instance…, witness…)` of a synthesized circuit
//!   ([`Snapshot::of`], [`Snapshot::from_circuit`]).
//! * Columns are named by arkworks [`Variable`]s: [`var_of_fp`] and
//!   [`var_of_bool`] give the variable behind a gadget value (`None` for
//!   constants and for genuine linear combinations), [`Snapshot::column`] its
//!   column in `z`.
//! * [`Snapshot::check`] applies edits `(variable, value)` to the honest
//!   assignment and returns the **first** unsatisfied row as [`Unsatisfied`].
//!   Only rows that touch an edited column are evaluated (a column → rows index
//!   is built once), so a check on a 40,000-row circuit costs microseconds.
//! * [`Snapshot::propagate`] completes hostile edits the way a cheating prover
//!   would: every intermediate that a row *defines* (a fresh variable, first
//!   used in that row, in which it enters linearly — products, selections,
//!   curve-arithmetic outputs) is recomputed from the edited values. What is
//!   left unsatisfied is then a genuine check, not a stale intermediate.
//! * [`Snapshot::free_witness_variables`] perturbs each witness variable alone
//!   (by a random non-zero delta, and by a bit flip when its value is 0 or 1)
//!   and reports those that leave every row satisfied: under-constrained or
//!   dead variables. It is `O(non-zeros)`: each row's `⟨A,z⟩, ⟨B,z⟩, ⟨C,z⟩` is
//!   computed once and only the rows of the perturbed column are updated.
//!   [`Explained`] lets a test state which free variables are expected and
//!   why; [`Snapshot::check_free`] fails listing any other.
//!
//! gr1cs records constraint names only under a tracing `ConstraintLayer`, which
//! zkcc's circuits do not install. Rows are named instead by [`RowRange`]s
//! recorded at synthesis time around a gadget call (constraint and witness
//! counts before and after) and attached with [`Snapshot::with_labels`]; an
//! [`Unsatisfied`] carries the innermost label containing its row.
//!
//! ```
//! use ark_r1cs_std::{alloc::AllocVar, fields::fp::FpVar};
//! use ark_relations::gr1cs::ConstraintSystem;
//! use zkcc_circuits::harness::{var_of_bool, RowRange, Snapshot};
//! use zkcc_circuits::{range::enforce_bits, Fr};
//!
//! let cs = ConstraintSystem::<Fr>::new_ref();
//! let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(4u64))).unwrap();
//! let (bits, rows) = RowRange::record(&cs, "enforce_bits(x, 3)", || enforce_bits(&x, 3));
//! let bits = bits.unwrap();
//! let snap = Snapshot::of(&cs).unwrap().with_labels([rows.clone()]);
//! snap.is_satisfied().unwrap();
//! // 4 = 0·1 + 2·2 + 0·4: recomposes, but bit 1 is not a bit.
//! let (b1, b2) = (var_of_bool(&bits[1]).unwrap(), var_of_bool(&bits[2]).unwrap());
//! let err = snap.check(&[(b1, Fr::from(2u64)), (b2, Fr::from(0u64))]).unwrap_err();
//! assert_eq!(err.row, snap.first_row_of(b1).unwrap()); // b1's booleanity row
//! assert_eq!(err.name.as_deref(), Some("enforce_bits(x, 3)"));
//! assert!(rows.rows.contains(&err.row));
//! ```
use ark_bn254::Fr;
use ark_ff::{Field, One, UniformRand, Zero};
use ark_r1cs_std::{boolean::Boolean, fields::fp::FpVar, GR1CSVar};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, SynthesisError, Variable,
    R1CS_PREDICATE_LABEL,
};
use rand::{rngs::StdRng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;

/// Seed of the random deltas of [`Snapshot::free_witness_variables`].
pub const FREE_VARIABLE_SEED: u64 = 0x7a6b_6363_6861_726e;

/// Makes the calling thread run rayon's parallel iterators inline, for the
/// rest of its life, unless it is already a rayon worker.
///
/// ark-relations checks each constraint of [`ConstraintSystemRef::is_satisfied`]
/// by evaluating its predicate polynomial with a parallel iterator. Called
/// from a thread outside rayon's pool (a test's thread), that is one hand-off
/// to a worker and one futex wake-up per *constraint*: measured on a shard
/// circuit's checks (`statement::facilities_without_ledger_chips_are_not_counted`),
/// 70% of the CPU time went to the kernel's scheduler (`sched_yield`,
/// wake-ups), 11.7 s of CPU for 7.2 s of wall time. The constraint system
/// cannot move to a pool's thread (it is `Rc`-shared), so the calling thread
/// becomes the only worker of a one-thread pool of its own instead: every
/// later parallel iterator on it (a proof's too) runs on it alone. Meant for
/// test and bench threads, which the harness's callers are.
pub fn run_rayon_inline() {
    thread_local! {
        static POOL: std::cell::OnceCell<Option<rayon::ThreadPool>> =
            const { std::cell::OnceCell::new() };
    }
    if rayon::current_thread_index().is_some() {
        return;
    }
    POOL.with(|p| {
        p.get_or_init(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .use_current_thread()
                .build()
                .ok()
        });
    });
}

/// `cs.is_satisfied()` after [`run_rayon_inline`]: the checks of every test
/// and bench use it instead of the method.
pub fn satisfied(cs: &ConstraintSystemRef<Fr>) -> Result<bool, SynthesisError> {
    run_rayon_inline();
    cs.is_satisfied()
}

/// `cs.which_is_unsatisfied()` after [`run_rayon_inline`].
pub fn which_unsatisfied(cs: &ConstraintSystemRef<Fr>) -> Result<Option<String>, SynthesisError> {
    run_rayon_inline();
    cs.which_is_unsatisfied()
}

/// The first unsatisfied row of an assignment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("row {row} is unsatisfied{}", .name.as_ref().map(|n| format!(" ({n})")).unwrap_or_default())]
pub struct Unsatisfied {
    /// Row index (constraint number, in synthesis order).
    pub row: usize,
    /// Label of the innermost [`RowRange`] containing the row, if any.
    pub name: Option<String>,
}

/// The rows and witness variables a piece of synthesis created, recorded by
/// counting before and after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRange {
    /// What was synthesized.
    pub label: String,
    /// Its constraints (rows).
    pub rows: Range<usize>,
    /// Its witness variables (indices into the witness part of `z`).
    pub witnesses: Range<usize>,
}

impl RowRange {
    /// Runs `f` (a gadget call on `cs`) and records the rows and witness
    /// variables it created.
    pub fn record<T>(
        cs: &ConstraintSystemRef<Fr>,
        label: impl Into<String>,
        f: impl FnOnce() -> T,
    ) -> (T, RowRange) {
        let (r0, w0) = (cs.num_constraints(), cs.num_witness_variables());
        let out = f();
        let (r1, w1) = (cs.num_constraints(), cs.num_witness_variables());
        let range = RowRange {
            label: label.into(),
            rows: r0..r1,
            witnesses: w0..w1,
        };
        (out, range)
    }

    /// The `k`-th witness variable allocated inside the range.
    ///
    /// # Panics
    /// If the range allocated fewer than `k + 1` witness variables.
    pub fn witness(&self, k: usize) -> Variable {
        Variable::witness(self.nth(&self.witnesses, "witness variables", k))
    }

    /// The `k`-th row of the range.
    ///
    /// # Panics
    /// If the range has fewer than `k + 1` rows.
    pub fn row(&self, k: usize) -> usize {
        self.nth(&self.rows, "rows", k)
    }

    /// `range.start + k`; panics, naming the range and `what` it counts, if
    /// `range` is shorter.
    fn nth(&self, range: &Range<usize>, what: &str, k: usize) -> usize {
        assert!(
            k < range.len(),
            "{}: only {} {what}",
            self.label,
            range.len()
        );
        range.start + k
    }
}

fn resolve(cs: &ConstraintSystemRef<Fr>, v: Variable) -> Option<Variable> {
    if v.is_instance() || v.is_witness() {
        return Some(v);
    }
    if !v.is_lc() {
        return None;
    }
    let lc = cs.get_lc(v)?;
    match lc.0.as_slice() {
        [(c, inner)] if c.is_one() => resolve(cs, *inner),
        _ => None,
    }
}

/// The column variable behind `x`: `None` for a constant, and for a symbolic
/// linear combination that is not exactly one variable with coefficient 1
/// (edit the variables it combines instead). `FpVar::from(boolean)` resolves
/// to the boolean's variable.
pub fn var_of_fp(x: &FpVar<Fr>) -> Option<Variable> {
    match x {
        FpVar::Constant(_) => None,
        FpVar::Var(v) => resolve(&v.cs, v.variable),
    }
}

/// The column variable behind `b`: `None` for a constant and for a negation
/// (`1 − v`) of an allocated bit.
pub fn var_of_bool(b: &Boolean<Fr>) -> Option<Variable> {
    match b {
        Boolean::Constant(_) => None,
        Boolean::Var(v) => resolve(&b.cs(), v.variable()),
    }
}

/// One non-zero of a column: its row and its coefficients in `A`, `B`, `C`.
#[derive(Clone, Copy, Debug)]
struct Entry {
    row: usize,
    a: Fr,
    b: Fr,
    c: Fr,
}

type Row = Vec<(Fr, usize)>;

/// How a witness variable was perturbed when [`Snapshot::free_witness_variables`]
/// found it free.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Perturbation {
    /// Honest value plus a random non-zero delta.
    Delta,
    /// A bit (0 or 1) flipped to the other bit.
    Flip,
}

/// A witness variable whose change alone leaves every row satisfied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreeVar {
    /// The variable.
    pub variable: Variable,
    /// Its column in `z`.
    pub column: usize,
    /// Its honest value.
    pub value: Fr,
    /// The perturbations every row tolerated (non-empty).
    pub by: Vec<Perturbation>,
    /// Number of rows the variable appears in (0: dead weight).
    pub rows: usize,
    /// Label of the innermost [`RowRange`] whose witnesses contain it.
    pub name: Option<String>,
}

impl fmt::Display for FreeVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "witness {} (column {}, value {}, in {} rows{}) free under {:?}",
            self.column,
            self.column,
            self.value,
            self.rows,
            self.name
                .as_ref()
                .map(|n| format!(", allocated in {n}"))
                .unwrap_or_default(),
            self.by
        )
    }
}

/// Free variables a test expects, each with the reason it is harmless.
#[derive(Clone, Debug, Default)]
pub struct Explained {
    reasons: BTreeMap<Variable, String>,
}

impl Explained {
    /// No expected free variable.
    pub fn new() -> Self {
        Self::default()
    }
    /// Expects `v` to be free, because `why`.
    pub fn var(mut self, v: Variable, why: impl Into<String>) -> Self {
        self.reasons.insert(v, why.into());
        self
    }
    /// Expects every variable of `vs` to be free, because `why`.
    pub fn vars(mut self, vs: impl IntoIterator<Item = Variable>, why: &str) -> Self {
        for v in vs {
            self.reasons.insert(v, why.to_string());
        }
        self
    }
    /// Number of explained variables.
    pub fn len(&self) -> usize {
        self.reasons.len()
    }
    /// No explained variable.
    pub fn is_empty(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// The free variables of a circuit differ from the explained set.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct FreeVarReport {
    /// Free variables no explanation covers.
    pub unexplained: Vec<FreeVar>,
    /// Explained variables that are not free (a stale explanation), with the reason given.
    pub not_free: Vec<(Variable, String)>,
}

impl FreeVarReport {
    fn describe(&self) -> String {
        let mut s = String::new();
        if !self.unexplained.is_empty() {
            s += &format!("{} unexplained free variables:\n", self.unexplained.len());
            for v in &self.unexplained {
                s += &format!("  {v}\n");
            }
        }
        if !self.not_free.is_empty() {
            s += &format!(
                "{} explained variables are constrained:\n",
                self.not_free.len()
            );
            for (v, why) in &self.not_free {
                s += &format!("  {v:?}: {why}\n");
            }
        }
        s
    }
}

/// Finalizes `cs` (inlines the symbolic linear combinations) and takes its
/// R1CS matrices `A, B, C`; errors if it uses any predicate other than R1CS.
fn r1cs_matrices(
    cs: &ConstraintSystemRef<Fr>,
) -> Result<(Vec<Row>, Vec<Row>, Vec<Row>), SynthesisError> {
    cs.finalize();
    let mut matrices = cs.to_matrices()?;
    if matrices.len() != 1 {
        return Err(SynthesisError::Unsatisfiable);
    }
    let mut abc = matrices
        .remove(R1CS_PREDICATE_LABEL)
        .ok_or(SynthesisError::Unsatisfiable)?;
    if abc.len() != 3 {
        return Err(SynthesisError::Unsatisfiable);
    }
    let c = abc.pop().unwrap_or_default();
    let b = abc.pop().unwrap_or_default();
    let a = abc.pop().unwrap_or_default();
    Ok((a, b, c))
}

/// The matrices and honest assignment of a synthesized R1CS circuit.
#[derive(Clone, Debug)]
pub struct Snapshot {
    a: Vec<Row>,
    b: Vec<Row>,
    c: Vec<Row>,
    z: Vec<Fr>,
    num_instance: usize,
    /// Per column, its non-zeros sorted by row.
    cols: Vec<Vec<Entry>>,
    /// Per row, `⟨A,z⟩, ⟨B,z⟩, ⟨C,z⟩` at the honest assignment.
    az: Vec<Fr>,
    bz: Vec<Fr>,
    cz: Vec<Fr>,
    /// Rows the honest assignment violates, ascending.
    honest_failures: Vec<usize>,
    /// Per row, the witness column it defines (see [`Snapshot::propagate`]).
    defines: Vec<Option<usize>>,
    labels: Vec<RowRange>,
}

fn dot(row: &Row, z: &[Fr]) -> Fr {
    row.iter().map(|(c, i)| *c * z[*i]).sum()
}

impl Snapshot {
    /// Snapshot of `cs` after synthesis (in prove mode, with matrices: the
    /// default of `ConstraintSystem::new_ref`). Finalizes `cs` (inlines the
    /// symbolic linear combinations); [`var_of_fp`] still works afterwards.
    ///
    /// Errors if `cs` has no assignment (setup mode) or no matrices, or uses a
    /// predicate other than R1CS.
    pub fn of(cs: &ConstraintSystemRef<Fr>) -> Result<Self, SynthesisError> {
        if cs.is_in_setup_mode() || !cs.should_construct_matrices() {
            return Err(SynthesisError::AssignmentMissing);
        }
        let (a, b, c) = r1cs_matrices(cs)?;
        let mut z = cs.instance_assignment()?;
        let num_instance = z.len();
        z.extend(cs.witness_assignment()?);
        Ok(Self::build(a, b, c, z, num_instance))
    }

    /// Synthesizes `circuit` in a fresh constraint system and snapshots it.
    pub fn from_circuit(circuit: impl ConstraintSynthesizer<Fr>) -> Result<Self, SynthesisError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        circuit.generate_constraints(cs.clone())?;
        Self::of(&cs)
    }

    fn build(a: Vec<Row>, b: Vec<Row>, c: Vec<Row>, z: Vec<Fr>, num_instance: usize) -> Self {
        let n = z.len();
        let mut cols: Vec<Vec<Entry>> = vec![Vec::new(); n];
        for (which, m) in [&a, &b, &c].into_iter().enumerate() {
            for (row, entries) in m.iter().enumerate() {
                for &(coeff, col) in entries {
                    let list = &mut cols[col];
                    let e = match list.last_mut() {
                        Some(e) if e.row == row => e,
                        _ => {
                            list.push(Entry {
                                row,
                                a: Fr::zero(),
                                b: Fr::zero(),
                                c: Fr::zero(),
                            });
                            list.last_mut().expect("just pushed")
                        }
                    };
                    match which {
                        0 => e.a += coeff,
                        1 => e.b += coeff,
                        _ => e.c += coeff,
                    }
                }
            }
        }
        // Entries were pushed matrix by matrix: merge the rows of A, B, C.
        for list in &mut cols {
            list.sort_by_key(|e| e.row);
            let mut merged: Vec<Entry> = Vec::with_capacity(list.len());
            for e in list.drain(..) {
                match merged.last_mut() {
                    Some(m) if m.row == e.row => {
                        m.a += e.a;
                        m.b += e.b;
                        m.c += e.c;
                    }
                    _ => merged.push(e),
                }
            }
            *list = merged;
        }
        let az: Vec<Fr> = a.iter().map(|r| dot(r, &z)).collect();
        let bz: Vec<Fr> = b.iter().map(|r| dot(r, &z)).collect();
        let cz: Vec<Fr> = c.iter().map(|r| dot(r, &z)).collect();
        let honest_failures = (0..a.len()).filter(|&r| az[r] * bz[r] != cz[r]).collect();
        let first_row: Vec<Option<usize>> = cols.iter().map(|l| l.first().map(|e| e.row)).collect();
        let defines = (0..a.len())
            .map(|r| {
                let m = a[r]
                    .iter()
                    .chain(&b[r])
                    .chain(&c[r])
                    .map(|(_, i)| *i)
                    .max()?;
                let e = cols[m].first()?;
                let linear = e.a.is_zero() || e.b.is_zero();
                // `x·y = 0` and `(x − y)·1 = 0` are checks, not definitions.
                let output = !c[r].is_empty();
                (m >= num_instance && first_row[m] == Some(r) && linear && output).then_some(m)
            })
            .collect();
        Self {
            a,
            b,
            c,
            z,
            num_instance,
            cols,
            az,
            bz,
            cz,
            honest_failures,
            defines,
            labels: Vec::new(),
        }
    }

    /// Attaches row labels (see [`RowRange::record`]).
    pub fn with_labels(mut self, ranges: impl IntoIterator<Item = RowRange>) -> Self {
        self.labels.extend(ranges);
        self
    }

    /// Number of rows (constraints).
    pub fn num_rows(&self) -> usize {
        self.a.len()
    }

    /// Number of instance variables, including the constant 1.
    pub fn num_instance(&self) -> usize {
        self.num_instance
    }

    /// Number of witness variables.
    pub fn num_witness(&self) -> usize {
        self.z.len() - self.num_instance
    }

    /// The column of `v` in `z` (`None` for the zero variable, a symbolic linear
    /// combination, or a variable the snapshot does not have).
    pub fn column(&self, v: Variable) -> Option<usize> {
        let col = if v.is_one() {
            0
        } else if v.is_instance() || v.is_witness() {
            v.get_variable_index(self.num_instance)?
        } else {
            return None;
        };
        (col < self.z.len()).then_some(col)
    }

    /// The variable of column `col`.
    pub fn variable(&self, col: usize) -> Variable {
        match col {
            0 => Variable::one(),
            c if c < self.num_instance => Variable::instance(c),
            c => Variable::witness(c - self.num_instance),
        }
    }

    /// The honest value of `v`.
    pub fn value(&self, v: Variable) -> Option<Fr> {
        self.column(v).map(|c| self.z[c])
    }

    /// The rows `v` appears in, ascending.
    pub fn rows_of(&self, v: Variable) -> Vec<usize> {
        self.column(v)
            .map(|c| self.cols[c].iter().map(|e| e.row).collect())
            .unwrap_or_default()
    }

    /// The first row `v` appears in (for an allocated bit: its booleanity row;
    /// for a product's output: the row that defines it).
    pub fn first_row_of(&self, v: Variable) -> Option<usize> {
        self.column(v)
            .and_then(|c| self.cols[c].first().map(|e| e.row))
    }

    /// The row that defines `v` (see [`Snapshot::propagate`]): `Some` for the
    /// outputs of products, selections, inversions and curve operations,
    /// `None` for free inputs (allocated values, bits, hints).
    pub fn defining_row(&self, v: Variable) -> Option<usize> {
        let c = self.column(v)?;
        let r = self.cols[c].first()?.row;
        (self.defines[r] == Some(c)).then_some(r)
    }

    /// Edits that give the witness block `to..to + from.len()` the values of the
    /// block `from`, for the variables no row defines; [`Snapshot::propagate`]
    /// then recomputes the defined ones. For blocks allocated by the same
    /// value-independent code (two chip slots, two facility slots), this
    /// copies one slot's inputs into another.
    pub fn copy_inputs(&self, from: Range<usize>, to: usize) -> Vec<(Variable, Fr)> {
        from.enumerate()
            .map(|(k, w)| (Variable::witness(w), Variable::witness(to + k)))
            .filter(|(src, _)| self.defining_row(*src).is_none())
            .filter_map(|(src, dst)| Some((dst, self.value(src)?)))
            .collect()
    }

    /// Same matrices and honest assignment (labels ignored).
    pub fn same_system(&self, other: &Snapshot) -> bool {
        self.num_instance == other.num_instance
            && self.z == other.z
            && self.a == other.a
            && self.b == other.b
            && self.c == other.c
    }

    /// The variables of row `row` (any of `A`, `B`, `C`), ascending by column.
    pub fn support(&self, row: usize) -> Vec<Variable> {
        let cols: BTreeSet<usize> = self.a[row]
            .iter()
            .chain(&self.b[row])
            .chain(&self.c[row])
            .map(|(_, i)| *i)
            .collect();
        cols.into_iter().map(|c| self.variable(c)).collect()
    }

    /// Label of the innermost recorded range containing `row`.
    pub fn label_of(&self, row: usize) -> Option<&str> {
        self.labels
            .iter()
            .filter(|r| r.rows.contains(&row))
            .min_by_key(|r| r.rows.len())
            .map(|r| r.label.as_str())
    }

    fn unsatisfied(&self, row: usize) -> Unsatisfied {
        Unsatisfied {
            row,
            name: self.label_of(row).map(str::to_string),
        }
    }

    /// The honest assignment satisfies every row, or the first row it violates.
    pub fn is_satisfied(&self) -> Result<(), Unsatisfied> {
        match self.honest_failures.first() {
            None => Ok(()),
            Some(&r) => Err(self.unsatisfied(r)),
        }
    }

    fn edited(&self, edits: &[(Variable, Fr)]) -> (Vec<Fr>, BTreeSet<usize>, BTreeSet<usize>) {
        let mut z = self.z.clone();
        let mut cols = BTreeSet::new();
        let mut rows = BTreeSet::new();
        for (v, val) in edits {
            let c = self
                .column(*v)
                .unwrap_or_else(|| panic!("{v:?} is not a column of this snapshot"));
            z[c] = *val;
            cols.insert(c);
            rows.extend(self.cols[c].iter().map(|e| e.row));
        }
        (z, cols, rows)
    }

    fn row_ok(&self, r: usize, z: &[Fr]) -> bool {
        dot(&self.a[r], z) * dot(&self.b[r], z) == dot(&self.c[r], z)
    }

    /// All rows the edited assignment violates, ascending: the rows touching an
    /// edited column that fail, and the honestly failing rows that do not.
    ///
    /// # Panics
    /// If an edited variable is not a column (see [`Snapshot::column`]).
    pub fn failing_rows(&self, edits: &[(Variable, Fr)]) -> Vec<usize> {
        let (z, _, touched) = self.edited(edits);
        let mut out: BTreeSet<usize> = touched
            .iter()
            .copied()
            .filter(|&r| !self.row_ok(r, &z))
            .collect();
        out.extend(self.honest_failures.iter().filter(|r| !touched.contains(r)));
        out.into_iter().collect()
    }

    /// Applies `edits` to the honest assignment: `Ok` if every row holds, else
    /// the first violated row. Evaluates only the rows of the edited columns.
    ///
    /// # Panics
    /// If an edited variable is not a column (see [`Snapshot::column`]).
    pub fn check(&self, edits: &[(Variable, Fr)]) -> Result<(), Unsatisfied> {
        let (z, _, touched) = self.edited(edits);
        let first_touched = touched.iter().copied().find(|&r| !self.row_ok(r, &z));
        let first_untouched = self
            .honest_failures
            .iter()
            .copied()
            .find(|r| !touched.contains(r));
        match (first_touched, first_untouched) {
            (None, None) => Ok(()),
            (Some(r), None) | (None, Some(r)) => Err(self.unsatisfied(r)),
            (Some(r), Some(s)) => Err(self.unsatisfied(r.min(s))),
        }
    }

    /// Completes `edits` as a cheating prover would: rows are visited in order
    /// from the first one an edit touches, and every violated row that
    /// *defines* a witness variable — its highest column, appearing in no
    /// earlier row, entering the row linearly, in a row whose `C` is not zero
    /// (the output of a product, a selection, an inversion, a curve
    /// operation; not a check `x·y = 0` or `x − y = 0`) — has that variable
    /// solved for, unless it was edited. Returns the edits followed by the recomputed
    /// variables. Rows that define nothing (booleanity, equalities, range
    /// recompositions, decompositions into bits) are left violated: they are
    /// the checks a hostile assignment has to get past.
    ///
    /// # Panics
    /// If an edited variable is not a column (see [`Snapshot::column`]).
    pub fn propagate(&self, edits: &[(Variable, Fr)]) -> Vec<(Variable, Fr)> {
        let (mut z, pinned, mut queue) = self.edited(edits);
        let mut changed: BTreeSet<usize> = BTreeSet::new();
        while let Some(r) = queue.pop_first() {
            if self.row_ok(r, &z) {
                continue;
            }
            let Some(m) = self.defines[r] else { continue };
            if pinned.contains(&m) {
                continue;
            }
            let e = self.cols[m][0];
            debug_assert_eq!(e.row, r);
            let old = z[m];
            z[m] = Fr::zero();
            let (al, be, ga) = (
                dot(&self.a[r], &z),
                dot(&self.b[r], &z),
                dot(&self.c[r], &z),
            );
            // (α + k_a·x)(β + k_b·x) = γ + k_c·x with k_a·k_b = 0.
            let denom = e.c - e.a * be - e.b * al;
            match denom.inverse() {
                Some(inv) => {
                    z[m] = (al * be - ga) * inv;
                    if z[m] != old {
                        changed.insert(m);
                        queue.extend(self.cols[m].iter().map(|e| e.row).filter(|&x| x > r));
                    }
                }
                None => z[m] = old,
            }
        }
        let mut out = edits.to_vec();
        out.extend(changed.into_iter().map(|c| (self.variable(c), z[c])));
        out
    }

    /// The first row that the cheating prover's completion of `edits` (see
    /// [`Snapshot::propagate`]) violates: where the circuit refuses them.
    ///
    /// # Panics
    /// If the completed edits satisfy every row, or as [`Snapshot::propagate`].
    pub fn first_failure(&self, edits: &[(Variable, Fr)]) -> Unsatisfied {
        match self.check(&self.propagate(edits)) {
            Err(u) => u,
            Ok(()) => panic!("the completed edits {edits:?} satisfy every row"),
        }
    }

    /// Witness variables that can be changed alone without violating any row
    /// (see the module docs), perturbed by a random non-zero delta from
    /// `StdRng::seed_from_u64(FREE_VARIABLE_SEED)` and, for 0/1 values, by a
    /// flip. `O(non-zeros)`.
    pub fn free_witness_variables(&self) -> Vec<FreeVar> {
        let mut rng = StdRng::seed_from_u64(FREE_VARIABLE_SEED);
        let mut out = Vec::new();
        for col in self.num_instance..self.z.len() {
            let v = self.z[col];
            let mut delta = Fr::rand(&mut rng);
            while delta.is_zero() {
                delta = Fr::rand(&mut rng);
            }
            let mut tries = vec![(Perturbation::Delta, delta)];
            if v.is_zero() {
                tries.push((Perturbation::Flip, Fr::one()));
            } else if v.is_one() {
                tries.push((Perturbation::Flip, -Fr::one()));
            }
            let by: Vec<Perturbation> = tries
                .into_iter()
                .filter(|(_, d)| {
                    self.cols[col].iter().all(|e| {
                        let r = e.row;
                        (self.az[r] + e.a * d) * (self.bz[r] + e.b * d) == self.cz[r] + e.c * d
                    })
                })
                .map(|(p, _)| p)
                .collect();
            if !by.is_empty() {
                let w = col - self.num_instance;
                out.push(FreeVar {
                    variable: self.variable(col),
                    column: col,
                    value: v,
                    by,
                    rows: self.cols[col].len(),
                    name: self
                        .labels
                        .iter()
                        .filter(|r| r.witnesses.contains(&w))
                        .min_by_key(|r| r.witnesses.len())
                        .map(|r| r.label.clone()),
                });
            }
        }
        out
    }

    /// `Ok` iff the free witness variables are exactly the `explained` ones;
    /// otherwise a report listing the unexplained free variables and the
    /// explained ones that turned out constrained.
    pub fn check_free(&self, explained: &Explained) -> Result<(), FreeVarReport> {
        let free = self.free_witness_variables();
        let free_set: BTreeSet<Variable> = free.iter().map(|f| f.variable).collect();
        let unexplained: Vec<FreeVar> = free
            .into_iter()
            .filter(|f| !explained.reasons.contains_key(&f.variable))
            .collect();
        let not_free: Vec<(Variable, String)> = explained
            .reasons
            .iter()
            .filter(|(v, _)| !free_set.contains(v))
            .map(|(v, why)| (*v, why.clone()))
            .collect();
        if unexplained.is_empty() && not_free.is_empty() {
            Ok(())
        } else {
            Err(FreeVarReport {
                unexplained,
                not_free,
            })
        }
    }
}

pub mod relayout;

/// A circuit's R1CS as its keys are made: synthesized in setup mode (no
/// witness), optimized for constraints, symbolic linear combinations inlined.
///
/// A [`relayout::search`] checks hundreds of whole witnesses of one circuit:
/// it builds these once and then, per witness, only computes the assignment
/// (prove mode without matrices, the cheap half of synthesis) and evaluates
/// the rows ([`Matrices::check`]). Checking against the setup-mode matrices is
/// also the faithful check: they are the rows the proving key enforces, even
/// for a circuit whose prove-mode rows would depend on the witness.
#[derive(Clone, Debug)]
pub struct Matrices {
    a: Vec<Row>,
    b: Vec<Row>,
    c: Vec<Row>,
    num_instance: usize,
    num_witness: usize,
}

impl Matrices {
    /// Synthesizes `circuit` in setup mode (its witness, if any, is not
    /// read) and keeps its matrices.
    pub fn of(circuit: impl ConstraintSynthesizer<Fr>) -> Result<Self, SynthesisError> {
        use ark_relations::gr1cs::{OptimizationGoal, SynthesisMode};
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        circuit.generate_constraints(cs.clone())?;
        let (a, b, c) = r1cs_matrices(&cs)?;
        Ok(Self {
            a,
            b,
            c,
            num_instance: cs.num_instance_variables(),
            num_witness: cs.num_witness_variables(),
        })
    }

    /// Number of rows (constraints).
    pub fn num_rows(&self) -> usize {
        self.a.len()
    }

    /// The full assignment `(1, instance, witness)` that synthesis of
    /// `circuit` produces, computed without building any row (prove mode
    /// without matrices, the same optimization goal as [`Matrices::of`]).
    /// `Err` carries synthesis's own error (e.g. a witness of the wrong
    /// shape), or says that the assignment does not have the matrices'
    /// number of instance and witness variables.
    pub fn assignment(
        &self,
        circuit: impl ConstraintSynthesizer<Fr>,
    ) -> Result<Vec<Fr>, SynthesisError> {
        use ark_relations::gr1cs::{OptimizationGoal, SynthesisMode};
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Prove {
            construct_matrices: false,
            generate_lc_assignments: false,
        });
        circuit.generate_constraints(cs.clone())?;
        let mut z = cs.instance_assignment()?;
        if z.len() != self.num_instance || cs.num_witness_variables() != self.num_witness {
            return Err(SynthesisError::AssignmentMissing);
        }
        z.extend(cs.witness_assignment()?);
        Ok(z)
    }

    /// The first row that `z` (a full assignment, see
    /// [`Matrices::assignment`]) violates, or `None` if every row holds.
    ///
    /// # Panics
    /// If `z` does not have the matrices' number of columns.
    pub fn first_unsatisfied(&self, z: &[Fr]) -> Option<usize> {
        assert_eq!(z.len(), self.num_instance + self.num_witness);
        (0..self.a.len()).find(|&r| dot(&self.a[r], z) * dot(&self.b[r], z) != dot(&self.c[r], z))
    }

    /// A SHA-256 of the matrices: the number of instance and witness
    /// variables, then each matrix row by row, each non-zero as its column
    /// and its coefficient's canonical bytes.
    pub fn digest(&self) -> String {
        use ark_ff::{BigInteger, PrimeField};
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update((self.num_instance as u64).to_le_bytes());
        h.update((self.num_witness as u64).to_le_bytes());
        for matrix in [&self.a, &self.b, &self.c] {
            h.update((matrix.len() as u64).to_le_bytes());
            for row in matrix {
                h.update((row.len() as u64).to_le_bytes());
                for (coeff, col) in row {
                    h.update((*col as u64).to_le_bytes());
                    h.update(coeff.into_bigint().to_bytes_le());
                }
            }
        }
        hex::encode(h.finalize())
    }
}

/// A SHA-256 of a circuit's R1CS matrices as its keys are made
/// ([`Matrices::digest`] of [`Matrices::of`]). A test pins it next to the
/// constraint count, so that any change of the circuit is a visible diff (and
/// means new keys).
pub fn matrices_digest(circuit: impl ConstraintSynthesizer<Fr>) -> Result<String, SynthesisError> {
    Ok(Matrices::of(circuit)?.digest())
}

#[cfg(test)]
mod tests;
