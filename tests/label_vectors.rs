//! Every public ISBT 128 vector of data/isbt128/public_vectors.tsv: the outcome, the error code
//! (or one the row also accepts), and every expected field of every structure.

use bedside_core::label::{json::structure_json, parse_scan, LabelProfile};
use serde_json::Value;

fn unhex(hex: &str) -> String {
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn all_public_vectors_pass() {
    let tsv = include_str!("../data/isbt128/public_vectors.tsv");
    let header: Vec<&str> = tsv.lines().next().unwrap().split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let mut failures = Vec::new();
    let mut rows = 0;
    for line in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        rows += 1;
        let cells: Vec<&str> = line.split('\t').collect();
        let get = |name: &str| cells.get(col(name)).copied().unwrap_or("");
        let id = get("id");
        let input = unhex(get("input_hex"));
        let mut fail = |why: String| failures.push(format!("{id} {:?}: {why}", input));
        match (
            parse_scan(&input, &LabelProfile::default()),
            get("expected_ok"),
        ) {
            (Err(e), "false") => {
                let code = e.code.as_str();
                let accepted = get("expected_error") == code
                    || get("also_acceptable").split('|').any(|a| a == code);
                if !accepted {
                    fail(format!(
                        "error {code}, expected {} (or {})",
                        get("expected_error"),
                        get("also_acceptable")
                    ));
                }
            }
            (Ok(s), "false") => {
                if !get("also_acceptable").split('|').any(|a| a == "ok") {
                    fail(format!(
                        "parsed as {:?}, expected {}",
                        s.iter().map(|x| x.kind().to_string()).collect::<Vec<_>>(),
                        get("expected_error")
                    ));
                }
            }
            (Err(e), _) => fail(format!("error {e}, expected success")),
            (Ok(structures), _) => {
                let json: Vec<Value> = structures.iter().map(structure_json).collect();
                let kinds: Vec<&str> = json.iter().map(|v| v["kind"].as_str().unwrap()).collect();
                if kinds.join("|") != get("kinds") {
                    fail(format!(
                        "kinds {}, expected {}",
                        kinds.join("|"),
                        get("kinds")
                    ));
                }
                let find = |kind: &str| json.iter().find(|v| v["kind"] == kind);
                let expect_field =
                    |kind: &str, field: &str, column: &str, fail: &mut dyn FnMut(String)| {
                        let want = get(column);
                        let got = find(kind).map(|v| v[field].clone()).unwrap_or(Value::Null);
                        let got = got.as_str().unwrap_or("").to_string();
                        if want != got && !(want.is_empty() && find(kind).is_none()) {
                            fail(format!("{kind}.{field} = {got:?}, expected {want:?}"));
                        }
                    };
                expect_field("din", "din", "din", &mut fail);
                expect_field("din", "flags", "flags", &mut fail);
                expect_field("din", "check_char", "check_char", &mut fail);
                expect_field("blood_group", "code", "blood_group_code", &mut fail);
                expect_field("blood_group", "abo", "abo", &mut fail);
                expect_field("blood_group", "rhd", "rhd", &mut fail);
                expect_field("product_code", "product_code", "product_code", &mut fail);
                expect_field("expiry", "expires_at", "expires_at", &mut fail);
                for other in get("other_fields").split(" ; ").filter(|o| !o.is_empty()) {
                    let (kind, fields) = other.split_once(':').unwrap();
                    let fields: serde_json::Map<String, Value> =
                        serde_json::from_str(fields).unwrap();
                    match find(kind) {
                        None => fail(format!("no {kind} structure")),
                        Some(v) => {
                            for (k, want) in fields {
                                if v[&k] != want {
                                    fail(format!("{kind}.{k} = {}, expected {want}", v[&k]));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert_eq!(rows, 71);
    assert!(
        failures.is_empty(),
        "{} of {rows} vectors fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
