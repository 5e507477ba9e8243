//! Observation schedule and reaction triggers (clinical-rules.md §2–4).
