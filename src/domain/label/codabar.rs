//! Legacy Codabar bag labels behind a configurable profile.
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodabarProfile {}

impl CodabarProfile {
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}
