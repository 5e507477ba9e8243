//! Reading what a scanner sends from a blood-bag label or a wristband: ISBT 128 data structures
//! (`isbt128`), GS1 element strings (`gs1`), legacy Codabar labels (`codabar`), and the
//! ISO 7064 MOD 37-2 check character (`checkchar`). The rules are those of `spec/isbt128.md`;
//! the facts come from the tables in `data/isbt128/`, compiled in.
//!
//! Every failure is a [`LabelError`] whose code is one of the codes of `docs/cli.md` and whose
//! message tells the nurse what to do. No input makes these functions panic.

pub mod checkchar;
pub mod codabar;
pub mod format;
pub mod gs1;
pub mod isbt128;
pub mod json;
mod tables;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::blood::{Abo, Group, Rhd};
use crate::messages::Text;

pub use codabar::CodabarProfile;
pub use format::format_structure;

/// The error codes of `docs/cli.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LabelErrorCode {
    Empty,
    UnknownDataIdentifier,
    InvalidLength,
    InvalidCharacter,
    InvalidDate,
    UnknownBloodGroup,
    CheckCharacterMismatch,
    CheckDigitMismatch,
}

impl LabelErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            LabelErrorCode::Empty => "EMPTY",
            LabelErrorCode::UnknownDataIdentifier => "UNKNOWN_DATA_IDENTIFIER",
            LabelErrorCode::InvalidLength => "INVALID_LENGTH",
            LabelErrorCode::InvalidCharacter => "INVALID_CHARACTER",
            LabelErrorCode::InvalidDate => "INVALID_DATE",
            LabelErrorCode::UnknownBloodGroup => "UNKNOWN_BLOOD_GROUP",
            LabelErrorCode::CheckCharacterMismatch => "CHECK_CHARACTER_MISMATCH",
            LabelErrorCode::CheckDigitMismatch => "CHECK_DIGIT_MISMATCH",
        }
    }
}

/// Why a scan could not be read, in words a nurse can act on (both languages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelError {
    pub code: LabelErrorCode,
    pub message: Text,
}

impl std::fmt::Display for LabelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            self.code.as_str(),
            self.message.get(crate::messages::Lang::En)
        )
    }
}

impl std::error::Error for LabelError {}

/// Which optional readers are switched on (hospital configuration).
#[derive(Debug, Clone, Default)]
pub struct LabelProfile {
    /// Legacy Codabar bag labels; `None` (the default) rejects them like any unknown text.
    pub codabar: Option<CodabarProfile>,
}

/// One data structure read from a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Structure {
    Din(Din),
    BloodGroup(BloodGroupLabel),
    ProductCode(ProductCode),
    /// DS004 (date only: `with_time` false, time 23:59) or DS005.
    Expiry {
        expires_at: NaiveDateTime,
        with_time: bool,
    },
    /// DS006 / DS007.
    Collection {
        collected_at: NaiveDateTime,
        with_time: bool,
    },
    /// DS008 / DS009.
    Production {
        produced_at: NaiveDateTime,
        with_time: bool,
    },
    /// DS023: how many structures follow and the RT017 sequence number (`000` = unspecified).
    CompoundMessage {
        count: u8,
        sequence: String,
    },
    Gs1(Gs1Elements),
    Codabar(CodabarLabel),
    /// Any other ISBT 128 structure, kept as its data plus the parts we can name.
    Other(OtherStructure),
}

/// DS001, or a keyed-in DIN with its keyboard check character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Din {
    /// The 13 characters `αppppyynnnnnn`.
    pub din: String,
    /// The two flag characters; `None` for a keyed-in DIN.
    pub flags: Option<String>,
    /// The MOD 37-2 keyboard check character K of `din`.
    pub check_char: char,
    /// True when the nurse keyed the DIN in (fallback entry) instead of scanning it.
    pub keyed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagType {
    None,
    Type1,
    Type2Local,
    Type3Checksum,
    Reserved,
}

/// DS002.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BloodGroupLabel {
    /// `gg`, case-sensitive.
    pub code: String,
    pub abo: Option<Abo>,
    pub rhd: Option<Rhd>,
    /// The Rh/Kell phenotype character `r` (`0` when unused).
    pub phenotype: char,
    /// `bombay`, `para_bombay`, `pooled`, `subgroup_a1`, … from `blood_groups.tsv`.
    pub special: Option<String>,
    /// Intended use (`directed`, `autologous_only`, …); `default` when unspecified.
    pub intended_use: Option<String>,
    /// The text of a special message (RT006), e.g. "For autologous use only".
    pub message: Option<String>,
}

impl BloodGroupLabel {
    pub fn group(&self) -> Group {
        Group::new(self.abo, self.rhd)
    }
}

/// DS003.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductCode {
    /// All eight characters `αoooo t ds`.
    pub product_code: String,
}

/// A GS1 element string (wristbands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gs1Elements {
    /// The 18-digit GSRN of AI (8018), check digit verified.
    pub gsrn: Option<String>,
    /// Every element in order: (application identifier, value).
    pub elements: Vec<(String, String)>,
}

/// A legacy Codabar bag label read through the configured profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodabarLabel {
    pub din: Option<String>,
    pub group: Option<Group>,
    pub product_code: Option<String>,
    pub expires_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherStructure {
    /// The `kind` column of `data_structures.tsv`.
    pub kind: String,
    /// The literal data identifier, e.g. `=,` or `&x`.
    pub data_identifier: String,
    /// Everything after the identifier.
    pub data: String,
    /// Named parts, e.g. `("location", "01"), ("id", "ABC12")` for DS025.
    pub fields: Vec<(String, String)>,
}

impl Structure {
    /// The `kind` of `docs/cli.md`.
    pub fn kind(&self) -> &str {
        match self {
            Structure::Din(_) => "din",
            Structure::BloodGroup(_) => "blood_group",
            Structure::ProductCode(_) => "product_code",
            Structure::Expiry { .. } => "expiry",
            Structure::Collection { .. } => "collection",
            Structure::Production { .. } => "production",
            Structure::CompoundMessage { .. } => "compound_message",
            Structure::Gs1(_) => "gs1",
            Structure::Codabar(_) => "codabar",
            Structure::Other(o) => &o.kind,
        }
    }
}

/// Reads one scan: trims what scanners add, removes an AIM symbology identifier, then reads
/// an ISBT 128 data structure (or several concatenated), a keyed-in DIN with its check
/// character, a GS1 element string, or — when the profile enables it — a legacy Codabar label.
pub fn parse_scan(text: &str, profile: &LabelProfile) -> Result<Vec<Structure>, LabelError> {
    isbt128::parse_scan(text, profile)
}

/// The ISO/IEC 7064 MOD 37-2 check character of `data` (digits and upper-case letters), or
/// `None` when `data` is empty or holds another character.
pub fn check_character(data: &str) -> Option<char> {
    checkchar::check_character(data)
}

/// The ABO/RhD of an ISBT 128 blood group code (`51` → O RhD+), the form the blood bank's
/// records carry; `None` for a code the tables do not know.
pub fn group_of_code(code: &str) -> Option<Group> {
    let row = tables::tables().blood_groups.get(code)?;
    Some(Group::new(Abo::parse(&row.abo), Rhd::parse(&row.rhd)))
}

/// The ISBT 128 default-use code of a group (O RhD+ → `51`), for writing records.
pub fn code_of_group(group: Group) -> Option<&'static str> {
    tables::tables()
        .blood_groups
        .iter()
        .filter(|(_, row)| {
            !row.special_message
                && row.special.is_empty()
                && row.collection == "default"
                && Abo::parse(&row.abo) == group.abo
                && Rhd::parse(&row.rhd) == group.rhd
        })
        .map(|(code, _)| code.as_str())
        .min()
}
