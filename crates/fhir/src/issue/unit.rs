//! A blood product as the check reads its unit: DIN, product code, component class, group,
//! expiry and attributes, through the site's mapping (`crate::mapping`).

use serde_json::Value;

use super::instant;
use crate::mapping::{Mapping, MappingError};
use crate::{
    code_in, has_coding, str_at, COMPONENT_CLASS, ISBT_ABORHD, PROPERTY_TYPE, UNIT_ATTRIBUTES,
    UNIT_PROPERTY,
};
use bedside_core::blood::{Component, Group};
use bedside_core::check::UnitRecord;
use bedside_core::label::group_of_code;
use bedside_core::messages::Text;

fn properties(product: &Value) -> impl Iterator<Item = &Value> {
    product
        .get("property")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn property_of<'a>(product: &'a Value, system: &str, code: &str) -> Option<&'a Value> {
    properties(product).find(|p| p.get("type").is_some_and(|t| has_coding(t, system, code)))
}

/// The value of a product's property of one of `codes`: typed by the standard's property-type
/// system, or (R5's examples) by the code alone.
fn property_value<'a>(product: &'a Value, codes: &[&str]) -> Option<&'a Value> {
    properties(product)
        .find(|p| {
            p.get("type")
                .and_then(|t| t.get("coding"))
                .and_then(Value::as_array)
                .is_some_and(|codings| {
                    codings.iter().any(|c| {
                        matches!(str_at(c, &["system"]), None | Some(PROPERTY_TYPE))
                            && str_at(c, &["code"]).is_some_and(|code| codes.contains(&code))
                    })
                })
        })?
        .get("valueCodeableConcept")
}

/// Why the mapping does not place a unit, for the blood bank's IT person.
fn mapping_problem(error: &MappingError) -> Text {
    match error {
        MappingError::DinSystem(system) => Text::tr("the donation identifier's system {system} is not one the mapping takes as a DIN ([mapping] din_systems)",
            &[("system", system)],
        ),
        MappingError::DinWithoutSystem(value) => Text::tr("the donation identifier {value} has no system and is not an ISBT 128 DIN",
            &[("value", value)],
        ),
        MappingError::ProductCode(found) => Text::tr("the product code ({found}) is in no system the mapping accepts ([mapping] product_code_systems)",
            &[("found", found)],
        ),
    }
}

pub(super) fn unit_record(product: &Value, mapping: &Mapping) -> Result<UnitRecord, Text> {
    let (din, pdc) = identity(product, mapping)?;
    let collection = property_value(product, &["collectiontype", "CollectionType"])
        .and_then(|c| c.get("coding")?.as_array()?.first()?.get("code")?.as_str())
        .unwrap_or("V");
    let component = property_of(product, UNIT_PROPERTY, "component_class")
        .and_then(|p| p.get("valueCodeableConcept"))
        .and_then(|c| code_in(c, COMPONENT_CLASS))
        .and_then(Component::parse)
        .or_else(|| mapping.component_of(pdc))
        .ok_or_else(|| {
            Text::tr("the product code {code} has no component class: send the component-class property, or map the code in [mapping] components",
                &[("code", pdc)],
            )
        })?;
    let division = str_at(product, &["division"]).unwrap_or("00");
    if division.len() != 2 || !division.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Text::tr("the product's division `{division}` is not the two characters of an ISBT 128 blood product code (ask the blood bank to send the label's division)",
            &[("division", division)],
        ));
    }
    let group = property_value(product, &["aborhd", "ABORhD"])
        .and_then(|c| {
            c.get("coding")?
                .as_array()?
                .iter()
                .find(|coding| {
                    str_at(coding, &["system"]).is_some_and(|s| s.eq_ignore_ascii_case(ISBT_ABORHD))
                })?
                .get("code")?
                .as_str()
        })
        .map(isbt_group)
        .unwrap_or_default();
    let expires_at = instant(str_at(product, &["expirationDate"]))
        .ok_or_else(|| Text::tr("the product has no valid expiry (expirationDate)", &[]))?;
    let attributes = UNIT_ATTRIBUTES
        .iter()
        .filter(|a| {
            property_of(product, UNIT_PROPERTY, a)
                .and_then(|p| p.get("valueBoolean"))
                .and_then(Value::as_bool)
                == Some(true)
        })
        .map(|a| a.to_string())
        .collect();
    Ok(UnitRecord {
        din: din.to_string(),
        product_code: format!("{pdc}{collection}{division}"),
        component,
        group,
        expires_at,
        attributes,
    })
}

/// An ISBT 128 ABO/RhD code (`51`) as a group; an unknown code gives an unknown group, which
/// never passes compatibility.
fn isbt_group(code: &str) -> Group {
    group_of_code(code).unwrap_or_default()
}

/// The unit's DIN and product description code, in the systems the mapping names.
fn identity<'a>(product: &'a Value, mapping: &Mapping) -> Result<(&'a str, &'a str), Text> {
    let din_value = str_at(product, &["biologicalSourceEvent", "value"])
        .ok_or_else(|| Text::tr("the product has no donation identification number", &[]))?;
    let din = mapping
        .din(
            str_at(product, &["biologicalSourceEvent", "system"]),
            din_value,
        )
        .map_err(|e| mapping_problem(&e))?;
    let codings: Vec<(Option<&str>, &str)> = product
        .get("productCode")
        .and_then(|c| c.get("coding"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| Some((str_at(c, &["system"]), str_at(c, &["code"])?)))
        .collect();
    if codings.is_empty() {
        return Err(Text::tr("the product has no ISBT 128 product code", &[]));
    }
    let pdc = mapping
        .product_code(&codings)
        .map_err(|e| mapping_problem(&e))?;
    Ok((din, pdc))
}
