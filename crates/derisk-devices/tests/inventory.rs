//! Inventory tables: headers mapped by name or by the user, rows to
//! devices, and tables with nothing to map refused with their columns.

use derisk_devices::{CsvDevices, Field, Item, Mapping, Target};

fn headers(h: &[&str]) -> Vec<String> {
    h.iter().map(|s| s.to_string()).collect()
}

#[test]
fn usual_headers_map_and_the_first_of_two_keeps_a_field() {
    let m = Mapping::new(
        &headers(&[
            "Asset Tag",
            "MAC Address",
            "ip_address",
            "Make",
            "Manufacturer",
            "Serial No.",
            "snmp_sysdescr",
            "Notes",
        ]),
        &[],
    )
    .unwrap();
    assert_eq!(
        m.columns,
        [
            Some(Target::Id),
            Some(Target::Field(Field::Mac)),
            Some(Target::Field(Field::Ip)),
            Some(Target::Field(Field::DeclaredVendor)),
            None,
            Some(Target::Field(Field::Serial)),
            Some(Target::Field(Field::SnmpSysdescr)),
            None,
        ]
    );
    assert_eq!(m.ignored, ["Manufacturer", "Notes"]);
}

#[test]
fn the_users_mapping_wins_and_bad_ones_are_named() {
    let h = headers(&["Tag", "Hardware Addr", "Room"]);
    let m = Mapping::new(
        &h,
        &[
            ("Hardware Addr".into(), "mac".into()),
            ("tag".into(), "id".into()),
        ],
    )
    .unwrap();
    assert_eq!(
        m.columns,
        [Some(Target::Id), Some(Target::Field(Field::Mac)), None]
    );
    assert_eq!(
        Mapping::new(&h, &[("Shelf".into(), "mac".into())]).unwrap_err(),
        "--map Shelf=mac: no column \"Shelf\"; the header has \"Tag\", \"Hardware Addr\", \"Room\""
    );
    assert!(
        Mapping::new(&h, &[])
            .unwrap_err()
            .starts_with("no column holds device evidence; the header has \"Tag\", \"Hardware Addr\", \"Room\"; expected columns such as \"MAC Address\"")
    );
}

/// Each row read: a device with its line and values, or the problem.
fn rows<R: std::io::Read>(mut r: CsvDevices<R>) -> Vec<String> {
    let mut got = Vec::new();
    while let Some(item) = r.next_item() {
        got.push(match item {
            Item::Device(d, _) => format!("{} @{}: {:?}", d.id, d.line, d.values),
            Item::Skipped(p) => p.to_string(),
        });
    }
    got
}

#[test]
fn rows_become_devices_with_their_lines() {
    let csv: &[u8] = b"Asset Tag,MAC Address,Manufacturer\n\
               CAM-1,44:19:b6:2a:10:07,Hikvision\n\
               ,,\n\
               ,00:40:8c:e1:5b:22,\"Axis, AB\"\n\
               CAM-4,\xff\xfe,Dahua\n";
    let got = rows(CsvDevices::new(csv, "reg.csv", b',', &[]).unwrap());
    assert_eq!(
        got,
        [
            "CAM-1 @2: [(Mac, \"44:19:b6:2a:10:07\"), (DeclaredVendor, \"Hikvision\")]",
            "row 3 @4: [(Mac, \"00:40:8c:e1:5b:22\"), (DeclaredVendor, \"Axis, AB\")]",
            "reg.csv:5: not UTF-8 text (save the inventory as UTF-8 CSV); line skipped",
        ]
    );
}

#[test]
fn a_windows_export_keeps_its_line_numbers() {
    // Saved by a spreadsheet program in a comma-decimal locale: semicolons
    // and CRLF line ends.
    let csv: &[u8] = b"Asset Tag;MAC Address;Manufacturer\r\n\
               CAM-1;44:19:b6:2a:10:07;Hikvision\r\n\
               CAM-2;00:40:8c:e1:5b:22;\"Axis; AB\"\r\n\
               CAM-3;\xff\xfe;Dahua\r\n";
    let got = rows(CsvDevices::new(csv, "reg.csv", b';', &[]).unwrap());
    assert_eq!(
        got,
        [
            "CAM-1 @2: [(Mac, \"44:19:b6:2a:10:07\"), (DeclaredVendor, \"Hikvision\")]",
            "CAM-2 @3: [(Mac, \"00:40:8c:e1:5b:22\"), (DeclaredVendor, \"Axis; AB\")]",
            "reg.csv:4: not UTF-8 text (save the inventory as UTF-8 CSV); line skipped",
        ]
    );
}

#[test]
fn exports_of_netbox_snipe_it_and_lansweeper_map() {
    // NetBox: "Role" is the kind of device, "Type" (device type) the model.
    let netbox = Mapping::new(
        &headers(&[
            "Name",
            "Status",
            "Site",
            "Role",
            "Manufacturer",
            "Type",
            "Platform",
            "Serial number",
            "Asset tag",
            "Primary IPv4",
        ]),
        &[],
    )
    .unwrap();
    assert_eq!(
        netbox.columns,
        [
            None,
            None,
            Some(Target::Field(Field::Site)),
            Some(Target::Field(Field::Role)),
            Some(Target::Field(Field::DeclaredVendor)),
            Some(Target::Field(Field::DeclaredModel)),
            None,
            Some(Target::Field(Field::Serial)),
            Some(Target::Id),
            Some(Target::Field(Field::Ip)),
        ]
    );
    // Without a role column, "Type" keeps its usual sense; with a model
    // column as well, it is a second role column and is left out.
    let plain = Mapping::new(&headers(&["Type", "Manufacturer"]), &[]).unwrap();
    assert_eq!(plain.columns[0], Some(Target::Field(Field::Role)));
    let both = Mapping::new(&headers(&["Role", "Type", "Model"]), &[]).unwrap();
    assert_eq!(
        both.columns,
        [
            Some(Target::Field(Field::Role)),
            None,
            Some(Target::Field(Field::DeclaredModel)),
        ]
    );
    // Snipe-IT.
    let snipe = Mapping::new(
        &headers(&[
            "Asset Tag",
            "Asset Name",
            "Serial",
            "Model",
            "Model No.",
            "Category",
            "Manufacturer",
            "Location",
            "Purchase Cost",
            "Order Number",
        ]),
        &[],
    )
    .unwrap();
    assert_eq!(
        snipe.columns,
        [
            Some(Target::Id),
            None,
            Some(Target::Field(Field::Serial)),
            Some(Target::Field(Field::DeclaredModel)),
            None,
            Some(Target::Field(Field::Role)),
            Some(Target::Field(Field::DeclaredVendor)),
            Some(Target::Field(Field::Site)),
            Some(Target::Field(Field::Value)),
            Some(Target::Field(Field::Purchase)),
        ]
    );
    // Lansweeper.
    let lansweeper = Mapping::new(
        &headers(&[
            "AssetName",
            "AssetType",
            "IPAddress",
            "Mac",
            "Manufacturer",
            "Model",
        ]),
        &[],
    )
    .unwrap();
    assert_eq!(
        lansweeper.columns,
        [
            None,
            Some(Target::Field(Field::Role)),
            Some(Target::Field(Field::Ip)),
            Some(Target::Field(Field::Mac)),
            Some(Target::Field(Field::DeclaredVendor)),
            Some(Target::Field(Field::DeclaredModel)),
        ]
    );
}
