//! The ISBT 128 tables of data/isbt128, compiled in.
