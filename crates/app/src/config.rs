//! The device's configuration file (TOML). Today it holds the language and the hospital policy;
//! later sections (blood bank, ward) join here. Every mistake is refused with the file, the key
//! and what is wrong, because a silently ignored typo in a clinical limit is a wrong limit.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use bedside_core::event::WardRef;
use bedside_core::messages::Lang;
use bedside_core::policy::Policy;
use bedside_fhir::mapping::Mapping;
use bedside_store::{KeyError, StoreKey};
use bedside_sync::smart::SmartSettings;
use bedside_sync::SyncSettings;

use crate::alarm::AlertSettings;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub language: Lang,
    pub policy: Policy,
    /// The `[policy]` table as written, so that a scenario can override single keys of it.
    pub policy_overrides: serde_json::Map<String, serde_json::Value>,
    /// `[bloodbank]`: where the blood bank is and which ward this device serves.
    pub bloodbank: Option<BloodBankSection>,
    /// `[device]`: this device's own files.
    pub device: DeviceSection,
    /// `[alerts]`: a tone and a vibration with the screen's alarm, where the device has them.
    pub alerts: AlertSettings,
    /// `[mapping]`: how the blood bank's codes are read (`bedside_fhir::mapping`).
    pub mapping: Mapping,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BloodBankSection {
    /// FHIR base URL, e.g. `https://bloodbank.hospital.example/fhir`.
    pub url: String,
    /// The ward's Location id at the blood bank (`ward-h5`).
    pub ward: String,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    #[serde(default = "default_page_size")]
    pub page_size: usize,
    /// The hospital's own certificate authority (PEM) when the blood bank's certificate is not
    /// from one the system trusts; relative to the configuration file's folder.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The device's bearer token for the blood bank (one line, issued by the hospital's IT; a
    /// file readable only by the app's user, outside the store); relative paths as `ca_file`.
    /// Replaced in place to rotate it: the next request uses the new one.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// SMART Backend Services, the default where the blood bank offers it: the client id the
    /// blood bank registered for this device, with `private_key_file` (its PKCS#8 PEM private
    /// key, outside the repo and the store; relative paths as `ca_file`), `key_id` (the `kid`
    /// the blood bank's JWK Set names), `signing_alg` (`ES384`, or `RS384`), `scope` and
    /// `token_url` (else read from `.well-known/smart-configuration`).
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub private_key_file: Option<PathBuf>,
    #[serde(default)]
    pub key_id: Option<String>,
    #[serde(default)]
    pub signing_alg: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub token_url: Option<String>,
}

impl BloodBankSection {
    /// The ward this device serves. The configuration names it only by its Location id, which
    /// stands for its name too.
    pub fn ward_ref(&self) -> WardRef {
        WardRef {
            location_id: self.ward.clone(),
            name: self.ward.clone(),
        }
    }

    /// The link's settings for this section, with the default retry policy.
    pub fn sync_settings(&self) -> SyncSettings {
        let mut settings = SyncSettings::new(&self.url, &self.ward);
        settings.timeout = std::time::Duration::from_secs(self.timeout_seconds);
        settings.page_size = self.page_size;
        settings.ca_file = self.ca_file.clone();
        settings.token_file = self.token_file.clone();
        settings.smart = self.smart();
        settings
    }

    /// The SMART settings when a client id is configured (checked complete by `Config::parse`).
    fn smart(&self) -> Option<SmartSettings> {
        Some(SmartSettings {
            client_id: self.client_id.clone()?,
            private_key_file: self.private_key_file.clone()?,
            key_id: self.key_id.clone()?,
            signing_alg: self.signing_alg.clone().unwrap_or_else(|| "ES384".into()),
            scope: self
                .scope
                .clone()
                .unwrap_or_else(|| SmartSettings::DEFAULT_SCOPE.into()),
            token_url: self.token_url.clone(),
        })
    }
}

fn default_timeout() -> u64 {
    10
}

fn default_page_size() -> usize {
    100
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSection {
    /// The device's database; a relative path is taken from the configuration file's folder.
    pub store: Option<PathBuf>,
    /// The store's encryption key: a file readable only by the app's user, holding 64 hex digits
    /// (`openssl rand -hex 32`). Required for a configured device; relative paths as `store`.
    pub store_key_file: Option<PathBuf>,
}

impl DeviceSection {
    /// The store's key from `store_key_file`; a configured device without one is refused (a
    /// handheld's store is never plaintext).
    pub fn store_key(&self) -> Result<StoreKey, KeyError> {
        match &self.store_key_file {
            None => Err(KeyError::Missing),
            Some(path) => StoreKey::from_file(path),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            language: Lang::ZhCn,
            policy: Policy::default(),
            policy_overrides: Default::default(),
            bloodbank: None,
            device: DeviceSection::default(),
            alerts: AlertSettings::default(),
            mapping: Mapping::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path} is not valid: {problem}")]
    Invalid { path: PathBuf, problem: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    language: Option<String>,
    policy: Option<toml::Table>,
    bloodbank: Option<BloodBankSection>,
    device: Option<DeviceSection>,
    alerts: Option<AlertSettings>,
    mapping: Option<Mapping>,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Config::parse(&text).map_err(|problem| ConfigError::Invalid {
            path: path.to_path_buf(),
            problem,
        })?;
        let folder = path.parent().unwrap_or(Path::new("."));
        let bloodbank_files = config
            .bloodbank
            .as_mut()
            .map(|bb| {
                [
                    &mut bb.ca_file,
                    &mut bb.token_file,
                    &mut bb.private_key_file,
                ]
            })
            .into_iter()
            .flatten();
        for file in [&mut config.device.store, &mut config.device.store_key_file]
            .into_iter()
            .chain(bloodbank_files)
        {
            if let Some(relative) = file.as_ref().filter(|p| p.is_relative()) {
                *file = Some(folder.join(relative));
            }
        }
        Ok(config)
    }

    /// Parses the text of a configuration file.
    pub fn parse(text: &str) -> Result<Config, String> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let language = match file.language.as_deref() {
            None => Lang::ZhCn,
            Some(code) => Lang::parse(code)
                .ok_or_else(|| format!("language = \"{code}\" is not one of \"zh-CN\", \"en\""))?,
        };
        let table = file.policy.unwrap_or_default();
        let policy_overrides = match serde_json::to_value(&table) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => return Err("[policy] must be a table of keys".into()),
        };
        let policy = policy_from(&Default::default(), &policy_overrides)?;
        let mapping = file.mapping.unwrap_or_default();
        mapping.validate()?;
        if let Some(bb) = &file.bloodbank {
            if !(bb.url.starts_with("http://") || bb.url.starts_with("https://")) {
                return Err(format!("[bloodbank] url = \"{}\" must start with https:// (or http:// on a test network)", bb.url));
            }
            if bb.ward.trim().is_empty() || bb.ward.contains(['/', '?', '&', ' ']) {
                return Err(format!(
                    "[bloodbank] ward = \"{}\" must be the ward's Location id, e.g. \"ward-h5\"",
                    bb.ward
                ));
            }
            if bb.timeout_seconds == 0 || bb.page_size == 0 {
                return Err("[bloodbank] timeout_seconds and page_size must be at least 1".into());
            }
            check_smart(bb)?;
        }
        Ok(Config {
            language,
            policy,
            policy_overrides,
            bloodbank: file.bloodbank,
            device: file.device.unwrap_or_default(),
            alerts: file.alerts.unwrap_or_default(),
            mapping,
        })
    }

    /// This configuration's policy with some keys overridden (a scenario's `policy` object).
    pub fn policy_with(
        &self,
        overrides: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Policy, String> {
        if overrides.is_empty() {
            return Ok(self.policy.clone());
        }
        policy_from(&self.policy_overrides, overrides)
    }
}

fn policy_from(
    base: &serde_json::Map<String, serde_json::Value>,
    overrides: &serde_json::Map<String, serde_json::Value>,
) -> Result<Policy, String> {
    let mut merged = base.clone();
    merged.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
    let policy: Policy = serde_json::from_value(serde_json::Value::Object(merged))
        .map_err(|e| format!("[policy]: {e}"))?;
    policy.validate().map_err(|e| e.to_string())?;
    Ok(policy)
}

/// SMART Backend Services needs all three of client_id, private_key_file and key_id, and a
/// signing algorithm it knows; half a configuration would fall back to no authentication.
fn check_smart(bb: &BloodBankSection) -> Result<(), String> {
    let given = [
        bb.client_id.is_some(),
        bb.private_key_file.is_some(),
        bb.key_id.is_some(),
    ];
    if given.iter().any(|g| *g) && !given.iter().all(|g| *g) {
        return Err(
            "[bloodbank] SMART Backend Services needs client_id, private_key_file and \
                    key_id together"
                .into(),
        );
    }
    if let Some(alg) = &bb.signing_alg {
        if !matches!(alg.to_ascii_uppercase().as_str(), "ES384" | "RS384") {
            return Err(format!(
                "[bloodbank] signing_alg = \"{alg}\" must be ES384 or RS384"
            ));
        }
    }
    if bb.client_id.is_some() && bb.token_file.is_some() {
        return Err(
            "[bloodbank] names both token_file and client_id: choose one way to \
                    authenticate"
                .into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedside_core::policy::WristbandProfile;

    #[test]
    fn smart_backend_services_is_configured_whole_or_refused() {
        let bb = "[bloodbank]\nurl = \"https://bb.example/fhir\"\nward = \"ward-h5\"\n";
        let config = Config::parse(&format!(
            "{bb}client_id = \"hh3\"\nprivate_key_file = \"/etc/bedside/hh3.pem\"\nkey_id = \"k1\"\n"
        ))
        .unwrap();
        let smart = config.bloodbank.unwrap().sync_settings().smart.unwrap();
        assert_eq!(
            (smart.client_id.as_str(), smart.signing_alg.as_str()),
            ("hh3", "ES384")
        );
        assert!(smart.scope.contains("system/Procedure.cu"));
        let half = Config::parse(&format!("{bb}client_id = \"hh3\"\n")).unwrap_err();
        assert!(half.contains("together"), "{half}");
        let alg = Config::parse(&format!(
            "{bb}client_id = \"hh3\"\nprivate_key_file = \"k.pem\"\nkey_id = \"k1\"\nsigning_alg = \"HS256\"\n"
        ))
        .unwrap_err();
        assert!(alg.contains("ES384 or RS384"), "{alg}");
    }

    #[test]
    fn an_empty_file_gives_the_defaults() {
        let config = Config::parse("").unwrap();
        assert_eq!(config, Config::default());
    }

    #[test]
    fn policy_keys_override_defaults_and_keep_the_rest() {
        let config = Config::parse(
            "language = \"en\"\n[policy]\nstart_within_minutes = 20\nwristband = \"gs1\"\n",
        )
        .unwrap();
        assert_eq!(config.language, Lang::En);
        assert_eq!(config.policy.start_within_minutes, 20);
        assert_eq!(config.policy.wristband, WristbandProfile::Gs1);
        assert_eq!(config.policy.complete_within_minutes, 240);
    }

    #[test]
    fn a_scenario_override_keeps_the_configured_keys() {
        let config = Config::parse("[policy]\nstart_within_minutes = 20\n").unwrap();
        let overrides = serde_json::json!({"cache_warn_minutes": 5});
        let policy = config.policy_with(overrides.as_object().unwrap()).unwrap();
        assert_eq!(policy.start_within_minutes, 20);
        assert_eq!(policy.cache_warn_minutes, 5);
    }

    #[test]
    fn a_misspelt_key_is_refused_by_name() {
        let err = Config::parse("[policy]\nstart_within_minute = 20\n").unwrap_err();
        assert!(err.contains("start_within_minute"), "{err}");
        let err = Config::parse("langauge = \"en\"\n").unwrap_err();
        assert!(err.contains("langauge"), "{err}");
    }

    #[test]
    fn a_wrong_type_or_unsafe_value_is_refused() {
        assert!(Config::parse("[policy]\nstart_within_minutes = \"thirty\"\n").is_err());
        let err = Config::parse("[policy]\ncomplete_within_minutes = -1\n").unwrap_err();
        assert!(err.contains("complete_within_minutes"), "{err}");
        assert!(Config::parse("language = \"fr\"\n")
            .unwrap_err()
            .contains("fr"));
    }

    #[test]
    fn the_documented_example_configuration_is_valid() {
        let text = include_str!("../../../docs/bedside.example.toml");
        let config = Config::parse(text).unwrap();
        let expected = Policy {
            wristband: WristbandProfile::Pattern,
            wristband_pattern: Some(r"^(?P<id>ZY\d{8})\|".into()),
            ..Policy::default()
        };
        assert_eq!(config.policy, expected);
        let bloodbank = config.bloodbank.expect("the example names a blood bank");
        assert_eq!(
            (bloodbank.ward.as_str(), bloodbank.timeout_seconds),
            ("ward-h5", 10)
        );
        assert_eq!(
            config.device.store.as_deref(),
            Some(Path::new("bedside.db"))
        );
        assert_eq!(config.alerts, AlertSettings::default());
        assert_eq!(
            config.mapping,
            Mapping::default(),
            "the example shows the defaults"
        );
    }

    #[test]
    fn the_mapping_names_the_sites_systems_and_refuses_an_unknown_component_class() {
        let config = Config::parse(
            "[mapping]\nmrn_system = \"urn:oid:1.2.3\"\n[mapping.components]\nE0398 = \"red_cells\"\n",
        )
        .unwrap();
        assert_eq!(config.mapping.mrn_system, "urn:oid:1.2.3");
        assert_eq!(
            config.mapping.component_of("E0398"),
            Some(bedside_core::blood::Component::RedCells)
        );
        let refused = Config::parse("[mapping.components]\nE0398 = \"blood\"\n").unwrap_err();
        assert!(refused.contains("E0398 = \"blood\""), "{refused}");
        let typo = Config::parse("[mapping]\nmrn_sytem = \"x\"\n").unwrap_err();
        assert!(typo.contains("mrn_sytem"), "{typo}");
    }

    #[test]
    fn alerts_sound_and_vibrate_unless_turned_off_and_a_typo_is_refused() {
        assert_eq!(Config::parse("").unwrap().alerts, AlertSettings::default());
        let quiet = Config::parse("[alerts]\nsound = false\n").unwrap().alerts;
        assert_eq!((quiet.sound, quiet.vibrate), (false, true));
        let err = Config::parse("[alerts]\nsounds = false\n").unwrap_err();
        assert!(err.contains("sounds"), "{err}");
        assert!(Config::parse("[alerts]\nvibrate = \"yes\"\n").is_err());
    }

    #[test]
    fn the_store_key_and_ca_files_are_found_beside_the_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.toml");
        let elsewhere = dir.path().join("keys").join("store.key");
        std::fs::write(
            &path,
            format!(
                "[bloodbank]\nurl = \"https://b/fhir\"\nward = \"ward-h5\"\nca_file = \"ca.pem\"\n\
                 [device]\nstore = \"d.db\"\nstore_key_file = {:?}\n",
                elsewhere.display().to_string()
            ),
        )
        .unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!(
            config.bloodbank.unwrap().ca_file,
            Some(dir.path().join("ca.pem"))
        );
        assert_eq!(config.device.store_key_file, Some(elsewhere));
        assert_eq!(
            DeviceSection::default().store_key().unwrap_err(),
            KeyError::Missing
        );
    }

    #[test]
    fn a_blood_bank_needs_a_web_address_and_a_plain_ward_id() {
        let err =
            Config::parse("[bloodbank]\nurl = \"bloodbank:80\"\nward = \"ward-h5\"\n").unwrap_err();
        assert!(err.contains("https://"), "{err}");
        let err =
            Config::parse("[bloodbank]\nurl = \"https://b/fhir\"\nward = \"Location/ward-h5\"\n")
                .unwrap_err();
        assert!(err.contains("Location id"), "{err}");
        let err = Config::parse("[bloodbank]\nurl = \"https://b/fhir\"\n").unwrap_err();
        assert!(err.contains("ward"), "{err}");
    }
}
