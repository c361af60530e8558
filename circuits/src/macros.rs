//! The plumbing every claim module shares, written once: its domain tags, its
//! public-input list, and its circuit type.

/// Domain tags: each `name = b"label"` becomes `pub fn name() -> Fr`, the
/// label read as a big-endian integer mod r (see [`crate::domain::tag`]).
macro_rules! domain_tags {
    ($($(#[$doc:meta])* $name:ident = $label:literal;)+) => {
        $(
            $(#[$doc])*
            pub fn $name() -> ark_bn254::Fr {
                $crate::domain::tag($label)
            }
        )+
    };
}

/// A statement's public inputs from one list of its fields: the names
/// (`PUBLIC_INPUT_NAMES`) and the values (`public_inputs`), in one order that
/// cannot drift apart. Each field is a field element or an integer.
macro_rules! public_inputs {
    ($Statement:ident { $($field:ident),+ $(,)? }) => {
        /// Names of the public inputs, in order.
        pub const PUBLIC_INPUT_NAMES: [&str; [$(stringify!($field)),+].len()] =
            [$(stringify!($field)),+];

        impl $Statement {
            /// The Groth16 public inputs, in [`PUBLIC_INPUT_NAMES`] order.
            pub fn public_inputs(&self) -> Vec<ark_bn254::Fr> {
                vec![$(ark_bn254::Fr::from(self.$field)),+]
            }
        }
    };
}

/// A claim's circuit type: its capacity, public statement and private
/// witness (`None` at setup); `with_witness`; `for_setup` (constraints only,
/// with the statement given); `into_parts` (the witness, or at setup the
/// `padding` of the capacity, checked to `fits` it); and the
/// `ConstraintSynthesizer` impl over the module's `synthesize` (which also
/// returns the variables tests aim at).
#[cfg(feature = "r1cs")]
macro_rules! claim_circuit {
    (
        $(#[$doc:meta])*
        $name:ident {
            $(#[$cap_doc:meta])* $cap:ident: $Cap:ty,
            statement: $Statement:ty,
            witness: $Witness:ty,
            setup: $setup:expr,
            padding: |$pad_cap:ident| $padding:expr,
            fits: $fits:path $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            $(#[$cap_doc])*
            pub $cap: $Cap,
            /// Public statement.
            pub statement: $Statement,
            /// Private witness (`None` for setup).
            pub witness: Option<$Witness>,
        }

        impl $name {
            /// The circuit a prover synthesizes: `statement` with its `witness`.
            pub fn with_witness($cap: $Cap, statement: $Statement, witness: $Witness) -> Self {
                Self {
                    $cap,
                    statement,
                    witness: Some(witness),
                }
            }

            /// The circuit used at setup: constraints only.
            pub fn for_setup($cap: $Cap) -> Self {
                Self {
                    $cap,
                    statement: $setup,
                    witness: None,
                }
            }

            /// Its capacity, statement and witness (at setup, the all-padding
            /// witness of the capacity), what `synthesize` starts from; refused
            /// (unsatisfiable) where the witness does not fit the capacity. No
            /// constraints.
            pub fn into_parts(
                self,
            ) -> Result<($Cap, $Statement, $Witness), ark_relations::gr1cs::SynthesisError> {
                let $pad_cap = self.$cap;
                let witness = self.witness.unwrap_or_else(|| $padding);
                if !$fits(&$pad_cap, &witness) {
                    return Err(ark_relations::gr1cs::SynthesisError::Unsatisfiable);
                }
                Ok(($pad_cap, self.statement, witness))
            }
        }

        impl ark_relations::gr1cs::ConstraintSynthesizer<ark_bn254::Fr> for $name {
            fn generate_constraints(
                self,
                cs: ark_relations::gr1cs::ConstraintSystemRef<ark_bn254::Fr>,
            ) -> Result<(), ark_relations::gr1cs::SynthesisError> {
                synthesize(self, cs).map(|_| ())
            }
        }
    };
}
