//! ISO/IEC 7064 MOD 37-2 (ST-001 §7.5).
pub fn check_character(_data: &str) -> Option<char> {
    todo!("helper")
}
