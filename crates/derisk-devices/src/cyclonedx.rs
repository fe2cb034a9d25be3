//! CycloneDX hardware bills of materials (JSON): every component of type
//! `device`, at any depth, becomes a device.
//!
//! Per device: `manufacturer.name` (else `supplier.name`, which may be a
//! distributor) is the declared vendor, `name` the declared model, the
//! `cdx:device:macAddress` and `cdx:device:serialNumber` properties (from
//! the CycloneDX property taxonomy) the MAC and serial, and the `version`
//! of a `firmware` component inside it the firmware. The id is the
//! component's `bom-ref`, else its name with its position.

use serde_json::Value;

use crate::observation::{Device, Field, Item, Problem};

/// Reads a CycloneDX BOM; `file` names it in problems. A file that is not
/// JSON or not a CycloneDX BOM is one problem.
pub fn read_cyclonedx(text: &str, file: &str) -> Vec<Item> {
    let problem = |message: String| Problem {
        file: file.to_owned(),
        line: 0,
        field: None,
        message,
        skipped: true,
    };
    let bom: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let message = e.to_string();
            let message = message
                .rfind(" at line ")
                .map_or(message.as_str(), |i| &message[..i]);
            return vec![Item::Skipped(problem(format!(
                "not valid JSON at line {}, column {}: {message}",
                e.line(),
                e.column()
            )))];
        }
    };
    if bom["bomFormat"] != "CycloneDX" {
        return vec![Item::Skipped(problem(
            "not a CycloneDX BOM (expected \"bomFormat\": \"CycloneDX\")".into(),
        ))];
    }
    let mut items = Vec::new();
    let mut position = 0u64;
    let mut roots: Vec<&Value> = Vec::new();
    if bom["metadata"]["component"].is_object() {
        roots.push(&bom["metadata"]["component"]);
    }
    roots.extend(bom["components"].as_array().into_iter().flatten());
    for c in roots {
        walk(c, file, &mut position, &mut items);
    }
    items
}

fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn walk(c: &Value, file: &str, position: &mut u64, items: &mut Vec<Item>) {
    let children = c["components"].as_array();
    if c["type"] == "device" {
        *position += 1;
        let mut values = Vec::new();
        let vendor = text(&c["manufacturer"]["name"])
            .or_else(|| text(&c["supplier"]["name"]))
            .or_else(|| text(&c["manufacturer"]));
        if let Some(v) = vendor {
            values.push((Field::DeclaredVendor, v));
        }
        if let Some(name) = text(&c["name"]) {
            values.push((Field::DeclaredModel, name));
        }
        for p in c["properties"].as_array().into_iter().flatten() {
            let field = match p["name"].as_str() {
                Some("cdx:device:macAddress") => Field::Mac,
                Some("cdx:device:serialNumber") => Field::Serial,
                _ => continue,
            };
            if let Some(v) = text(&p["value"]) {
                values.push((field, v));
            }
        }
        if let Some(fw) = children
            .into_iter()
            .flatten()
            .find(|k| k["type"] == "firmware")
            .and_then(|k| text(&k["version"]))
        {
            values.push((Field::Firmware, fw));
        }
        let id = text(&c["bom-ref"]).unwrap_or_else(|| match text(&c["name"]) {
            Some(name) => format!("{name} #{position}"),
            None => format!("device #{position}"),
        });
        if values.is_empty() {
            items.push(Item::Skipped(Problem {
                file: file.to_owned(),
                line: 0,
                field: None,
                message: format!(
                    "device component {id:?} has no manufacturer, supplier, name or device properties; left out"
                ),
                skipped: true,
            }));
        } else {
            items.push(Item::Device(
                Device {
                    id,
                    line: *position,
                    values,
                },
                Vec::new(),
            ));
        }
    }
    for k in children.into_iter().flatten() {
        walk(k, file, position, items);
    }
}
