//! Devices as operators see them, and the makers behind them.
//!
//! [`observation`] defines the one format every device input becomes
//! (documented in `docs/formats/device-observation.md`): JSON lines, one
//! device a line, every field optional but `id`, and reads it with a
//! problem report per bad line or field instead of stopping.
//! [`identify`] names each device's maker from its MAC address and
//! declared brand, and recognises relabelled (OEM) devices.

pub mod banner_names;
pub mod capture;
pub mod cyclonedx;
pub mod fingerprint;
pub mod formats;
pub mod identify;
pub mod inventory;
pub mod neighbours;
pub mod nmap;
pub mod observation;
pub mod recog;
pub mod relabel;

pub use banner_names::{Lookalike, Lookalikes};
pub use capture::{is_capture, read_capture};
pub use cyclonedx::read_cyclonedx;
pub use fingerprint::{Rule, Rules};
pub use formats::{DeviceFormat, DeviceReader, FORMATS};
pub use identify::{Evidence, Identifier, Verdict, placeholder};
pub use inventory::{CsvDevices, Mapping, Target, table_devices};
pub use neighbours::{NeighbourFormat, read_neighbours};
pub use nmap::NmapDevices;
pub use observation::{Device, Field, Item, JsonlDevices, Problem};
pub use recog::{RecogLoad, load_recog};
pub use relabel::{Relabel, Relabels};
