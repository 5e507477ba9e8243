//! The audit trail as a hash chain. Every row keeps `hash`: SHA-256 (lowercase hex) over the
//! previous row's hash and this row's `HASHED_COLUMNS`, each field length-prefixed and named, so
//! no two different rows encode alike. Changing a row's content, removing a row or slipping one
//! in breaks the chain at that row; `verify` finds the first such row.
//!
//! What a chain without a secret cannot do: someone who can write the file and knows this code
//! can rewrite every hash after a change, and removing the last rows leaves a shorter chain that
//! is still whole. Both show only against a head hash kept elsewhere (written down, sent to the
//! blood bank): `bedside audit verify` prints the head, and `--expect-head` checks an earlier one
//! is still in the chain. The next row appended after a removal at the end does show a gap,
//! because its seq continues from SQLite's own counter of the table.

use rusqlite::types::{Value, ValueRef};
use rusqlite::{params_from_iter, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

/// The columns of `audit` the hash covers, in this order: the one place that lists them. A new
/// column joins the chain by one more name here (and its value in `append`). A NULL field is
/// left out of the hash, so rows written before a nullable column existed keep their hashes.
pub const HASHED_COLUMNS: [&str; 6] = ["seq", "at", "actor", "action", "detail", "subject"];

/// Marks the encoding, so that a later change of it cannot be mistaken for this one.
const DOMAIN: &[u8] = b"bedside audit chain v1";

/// The no-update trigger as migration 003 made it; migration 007 drops it only while its hook
/// chains the legacy rows, and the hook creates it again in the same transaction.
const NO_UPDATE_TRIGGER: &str = "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;";

/// The hash of one row given the previous row's hash (`""` before the first row).
pub fn row_hash(prev: &str, fields: &[(&str, ValueRef<'_>)]) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    put_bytes(&mut h, b"prev");
    put_bytes(&mut h, prev.as_bytes());
    for (name, value) in fields {
        let (tag, bytes): (u8, Vec<u8>) = match value {
            ValueRef::Null => continue,
            ValueRef::Integer(i) => (b'i', i.to_be_bytes().to_vec()),
            ValueRef::Real(r) => (b'r', r.to_bits().to_be_bytes().to_vec()),
            ValueRef::Text(t) => (b't', t.to_vec()),
            ValueRef::Blob(b) => (b'b', b.to_vec()),
        };
        put_bytes(&mut h, name.as_bytes());
        h.update([tag]);
        put_bytes(&mut h, &bytes);
    }
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

fn put_bytes(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

fn named<'a>(values: &'a [Value]) -> Vec<(&'static str, ValueRef<'a>)> {
    HASHED_COLUMNS
        .iter()
        .copied()
        .zip(values.iter().map(ValueRef::from))
        .collect()
}

/// Appends one chained row, inside the caller's transaction when there is one, else in a
/// transaction of its own taken for writing first: two connections (the app and its link worker)
/// must never both read the same head and fork the chain.
pub(super) fn append(
    conn: &Connection,
    at: &str,
    actor: &str,
    action: &str,
    detail: &str,
    subject: Option<&str>,
) -> rusqlite::Result<usize> {
    let own = conn.is_autocommit();
    if own {
        conn.execute_batch("BEGIN IMMEDIATE")?;
    }
    let result = (|| {
        let seq: i64 = conn.query_row(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit'), 0),
                        COALESCE((SELECT MAX(seq) FROM audit), 0)) + 1",
            [],
            |r| r.get(0),
        )?;
        let prev = head(conn)?.map(|(_, h)| h).unwrap_or_default();
        // In HASHED_COLUMNS order.
        let values = [
            Value::Integer(seq),
            Value::Text(at.to_owned()),
            Value::Text(actor.to_owned()),
            Value::Text(action.to_owned()),
            Value::Text(detail.to_owned()),
            subject.map_or(Value::Null, |s| Value::Text(s.to_owned())),
        ];
        let hash = row_hash(&prev, &named(&values));
        let placeholders = vec!["?"; HASHED_COLUMNS.len() + 1].join(", ");
        let sql = format!(
            "INSERT INTO audit ({}, hash) VALUES ({placeholders})",
            HASHED_COLUMNS.join(", ")
        );
        let mut all = values.to_vec();
        all.push(Value::Text(hash));
        conn.execute(&sql, params_from_iter(all))
    })();
    if own {
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        if let Err(e) = conn.execute_batch(end) {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    result
}

/// The last row's seq and hash (an empty hash if that row has none).
fn head(conn: &Connection) -> rusqlite::Result<Option<(i64, String)>> {
    conn.query_row(
        "SELECT seq, COALESCE(hash, '') FROM audit ORDER BY seq DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// One stored row: its seq, its hashed fields in `HASHED_COLUMNS` order, its stored hash.
struct StoredRow {
    seq: i64,
    values: Vec<Value>,
    hash: Option<String>,
}

/// Calls `visit` with each stored row in seq order, one row in memory at a time (a year of
/// audit detail need not fit in a handheld's memory), until it returns `Some`.
fn walk<T>(
    conn: &Connection,
    mut visit: impl FnMut(StoredRow) -> Option<T>,
) -> rusqlite::Result<Option<T>> {
    let sql = format!(
        "SELECT seq, hash, {} FROM audit ORDER BY seq",
        HASHED_COLUMNS.join(", ")
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let values = (0..HASHED_COLUMNS.len())
            .map(|i| r.get::<_, Value>(i + 2))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let row = StoredRow {
            seq: r.get(0)?,
            hash: r.get(1)?,
            values,
        };
        if let Some(done) = visit(row) {
            return Ok(Some(done));
        }
    }
    Ok(None)
}

/// Migration 007's hook: chains the rows written before the chain existed, in seq order, then
/// puts back the no-update trigger the migration's SQL dropped. Runs inside the migration's
/// transaction.
pub(super) fn chain_legacy_rows(tx: &rusqlite::Transaction) -> rusqlite_migration::HookResult {
    let mut prev = String::new();
    let mut hashes = Vec::new();
    walk(tx, |row| {
        prev = row_hash(&prev, &named(&row.values));
        hashes.push((row.seq, prev.clone()));
        None::<()>
    })?;
    for (seq, hash) in hashes {
        tx.execute(
            "UPDATE audit SET hash = ?1 WHERE seq = ?2",
            rusqlite::params![hash, seq],
        )?;
    }
    tx.execute_batch(NO_UPDATE_TRIGGER)?;
    Ok(())
}

/// The last row of an intact trail: what to write down or send away as the anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

/// What `Store::verify_audit` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerdict {
    /// Every row matches its hash and follows the one before; `head` is `None` for an empty
    /// trail.
    Intact {
        rows: usize,
        head: Option<AuditHead>,
    },
    /// The chain breaks first at `seq`.
    Broken { seq: i64, problem: AuditBreak },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditBreak {
    /// The row's fields and the hash before it no longer give its stored hash: the row was
    /// edited, or forged with a made-up hash, or the row before it was re-hashed.
    HashMismatch,
    /// Rows `seq` up to `next - 1` are missing: removed.
    Missing { next: i64 },
    /// A row without a hash: added behind the app's back.
    Unhashed,
    /// The head hash given as the anchor is in no row: rows were removed from the end, or the
    /// whole trail was rewritten. `seq` is the one after the last row.
    AnchorNotFound { anchor: String },
}

impl AuditBreak {
    /// Machine-readable code for the CLI's JSON.
    pub fn code(&self) -> &'static str {
        match self {
            AuditBreak::HashMismatch => "HASH_MISMATCH",
            AuditBreak::Missing { .. } => "MISSING_ROWS",
            AuditBreak::Unhashed => "UNHASHED_ROW",
            AuditBreak::AnchorNotFound { .. } => "ANCHOR_NOT_FOUND",
        }
    }

    /// What is wrong at `seq`, in words.
    pub fn describe(&self, seq: i64) -> String {
        match self {
            AuditBreak::HashMismatch => format!(
                "audit row {seq} does not match its hash: it was changed after it was written \
                 (or forged, or the row before it was re-hashed)"
            ),
            AuditBreak::Missing { next } if *next == seq + 1 => {
                format!("audit row {seq} is missing: it was removed")
            }
            AuditBreak::Missing { next } => format!(
                "audit rows {seq} to {} are missing: they were removed",
                next - 1
            ),
            AuditBreak::Unhashed => {
                format!("audit row {seq} has no hash: it was added outside the app")
            }
            AuditBreak::AnchorNotFound { anchor } => format!(
                "the expected head hash {anchor} is in no audit row: rows were removed from the \
                 end of the trail (from row {seq} on), or the trail was rewritten"
            ),
        }
    }
}

/// Walks the whole trail from the first row.
pub(super) fn verify(conn: &Connection) -> rusqlite::Result<AuditVerdict> {
    let mut prev = String::new();
    let mut rows = 0;
    let mut last_seq = 0;
    let broken = walk(conn, |row| {
        let expected_seq = last_seq + 1;
        if row.seq > expected_seq {
            return Some(AuditVerdict::Broken {
                seq: expected_seq,
                problem: AuditBreak::Missing { next: row.seq },
            });
        }
        if row.seq < expected_seq {
            // A seq below the expected one cannot come from the counter: slipped in.
            return Some(AuditVerdict::Broken {
                seq: row.seq,
                problem: AuditBreak::HashMismatch,
            });
        }
        let Some(stored) = &row.hash else {
            return Some(AuditVerdict::Broken {
                seq: row.seq,
                problem: AuditBreak::Unhashed,
            });
        };
        let computed = row_hash(&prev, &named(&row.values));
        if &computed != stored {
            return Some(AuditVerdict::Broken {
                seq: row.seq,
                problem: AuditBreak::HashMismatch,
            });
        }
        prev = computed;
        rows += 1;
        last_seq = row.seq;
        None
    })?;
    Ok(broken.unwrap_or_else(|| AuditVerdict::Intact {
        rows,
        head: (rows > 0).then_some(AuditHead {
            seq: last_seq,
            hash: prev,
        }),
    }))
}

/// `verify`, then: the anchor (a head hash kept elsewhere earlier) must be some row's hash.
pub(super) fn verify_against(conn: &Connection, anchor: &str) -> rusqlite::Result<AuditVerdict> {
    let verdict = verify(conn)?;
    if let AuditVerdict::Intact { head, .. } = &verdict {
        let anchor = anchor.trim().to_ascii_lowercase();
        let found: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM audit WHERE hash = ?1)",
            [&anchor],
            |r| r.get(0),
        )?;
        if !found {
            return Ok(AuditVerdict::Broken {
                seq: head.as_ref().map_or(1, |h| h.seq + 1),
                problem: AuditBreak::AnchorNotFound { anchor },
            });
        }
    }
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: &[&str]) -> Vec<Value> {
        let mut out = vec![Value::Integer(1)];
        out.extend(v.iter().map(|s| Value::Text(s.to_string())));
        out
    }

    #[test]
    fn moving_text_between_fields_changes_the_hash() {
        let a = texts(&["t", "ab", "c", ""]);
        let b = texts(&["t", "a", "bc", ""]);
        assert_ne!(row_hash("", &named(&a)), row_hash("", &named(&b)));
        assert_eq!(row_hash("", &named(&a)).len(), 64);
    }

    #[test]
    fn a_null_field_leaves_the_hash_as_without_that_column() {
        let v = texts(&["t", "a", "b", "c"]);
        let mut fields = named(&v);
        let before = row_hash("p", &fields);
        fields.push(("subject", ValueRef::Null));
        assert_eq!(row_hash("p", &fields), before);
        fields.pop();
        fields.push(("subject", ValueRef::Text(b"")));
        assert_ne!(row_hash("p", &fields), before);
    }
}
