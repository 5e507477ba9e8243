//! The command-line contract of docs/cli.md: JSON Lines on stdout, exit 0 when every input was
//! processed, 1 when an input could not be read (with the file and problem on stderr), 2 on
//! bad usage, and `--help` for each subcommand.

mod drawing;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn bedside(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bedside"))
        .args(args)
        .output()
        .unwrap()
}

fn bedside_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bedside"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn temp_file(name: &str, content: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bedside-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn label_prints_the_documented_json_for_each_input_in_order() {
    let out = bedside(&[
        "label",
        "--lang",
        "en",
        "=W00000912345600",
        "=%6200",
        "W000009123456H",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let results = lines(&out);
    assert_eq!(results.len(), 3);
    let din = &results[0]["structures"][0];
    assert_eq!(results[0]["input"], "=W00000912345600");
    assert_eq!(din["kind"], "din");
    assert_eq!(din["din"], "W000009123456");
    assert_eq!(din["facility"], "W0000");
    assert_eq!(din["year"], "09");
    assert_eq!(din["sequence"], "123456");
    assert_eq!(din["flags"], "00");
    assert_eq!(din["check_char"], "G");
    let group = &results[1]["structures"][0];
    assert_eq!(
        (group["abo"].as_str(), group["rhd"].as_str()),
        (Some("A"), Some("pos"))
    );
    assert_eq!(results[2]["ok"], false);
    assert_eq!(results[2]["error"]["code"], "CHECK_CHARACTER_MISMATCH");
    assert!(results[2]["error"]["message"].as_str().unwrap().len() > 20);
}

#[test]
fn label_reads_json_string_literals_from_stdin_with_escapes() {
    let out = bedside_stdin(&["label", "-"], "\"=%5100\\r\\n\"\n\"&>0183652359\"\n");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results = lines(&out);
    assert_eq!(results[0]["input"], "=%5100\r\n");
    assert_eq!(results[0]["structures"][0]["abo"], "O");
    assert_eq!(
        results[1]["structures"][0]["expires_at"],
        "2018-12-31T23:59"
    );
}

#[test]
fn label_stdin_line_that_is_not_a_json_string_exits_1_but_keeps_going() {
    let out = bedside_stdin(&["label", "-"], "=%5100\n\"=%6200\"\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
    assert_eq!(lines(&out).len(), 1);
}

#[test]
fn messages_follow_the_chosen_language() {
    let zh = bedside(&["label", "--lang", "zh-CN", "=%XX00"]);
    let en = bedside(&["label", "--lang", "en", "=%XX00"]);
    let zh_msg = lines(&zh)[0]["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    let en_msg = lines(&en)[0]["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        zh_msg
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{zh_msg}"
    );
    assert!(en_msg.is_ascii(), "{en_msg}");
}

#[test]
fn check_of_a_missing_file_exits_1_naming_the_file_and_still_runs_the_others() {
    let good = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/scenarios/observations.json"
    );
    let out = bedside(&["check", "/nonexistent/scenario.json", good]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/scenario.json"), "{stderr}");
    assert_eq!(lines(&out).len(), 30);
}

#[test]
fn check_of_invalid_json_exits_1_with_the_problem() {
    let bad = temp_file("broken.json", "{\"kind\": \"bedside_check\", ");
    let out = bedside(&["check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.json") && stderr.contains("invalid JSON"),
        "{stderr}"
    );
}

#[test]
fn a_scenario_with_a_wrong_field_is_reported_by_id_and_field() {
    let bad = temp_file(
        "wrong-field.json",
        r#"[{"kind":"observations","id":"obs-x","component":"blood","issued_at":"2026-01-01T10:00:00+08:00",
            "started_at":null,"ended_at":null,"now":"2026-01-01T10:00:00+08:00","baseline":null,"observations":[]},
           {"kind":"observations","id":"obs-ok","component":"plasma","issued_at":"2026-01-01T10:00:00+08:00",
            "started_at":null,"ended_at":null,"now":"2026-01-01T10:00:00+08:00","baseline":null,"observations":[]}]"#,
    );
    let out = bedside(&["check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("obs-x") && stderr.contains("component"),
        "{stderr}"
    );
    assert_eq!(lines(&out)[0]["id"], "obs-ok");
}

#[test]
fn a_scenario_policy_override_changes_the_rule() {
    let text = |limit: u32| {
        format!(
            r#"{{"kind":"observations","id":"o","component":"plasma","issued_at":"2026-01-01T10:00:00+08:00",
               "started_at":"2026-01-01T10:05:00+08:00","ended_at":null,"now":"2026-01-01T11:05:00+08:00",
               "policy":{{"complete_within_minutes":{limit}}},
               "baseline":{{"at":"2026-01-01T10:00:00+08:00","temp_c":36.8,"hr":70,"sbp":120,"dbp":70,"rr":14,"spo2":98}},
               "observations":[{{"at":"2026-01-01T10:20:00+08:00","temp_c":36.8,"hr":70,"sbp":120,"dbp":70,"rr":14,"spo2":98,"symptoms":[]}}]}}"#
        )
    };
    let codes = |limit| {
        let f = temp_file(&format!("policy-{limit}.json"), &text(limit));
        let out = bedside(&["check", f.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        lines(&out)[0]["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["code"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(!codes(240).contains(&"DURATION_EXCEEDED".to_string()));
    assert!(codes(45).contains(&"DURATION_EXCEEDED".to_string()));
}

#[test]
fn a_bad_configuration_is_refused_with_its_key() {
    let cfg = temp_file("bad.toml", "[policy]\nstart_within_minutes = 0\n");
    let out = bedside(&["label", "--config", cfg.to_str().unwrap(), "=%5100"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("start_within_minutes"));
}

#[test]
fn usage_errors_exit_2_and_every_subcommand_has_help() {
    assert_eq!(bedside(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(bedside(&["check"]).status.code(), Some(2));
    assert_eq!(bedside(&["decode"]).status.code(), Some(2));
    assert_eq!(
        bedside(&["label", "--lang", "fr", "x"]).status.code(),
        Some(2)
    );
    for sub in [
        &["--help"][..],
        &["label", "--help"],
        &["check", "--help"],
        &["decode", "--help"],
        &["mapping", "check", "--help"],
    ] {
        let out = bedside(sub);
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"));
    }
}

/// The Codabar block of docs/bedside.example.toml, switched on, reads legacy labels through
/// `bedside label`, and without it such a scan is refused.
#[test]
fn the_documented_codabar_profile_reads_legacy_labels() {
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/bedside.example.toml"
    ))
    .unwrap();
    let (head, codabar) = example.split_once("# --- Legacy Codabar").unwrap();
    let enabled: String = codabar
        .lines()
        .filter(|l| {
            l.starts_with("# [[")
                || l.starts_with("# kind")
                || l.starts_with("# pattern")
                || l.starts_with("# groups")
                || l.starts_with("# date_format")
        })
        .map(|l| format!("{}\n", &l[2..]))
        .collect();
    let config = temp_file("codabar.toml", &format!("{head}\n{enabled}"));
    let out = bedside(&[
        "label",
        "--config",
        config.to_str().unwrap(),
        "A0123456789B",
        "A07B",
        "C920261231D",
        "AP1234B",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results = lines(&out);
    assert_eq!(results[0]["structures"][0]["kind"], "codabar");
    assert_eq!(results[0]["structures"][0]["din"], "0123456789");
    assert_eq!(
        (
            results[1]["structures"][0]["abo"].as_str(),
            results[1]["structures"][0]["rhd"].as_str()
        ),
        (Some("O"), Some("neg"))
    );
    assert_eq!(
        results[2]["structures"][0]["expires_at"],
        "2026-12-31T23:59"
    );
    assert_eq!(results[3]["structures"][0]["product_code"], "1234");
    let without = bedside(&["label", "A0123456789B"]);
    assert_eq!(lines(&without)[0]["ok"], false);
}

/// `bedside check … | head -1`: a reader that stops reading ends the command quietly.
#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let scenarios = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/scenarios/bedside_check.json"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_bedside"))
        .args(["check", scenarios])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// `bedside decode`: a bag photo gives every symbol with its parsed label; a blank photo is
/// `NO_BARCODE` with advice (the command still ran: exit 0); a file that is no image, or none at
/// all, is reported in its line and on stderr, and makes the exit code 1 without stopping the
/// others.
#[test]
fn decode_reports_every_symbol_and_each_unreadable_file_in_order() {
    let (label, texts) = drawing::isbt_bag_label();
    let bag = temp_file("bag.png", "");
    label.save_png(&bag);
    let blank = temp_file("blank.png", "");
    drawing::Canvas::white(320, 240).save_png(&blank);
    let notes = temp_file("notes.txt", "not a photo");
    let missing = notes.with_file_name("missing.png");
    let paths = [&bag, &blank, &notes, &missing].map(|p| p.to_str().unwrap().to_string());

    let mut args = vec!["decode", "--lang", "en"];
    args.extend(paths.iter().map(String::as_str));
    let out = bedside(&args);
    assert_eq!(out.status.code(), Some(1));
    let results = lines(&out);
    assert_eq!(results.len(), 4);
    for (result, path) in results.iter().zip(&paths) {
        assert_eq!(result["file"], path.as_str());
        assert!(result["ms"].as_f64().is_some_and(|ms| ms >= 0.0));
    }

    assert_eq!(results[0]["ok"], true);
    let symbols = results[0]["symbols"].as_array().unwrap();
    let mut found: Vec<&str> = symbols
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    found.sort();
    let mut expected = texts.to_vec();
    expected.sort();
    assert_eq!(found, expected);
    assert!(symbols.iter().all(|s| s["format"] == "code_128"));
    let din = symbols
        .iter()
        .find(|s| s["text"] == "=W00000912345600")
        .unwrap();
    let label = bedside(&["label", "--lang", "en", "=W00000912345600"]);
    assert_eq!(
        din["label"],
        lines(&label)[0],
        "the label is what `bedside label` prints"
    );
    assert_eq!(din["label"]["structures"][0]["din"], "W000009123456");

    let codes: Vec<&str> = results[1..]
        .iter()
        .map(|r| {
            assert_eq!(r["ok"], false);
            r["error"]["code"].as_str().unwrap()
        })
        .collect();
    assert_eq!(codes, ["NO_BARCODE", "NOT_AN_IMAGE", "UNREADABLE_FILE"]);
    let advice = results[1]["error"]["message"].as_str().unwrap();
    assert!(advice.contains("light") && advice.contains("key the number in"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("notes.txt") && stderr.contains("missing.png"));
    assert!(
        !stderr.contains("blank.png"),
        "no barcode is not a read error"
    );
}

#[test]
fn decode_of_readable_images_exits_0_and_speaks_the_chosen_language() {
    let blank = temp_file("blank-zh.png", "");
    drawing::Canvas::white(64, 64).save_png(&blank);
    let out = bedside(&["decode", blank.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let message = lines(&out)[0]["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("光线"), "zh-CN by default: {message}");
}

/// A unit expiring within the hour is a notice beside the verdict (`clinical-rules.md` §7): the
/// verdict and its reasons stay the rule table's, so a validation team's expected outcomes hold.
#[test]
fn a_unit_expiring_within_the_hour_is_a_notice_not_a_reason() {
    let scenarios: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/scenarios/extra_checks.json"),
        )
        .unwrap(),
    )
    .unwrap();
    // The label expires 2026-12-01 23:59; this scenario checks it at 23:59:59.
    let last_second = scenarios
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "x-expiry-last-second")
        .unwrap();
    let f = temp_file("expiring.json", &last_second.to_string());
    let out = lines(&bedside(&["check", "--lang", "en", f.to_str().unwrap()])).remove(0);
    assert_eq!(out["verdict"], "proceed");
    assert_eq!(out["reasons"], serde_json::json!([]));
    assert_eq!(out["notices"][0]["code"], "UNIT_EXPIRES_SOON");
    let words = out["notices"][0]["message"].as_str().unwrap();
    assert!(
        words.contains("expires at 2026-12-01 23:59, in 0 minutes"),
        "{words}"
    );
}
