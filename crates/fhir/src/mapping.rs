//! How a blood bank's codes become what the check needs (docs/fhir-contract.md §4.1): which
//! identifier systems carry a unit's DIN and its product code, and which component class a
//! product code is when the blood bank sends no class. It is configuration (`[mapping]`), read
//! the same way by the device, `bedside mapping check` and the tests. Strict where a wrong unit
//! could pass: a DIN or product code in a system the mapping does not name, or a product code with
//! no class, holds the unit with the reason; tolerant where the standard allows: the ISBT 128
//! URIs are compared without regard to case (R5's own examples write
//! `DonationIdentificationNumber`), and a coding may omit its system when its value has the ISBT
//! 128 form.

use std::collections::BTreeMap;

use serde::Deserialize;

use bedside_core::blood::Component;

use super::{ISBT_DIN, ISBT_PDC, MRN_SYSTEM, WRISTBAND_SYSTEM};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mapping {
    /// Identifier systems of `BiologicallyDerivedProduct.biologicalSourceEvent` that carry the
    /// unit's DIN as its label prints it (the ISBT 128 URI by default; a blood centre with its own
    /// donation numbers adds its system).
    pub din_systems: Vec<String>,
    /// A donation identifier with no system is taken when its value has the form of an ISBT 128
    /// DIN (a facility letter, four characters, the year's two digits, six digits).
    pub din_without_system: bool,
    /// Code systems of `productCode` that carry the product code the label prints.
    pub product_code_systems: Vec<String>,
    /// A product code with no system (R5 allows a coding without one) is taken when it has the
    /// form of an ISBT 128 product description code (a letter and four digits).
    pub product_code_without_system: bool,
    /// Component class by product code, for a blood bank that sends no component-class property:
    /// `E0398 = "red_cells"`. The class decides compatibility: never guessed from the code.
    pub components: BTreeMap<String, String>,
    /// The identifier system of the hospital's medical record numbers (住院号) on a Patient:
    /// compared exactly, as the wristband check depends on it.
    pub mrn_system: String,
    /// The identifier system of the wristband's own number, where it differs from the MRN.
    pub wristband_system: String,
}

impl Default for Mapping {
    fn default() -> Self {
        Mapping {
            din_systems: vec![ISBT_DIN.to_string()],
            din_without_system: true,
            product_code_systems: vec![ISBT_PDC.to_string()],
            product_code_without_system: true,
            components: BTreeMap::new(),
            mrn_system: MRN_SYSTEM.to_string(),
            wristband_system: WRISTBAND_SYSTEM.to_string(),
        }
    }
}

impl Mapping {
    /// What is wrong with the configuration, in words for the IT person who wrote it.
    pub fn validate(&self) -> Result<(), String> {
        for (code, class) in &self.components {
            if Component::parse(class).is_none() {
                return Err(format!(
                    "[mapping] components: {code} = \"{class}\" is not a component class \
                     (red_cells, whole_blood, plasma, platelets, cryo)"
                ));
            }
        }
        if self.din_systems.iter().any(|s| s.trim().is_empty())
            || self
                .product_code_systems
                .iter()
                .any(|s| s.trim().is_empty())
            || self.mrn_system.trim().is_empty()
        {
            return Err("[mapping] a system must not be empty".into());
        }
        Ok(())
    }

    /// The DIN of a donation identifier (`system`, `value`), or why it is not one.
    pub fn din<'a>(&self, system: Option<&str>, value: &'a str) -> Result<&'a str, MappingError> {
        match system {
            Some(system) if names(&self.din_systems, system) => Ok(value),
            Some(system) => Err(MappingError::DinSystem(system.to_string())),
            None if self.din_without_system && is_isbt_din(value) => Ok(value),
            None => Err(MappingError::DinWithoutSystem(value.to_string())),
        }
    }

    /// The product code among a `productCode`'s codings `(system, code)`, or why none is one.
    pub fn product_code<'a>(
        &self,
        codings: &[(Option<&'a str>, &'a str)],
    ) -> Result<&'a str, MappingError> {
        let named = codings
            .iter()
            .find(|(system, _)| system.is_some_and(|s| names(&self.product_code_systems, s)));
        let bare = || {
            codings.iter().find(|(system, code)| {
                system.is_none() && self.product_code_without_system && is_isbt_pdc(code)
            })
        };
        match named.or_else(bare) {
            Some((_, code)) => Ok(code),
            None => Err(MappingError::ProductCode(
                codings
                    .iter()
                    .map(|(system, code)| match system {
                        Some(s) => format!("{s}|{code}"),
                        None => code.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            )),
        }
    }

    /// The component class the configuration gives a product code.
    pub fn component_of(&self, product_code: &str) -> Option<Component> {
        self.components
            .get(product_code)
            .and_then(|class| Component::parse(class))
    }
}

/// Why a unit's identifiers do not map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingError {
    DinSystem(String),
    DinWithoutSystem(String),
    ProductCode(String),
}

/// `system` is one of `systems`; ISBT 128's URIs without regard to case, as they appear both ways.
fn names(systems: &[String], system: &str) -> bool {
    systems.iter().any(|s| {
        s == system || (is_isbt_uri(s) && is_isbt_uri(system) && s.eq_ignore_ascii_case(system))
    })
}

fn is_isbt_uri(system: &str) -> bool {
    system
        .to_ascii_lowercase()
        .starts_with("https://www.isbt128.org/uri/")
}

/// An ISBT 128 DIN without its flags: facility (a letter then four letters or digits), year (two
/// digits), sequence (six digits).
pub fn is_isbt_din(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 13
        && b[0].is_ascii_uppercase()
        && b[1..5]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && b[5..].iter().all(u8::is_ascii_digit)
}

/// An ISBT 128 product description code: a letter and four digits.
pub fn is_isbt_pdc(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 5 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit)
}
