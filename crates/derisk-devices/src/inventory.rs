//! Asset inventories as tables (CSV, TSV, spreadsheets): each column is
//! mapped to a field of the observation format by its header, or by the
//! user's `COLUMN=FIELD` mappings, and each row becomes a device.
//!
//! Headers are compared with case, spaces, underscores, hyphens and dots
//! ignored, against the field names and the usual names in asset
//! registers ("MAC Address", "Manufacturer", "Make", "Serial No", "Asset
//! Tag", …; see [`HEADER_NAMES`]), including the column names of the
//! exports of NetBox, Snipe-IT and Lansweeper. A column that maps to
//! nothing is ignored and reported once. A table where no column maps is
//! refused with the columns it has and the names expected. A row without
//! an id column value gets `row N`.
//!
//! "Type" means two things: the kind of device in most registers ("IP
//! camera"), the hardware model in NetBox, whose exports have a "Role"
//! column for the kind and a "Type" (device type) column for the model.
//! So a type column is the role, unless the table has a role column too
//! and no model column; then it is the model.

use std::io::Read;

use crate::observation::{Device, Field, Item, Problem};

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The device's id.
    Id,
    /// A field.
    Field(Field),
}

/// Usual header names of asset registers, folded (lower case, letters and
/// digits only), and the field each holds. Field names themselves are
/// also accepted.
pub const HEADER_NAMES: &[(&str, Target)] = &[
    ("id", Target::Id),
    ("assetid", Target::Id),
    ("assettag", Target::Id),
    ("asset", Target::Id),
    ("assetnumber", Target::Id),
    ("assetno", Target::Id),
    ("deviceid", Target::Id),
    ("inventorynumber", Target::Id),
    ("macaddress", Target::Field(Field::Mac)),
    ("hardwareaddress", Target::Field(Field::Mac)),
    ("physicaladdress", Target::Field(Field::Mac)),
    ("ethernetaddress", Target::Field(Field::Mac)),
    ("ipaddress", Target::Field(Field::Ip)),
    ("ipv4", Target::Field(Field::Ip)),
    ("ipv4address", Target::Field(Field::Ip)),
    // NetBox: "Primary IPv4", "Primary IP" (an address with its prefix).
    ("primaryipv4", Target::Field(Field::Ip)),
    ("primaryip", Target::Field(Field::Ip)),
    ("primaryipaddress", Target::Field(Field::Ip)),
    // Lansweeper: "IPAddress", "Mac".
    ("mac", Target::Field(Field::Mac)),
    ("host", Target::Field(Field::Hostname)),
    ("hostname", Target::Field(Field::Hostname)),
    ("devicename", Target::Field(Field::Hostname)),
    ("dnsname", Target::Field(Field::Hostname)),
    ("location", Target::Field(Field::Site)),
    ("building", Target::Field(Field::Site)),
    ("type", Target::Field(Field::Role)),
    ("devicetype", Target::Field(Field::Role)),
    ("devicerole", Target::Field(Field::Role)),
    ("category", Target::Field(Field::Role)),
    ("assettype", Target::Field(Field::Role)),
    ("criticality", Target::Field(Field::Criticality)),
    ("tier", Target::Field(Field::Criticality)),
    ("zone", Target::Field(Field::Criticality)),
    ("value", Target::Field(Field::Value)),
    ("cost", Target::Field(Field::Value)),
    ("price", Target::Field(Field::Value)),
    ("purchaseprice", Target::Field(Field::Value)),
    ("purchasecost", Target::Field(Field::Value)),
    ("purchase", Target::Field(Field::Purchase)),
    ("purchaseorder", Target::Field(Field::Purchase)),
    // Snipe-IT: "Order Number".
    ("ordernumber", Target::Field(Field::Purchase)),
    ("po", Target::Field(Field::Purchase)),
    ("ponumber", Target::Field(Field::Purchase)),
    ("contract", Target::Field(Field::Purchase)),
    ("contractid", Target::Field(Field::Purchase)),
    ("contractreference", Target::Field(Field::Purchase)),
    ("noticeid", Target::Field(Field::Purchase)),
    ("manufacturer", Target::Field(Field::DeclaredVendor)),
    ("make", Target::Field(Field::DeclaredVendor)),
    ("vendor", Target::Field(Field::DeclaredVendor)),
    ("brand", Target::Field(Field::DeclaredVendor)),
    ("model", Target::Field(Field::DeclaredModel)),
    ("modelnumber", Target::Field(Field::DeclaredModel)),
    // Snipe-IT: "Model No.".
    ("modelno", Target::Field(Field::DeclaredModel)),
    ("serialnumber", Target::Field(Field::Serial)),
    ("serialno", Target::Field(Field::Serial)),
    // Snipe-IT: "Serial".
    ("serial", Target::Field(Field::Serial)),
    ("firmwareversion", Target::Field(Field::Firmware)),
    ("softwareversion", Target::Field(Field::Firmware)),
];

/// Lower case letters and digits only.
fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The column mapping of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// Per column, what it holds.
    pub columns: Vec<Option<Target>>,
    /// Headers of the columns that map to nothing.
    pub ignored: Vec<String>,
}

impl Mapping {
    /// Maps `headers`; `overrides` are `(column header, field name)` pairs
    /// given by the user (`id` for the id column), which win.
    pub fn new(headers: &[String], overrides: &[(String, String)]) -> Result<Mapping, String> {
        let mut columns: Vec<Option<Target>> = headers
            .iter()
            .map(|h| {
                let f = fold(h);
                HEADER_NAMES
                    .iter()
                    .find(|(name, _)| *name == f)
                    .map(|&(_, t)| t)
                    .or_else(|| {
                        Field::ALL
                            .iter()
                            .find(|field| fold(field.as_str()) == f)
                            .map(|&field| Target::Field(field))
                    })
                    .or_else(|| {
                        // "Cost (EUR)", "Value EUR", "Price (€)": a value
                        // column in euro.
                        let bare = f.strip_suffix("eur")?;
                        HEADER_NAMES
                            .iter()
                            .find(|(name, t)| *name == bare && *t == Target::Field(Field::Value))
                            .map(|&(_, t)| t)
                    })
            })
            .collect();
        // NetBox's "Type" (device type) beside its "Role" is the model.
        let is_type = |h: &String| matches!(fold(h).as_str(), "type" | "devicetype");
        let role_column = headers
            .iter()
            .zip(&columns)
            .any(|(h, c)| *c == Some(Target::Field(Field::Role)) && !is_type(h));
        let model_column = columns.contains(&Some(Target::Field(Field::DeclaredModel)));
        if role_column && !model_column {
            for (h, c) in headers.iter().zip(columns.iter_mut()) {
                if is_type(h) {
                    *c = Some(Target::Field(Field::DeclaredModel));
                    break;
                }
            }
        }
        for (column, field) in overrides {
            let target = if field == "id" {
                Target::Id
            } else {
                Target::Field(Field::parse(field).ok_or_else(|| {
                    format!(
                        "--map {column}={field}: {field:?} is not a field of the observation format \
                         (docs/formats/device-observation.md)"
                    )
                })?)
            };
            let at = headers
                .iter()
                .position(|h| h.trim() == column.trim())
                .or_else(|| headers.iter().position(|h| fold(h) == fold(column)))
                .ok_or_else(|| {
                    format!(
                        "--map {column}={field}: no column {column:?}; the header has {}",
                        quoted(headers)
                    )
                })?;
            columns[at] = Some(target);
        }
        // A field held by two columns: the first keeps it.
        let mut seen = Vec::new();
        for c in columns.iter_mut() {
            if let Some(t) = *c {
                if seen.contains(&t) {
                    *c = None;
                } else {
                    seen.push(t);
                }
            }
        }
        if columns
            .iter()
            .all(|c| c.is_none() || *c == Some(Target::Id))
        {
            return Err(format!(
                "no column holds device evidence; the header has {}; expected columns such as \
                 \"MAC Address\", \"IP Address\", \"Manufacturer\", \"Model\", \"Serial Number\" \
                 or the field names of docs/formats/device-observation.md; map others with \
                 --map COLUMN=FIELD",
                quoted(headers)
            ));
        }
        let ignored = headers
            .iter()
            .zip(&columns)
            .filter(|(_, c)| c.is_none())
            .map(|(h, _)| h.clone())
            .collect();
        Ok(Mapping { columns, ignored })
    }

    /// The device of one row (1-based `line` in the file, `row` among the
    /// data rows).
    pub fn device(&self, cells: &[String], line: u64, row: u64) -> Device {
        let mut device = Device {
            id: String::new(),
            line,
            values: Vec::new(),
        };
        for (cell, target) in cells.iter().zip(&self.columns) {
            let value = cell.trim();
            if value.is_empty() {
                continue;
            }
            match target {
                Some(Target::Id) => device.id = value.to_owned(),
                Some(Target::Field(f)) => device.values.push((*f, value.to_owned())),
                None => {}
            }
        }
        if device.id.is_empty() {
            device.id = format!("row {row}");
        }
        device
    }
}

fn quoted(headers: &[String]) -> String {
    headers
        .iter()
        .map(|h| format!("{h:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Devices from a table already read (a spreadsheet's first sheet):
/// `headers` and the data `rows`; row `n` is reported as line `n + 1`.
pub fn table_devices(
    headers: &[String],
    rows: &[Vec<String>],
    overrides: &[(String, String)],
) -> Result<Vec<Item>, String> {
    let mapping = Mapping::new(headers, overrides)?;
    Ok(rows
        .iter()
        .enumerate()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, cells)| {
            let row = i as u64 + 1;
            Item::Device(mapping.device(cells, row + 1, row), Vec::new())
        })
        .collect())
}

/// Reads devices from a CSV or TSV inventory, row by row.
pub struct CsvDevices<R> {
    reader: csv::Reader<derisk_table::Lf<std::io::BufReader<R>>>,
    mapping: Mapping,
    file: String,
    row: u64,
    record: csv::StringRecord,
    done: bool,
}

impl<R: Read> CsvDevices<R> {
    /// Reads the header of `reader` and maps it. `delimiter` is `b','` or
    /// `b'\t'`.
    pub fn new(
        reader: R,
        file: &str,
        delimiter: u8,
        overrides: &[(String, String)],
    ) -> Result<CsvDevices<R>, String> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(derisk_table::Lf::new(std::io::BufReader::new(reader)));
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| format!("{file}:1: cannot read the header row: {e}"))?
            .iter()
            .map(|h| derisk_table::header_cell(h).to_owned())
            .collect();
        let mapping = Mapping::new(&headers, overrides).map_err(|e| format!("{file}:1: {e}"))?;
        Ok(CsvDevices {
            reader,
            mapping,
            file: file.to_owned(),
            row: 0,
            record: csv::StringRecord::new(),
            done: false,
        })
    }

    /// The column mapping in use.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// The next device or skipped row; `None` at the end.
    pub fn next_item(&mut self) -> Option<Item> {
        loop {
            if self.done {
                return None;
            }
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {
                    self.row += 1;
                    let line = self.record.position().map_or(0, |p| p.line());
                    let cells: Vec<String> = self.record.iter().map(str::to_owned).collect();
                    if cells.iter().all(|c| c.trim().is_empty()) {
                        continue;
                    }
                    return Some(Item::Device(
                        self.mapping.device(&cells, line, self.row),
                        Vec::new(),
                    ));
                }
                Err(e) => {
                    self.row += 1;
                    let line = e.position().map_or(0, |p| p.line());
                    let message = match e.kind() {
                        csv::ErrorKind::Utf8 { .. } => {
                            "not UTF-8 text (save the inventory as UTF-8 CSV)".to_owned()
                        }
                        _ => e.to_string(),
                    };
                    let problem = Problem {
                        file: self.file.clone(),
                        line,
                        field: None,
                        message,
                        skipped: true,
                    };
                    // The input itself failing ends it.
                    self.done = matches!(e.kind(), csv::ErrorKind::Io(_));
                    return Some(Item::Skipped(problem));
                }
            }
        }
    }
}
