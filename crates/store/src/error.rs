//! What can go wrong with the device's database, in the IT team's words (`Display`) and the
//! nurse's (`message`).

use crate::KeyError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the device's database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("the device's database {path} cannot be read with this key (wrong key or not an encrypted store), or its first page is damaged; it was left as it is")]
    WrongKey { path: String },
    #[error("the device's database {path} is damaged or encrypted ({why}): it cannot be opened without the right key ([device] store_key_file) and was left as it is")]
    Unreadable { path: String, why: String },
    #[error("the device's database {path} is damaged ({why}); it was left as it is")]
    Damaged { path: String, why: String },
    #[error("the device's storage is full: nothing of this action was saved and earlier records are kept; free space on the device, then do it again")]
    Full,
    #[error("the device's database cannot be written (its file or storage is read-only): nothing of this action was saved; call the ward's IT support")]
    ReadOnly,
    #[error("the device's database is busy (another program is writing to it): nothing was saved; try again")]
    Busy,
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("the device's database cannot be brought to this version's schema (it was left as it is): {0}")]
    Schema(#[from] rusqlite_migration::Error),
    #[error("the device's database: {0}")]
    Sqlite(rusqlite::Error),
    #[error("the device's database holds a record it cannot read ({0}); it was left as it is")]
    Corrupt(String),
    #[error("unit of dispense {0} was already started on this device: a bag is hung once")]
    AlreadyStarted(String),
}

impl StoreError {
    /// What a nurse reads, in her language: what happened to her action and what to do. The
    /// technical detail (file, SQLite's words) stays in the English `Display` for the IT log.
    pub fn message(&self) -> bedside_core::messages::Text {
        use bedside_core::messages::{tr_noop, Text};
        let msgid = match self {
            StoreError::Full => tr_noop("The device's storage is full: nothing of this action was saved and earlier records are kept. Free space on the device, then do it again."),
            StoreError::ReadOnly => tr_noop("The device's database cannot be written: nothing of this action was saved. Call the ward's IT support."),
            StoreError::Busy => tr_noop("The device's database is busy: nothing was saved. Try again."),
            StoreError::AlreadyStarted(_) => tr_noop("This unit was already started on this device: a bag is hung once."),
            StoreError::WrongKey { .. } | StoreError::Key(_) => tr_noop("The device's database cannot be opened with this device's key. Call the ward's IT support."),
            StoreError::Open { .. }
            | StoreError::Unreadable { .. }
            | StoreError::Damaged { .. }
            | StoreError::Corrupt(_)
            | StoreError::Schema(_)
            | StoreError::Sqlite(_) => tr_noop("The device's database cannot read a record; it was left as it is. Call the ward's IT support."),
        };
        Text::tr(msgid, &[])
    }
}

/// SQLite's result codes as the nurse and the IT team need them: a full disk, a read-only file
/// and a busy database each get their own words.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::Full,
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly,
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                StoreError::Corrupt(e.to_string())
            }
            // SQLCipher reports a page that fails its check (damaged or altered on disk) as
            // "out of memory": the words name both causes.
            Some(ErrorCode::OutOfMemory) => StoreError::Corrupt(
                "a page failed its check: damaged or altered on disk, or the device ran out of \
                 memory"
                    .into(),
            ),
            _ => StoreError::Sqlite(e),
        }
    }
}
