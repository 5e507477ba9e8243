//! Structures back to the barcode text they are read from.
use super::Structure;

pub fn format_structure(_s: &Structure) -> Option<String> {
    todo!("helper")
}
