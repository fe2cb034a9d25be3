//! Recog fingerprint files read at run time: patterns translated from
//! Ruby, vendors fixed or captured, examples run, the rest counted.

use derisk_devices::recog::translate;
use derisk_devices::{Device, Field, load_recog};

#[test]
fn ruby_patterns_are_translated() {
    assert_eq!(translate("^Server$", ""), "(?m)^Server$");
    assert_eq!(
        translate("^a.b$", "REG_ICASE|REG_DOT_NEWLINE"),
        "(?mis)^a.b$"
    );
    assert_eq!(translate("x(?m:.+)y(?mi)z", ""), "(?m)x(?s:.+)y(?si)z");
    assert_eq!(
        translate(r"\h+[\h:]\Z", ""),
        r"(?m)[0-9A-Fa-f]+[0-9A-Fa-f:]\n?\z"
    );
    assert_eq!(translate(r"[]m(?m)]", ""), r"(?m)[]m(?m)]");
}

#[test]
fn a_recog_directory_loads_with_counts() {
    let load = load_recog(std::path::Path::new("tests/fixtures/recog")).unwrap();
    assert_eq!(load.files, 3);
    assert_eq!(
        load.files_skipped, 1,
        "dns.versionbind is no observation field"
    );
    assert_eq!(load.not_compiled, 1);
    assert_eq!(load.without_vendor, 1);
    assert_eq!(load.examples_failed, 1);
    assert_eq!(load.problems.len(), 1, "{:?}", load.problems);
    assert!(
        load.problems[0].contains("ssh_banners.xml: malformed XML at byte"),
        "{:?}",
        load.problems
    );
    let ids: Vec<(&str, &str)> = load
        .rules
        .rules
        .iter()
        .map(|r| (r.description.as_str(), r.vendor.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("Acme camera web server", "Hikvision"),
            ("A vendor named in the header, with a hexadecimal build", ""),
            ("A banner over several lines", "Cisco"),
            ("Acme SSH", "Acme"),
        ]
    );
    assert!(
        load.rules.check_examples().is_empty(),
        "{:?}",
        load.rules.check_examples()
    );
    // The captured vendor and version.
    let device = Device {
        id: "d".into(),
        line: 1,
        values: vec![(
            Field::HttpServer,
            "Dahua Embedded Web & RTSP Server 1f2e".into(),
        )],
    };
    let m = load.rules.matches(&device);
    assert_eq!(m.len(), 1);
    assert_eq!(
        (m[0].vendor.as_str(), m[0].firmware.as_deref()),
        ("Dahua", Some("1f2e"))
    );
}
