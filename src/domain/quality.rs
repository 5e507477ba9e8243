//! Quality indicators (clinical-rules.md §5).
