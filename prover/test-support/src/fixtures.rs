//! Small shapes and rules that the tests prove with.
use zkcc_circuits::request::RequestShape;
use zkcc_circuits::shard::ShardShape;
use zkcc_verifier::submission::RulesJson;

/// The standard small shard: 3 facility slots of 4 chips.
pub const SHAPE: ShardShape = ShardShape::new(3, 4);

/// [`SHAPE`]'s circuit name.
pub const SHARD: &str = "shard-3x4";

/// The standard small request: 3 shards of 3 entries.
pub const RSHAPE: RequestShape = RequestShape::new(3, 3);

/// [`RSHAPE`]'s circuit name.
pub const REQUEST: &str = "request-3x3";

/// Rules that the sample fleet obeys with room to spare: caps far above
/// it, home country FR with no minimum share, tier up to 2.
pub fn loose_rules() -> RulesJson {
    RulesJson {
        facility_cap_chips: 100,
        facility_cap_tpp: 10_000_000,
        home_country: "FR".into(),
        home_min_bp: 0,
        other_max_bp: 10_000,
        outside_tier1_max_bp: 10_000,
        max_tier: 2,
        total_cap_chips: 1_000,
        total_cap_tpp: 100_000_000,
    }
}
