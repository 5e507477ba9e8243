//! The bedside check (clinical-rules.md §1).
