//! ISBT 128 data structures.
use super::{LabelError, LabelProfile, Structure};

pub fn parse_scan(_text: &str, _profile: &LabelProfile) -> Result<Vec<Structure>, LabelError> {
    todo!("helper")
}
