//! GS1 element strings (wristbands).
use super::{Gs1Elements, LabelError};

pub fn parse_gs1(_text: &str) -> Result<Gs1Elements, LabelError> {
    todo!("helper")
}
