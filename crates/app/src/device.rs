//! What the app runs on: the device's store, its blood bank, the hospital's policy and ward.
//! Made from the configuration file (or by the demo), then turned into the link worker and the
//! `Handheld` the screens drive, so the UI opens a device without reaching into the store.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bedside_clock::{Clock, RandomIds, SystemClock};
use bedside_core::event::WardRef;
use bedside_core::messages::{Lang, Text};
use bedside_core::policy::Policy;
use bedside_store::{KeyError, Store, StoreError, StoreKey};
use bedside_sync::SyncSettings;

use crate::alarm::AlertSettings;
use crate::config::{Config, ConfigError};
use crate::config_audit::{audit_configuration, ConfigAuditError};
use crate::handheld::Handheld;
use crate::link::{LinkError, LinkStatus, LinkWorker};
use crate::session::SessionSettings;

pub struct Device {
    pub store: Store,
    pub store_path: PathBuf,
    pub store_key: StoreKey,
    pub settings: SyncSettings,
    pub policy: Policy,
    pub ward: WardRef,
    pub lang: Lang,
    /// Demo mode: where label images are drawn for "scan from an image".
    pub label_dir: Option<PathBuf>,
    /// Words for the sign-in screen (the demo's badges and PINs).
    pub hint: Text,
    /// `[alerts]` of the configuration.
    pub alerts: AlertSettings,
}

/// Why a configured device cannot open, in words for the hospital's IT.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{} needs a [bloodbank] section (url, ward) and [device] store = \"…\"", .0.display())]
    Incomplete(PathBuf),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Audit(#[from] ConfigAuditError),
    #[error(
        "no staff on this device yet, so nobody could sign in: import the ward's staff list with \
         `bedside staff import STAFF.csv --config {}` (CSV badge,name,role,pin)",
        .0.display()
    )]
    NoStaff(PathBuf),
}

impl DeviceError {
    /// Whether the command line or the configuration is at fault (not the store or the disk).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            DeviceError::Config(_) | DeviceError::Incomplete(_) | DeviceError::Key(_)
        )
    }
}

impl Device {
    /// The device a configuration file describes: its store opened with its key, the
    /// configuration audited as it is opened. What `bedside sync` works on.
    pub fn open(path: &Path) -> Result<Device, DeviceError> {
        let config = Config::load(path)?;
        let (Some(bb), Some(store_path)) = (&config.bloodbank, &config.device.store) else {
            return Err(DeviceError::Incomplete(path.to_path_buf()));
        };
        let store_key = config.device.store_key()?;
        let mut store = Store::open_encrypted(store_path, &store_key)?;
        store.set_mapping(config.mapping.clone());
        audit_configuration(&mut store, path, &SystemClock::china().now())?;
        Ok(Device {
            store,
            store_path: store_path.clone(),
            store_key,
            settings: SyncSettings {
                outbox_retention_days: config.policy.outbox_retention_days,
                mapping: config.mapping.clone(),
                ..bb.sync_settings()
            },
            policy: config.policy.clone(),
            ward: bb.ward_ref(),
            lang: config.language,
            label_dir: None,
            hint: Text::same(""),
            alerts: config.alerts,
        })
    }

    /// `bedside --config FILE`: `open`, refused when nobody could sign in.
    pub fn configured(path: &Path) -> Result<Device, DeviceError> {
        let device = Device::open(path)?;
        if device.store.staff_count()? == 0 {
            return Err(DeviceError::NoStaff(path.to_path_buf()));
        }
        Ok(device)
    }

    /// Exports go beside the store: the device's own folder, which the hospital's IT collects.
    pub fn export_dir(&self) -> PathBuf {
        self.store_path
            .parent()
            .map_or_else(|| PathBuf::from("exports"), |p| p.join("exports"))
    }

    /// The link to the blood bank, on its own thread with its own connection to the store,
    /// every `every` and at once when poked; `notify` hears each cycle's status.
    pub fn start_link(
        &self,
        every: Duration,
        notify: Box<dyn Fn(LinkStatus) + Send>,
    ) -> Result<LinkWorker, LinkError> {
        LinkWorker::spawn(
            &self.store_path,
            Some(self.store_key.clone()),
            self.settings.clone(),
            every,
            notify,
        )
    }

    /// The controllers over this device's store, on the system clock and random identifiers.
    pub fn into_handheld(self) -> Handheld {
        Handheld::new(
            self.store,
            Box::new(SystemClock::china()),
            Box::new(RandomIds),
            self.policy,
            self.ward,
            SessionSettings::default(),
        )
    }
}
