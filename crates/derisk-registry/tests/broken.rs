//! A registry with one mistake of each kind: every problem is reported at
//! once, with file, line, column and field, and the sound records still load.

use derisk_registry::{RegistryFile, Severity, load};

fn fixture() -> Vec<RegistryFile> {
    let file = |name: &str, text: &str| RegistryFile {
        name: format!("broken/{name}"),
        text: text.to_owned(),
    };
    vec![
        file("family.toml", include_str!("fixtures/broken/family.toml")),
        file("lists.toml", include_str!("fixtures/broken/lists.toml")),
        file("shapes.toml", include_str!("fixtures/broken/shapes.toml")),
        file("sources.toml", include_str!("fixtures/broken/sources.toml")),
        file("syntax.toml", include_str!("fixtures/broken/syntax.toml")),
    ]
}

#[test]
fn every_problem_is_reported_with_its_location() {
    let loaded = load(fixture());
    let got: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    let expected = [
        "broken/family.toml:10:12: error: entity[acme].names[1].name: a name of kind `chinese` must be written in Chinese characters only",
        "broken/family.toml:11:48: error: entity[acme].names[2].sources[0]: unknown source `no-such-source`: no [[source]] has this id; this name is not loaded",
        "broken/family.toml:19:1: error: entity[acme-europe].contry: unknown field `contry` (did you mean `country`?); expected one of: country, id, identifiers, kind, name, names, note, sources, state, unverified",
        "broken/family.toml:22:1: error: entity[no-source].sources: missing required field; expected sources = [\"source-id\"]; every fact needs a source",
        "broken/family.toml:27:1: error: entity[acme].id: duplicate entity id `acme`; first defined at broken/family.toml:3",
        "broken/family.toml:35:8: error: entity[acme-brand].kind: unknown entity kind \"label\"; expected one of: company, organisation, public-body, person, brand, authority",
        "broken/family.toml:48:10: error: relation[1].object: unknown entity `acme-holding`: no [[entity]] has this id; this record is not loaded",
        "broken/family.toml:49:9: error: relation[1].share: expected a percentage greater than 0 and at most 100",
        "broken/family.toml:52:1: error: relation[2].end: ends (2019) before it starts (2020-01-01)",
        "broken/family.toml:64:9: error: relation[3].share: expected a finite number, found a string",
        "broken/family.toml:75:8: error: designation[1].list: unknown list `us-entitylist` (did you mean `us-entity-list`?): no [[list]] has this id; this record is not loaded",
        "broken/family.toml:82:9: error: designation[2].start: invalid date \"2019-13-01\" (month out of range 01-12): expected YYYY, YYYY-MM or YYYY-MM-DD",
        "broken/family.toml:85:1: error: designation[3].start: missing required field; expected the date it took effect, as precise as the source gives it (2019-10-09, \"2019-10\" or \"2019\")",
        "broken/family.toml:94:23: error: mac_block[0].prefixes[1]: invalid MA-L prefix \"12345\": expected 6 hexadecimal digits, optionally separated by ':' or '-'",
        "broken/family.toml:108:13: error: mac_block[2].prefixes[0]: MAC prefix 0A0B0C is already assigned at broken/family.toml:101",
        "broken/lists.toml:17:1: error: list[bad-authority].authority: authority `acme` is of kind `company`; a list's authority must be of kind `authority` or `public-body`",
        "broken/lists.toml:31:16: error: list[bad-country].jurisdiction: unknown country code \"UK\" (the United Kingdom is GB): expected an ISO 3166-1 alpha-2 code such as CN, NL or GB, or EU",
        "broken/shapes.toml:2:13: error: mac_block: expected an array of tables (`[[mac_block]]`), found an integer",
        "broken/shapes.toml:4:2: error: unknown record type `sourse` (did you mean `source`?); expected arrays of tables named: designation, entity, list, mac_block, relation, source",
        "broken/shapes.toml:11:9: error: relation[0].share: expected a finite number, found 1e400",
        "broken/shapes.toml:12:11: error: relation[0].sources: must not be empty; expected sources = [\"source-id\"]; every fact needs a source",
        "broken/shapes.toml:17:9: error: designation[0].start: expected a date: YYYY-MM-DD, or a string \"YYYY-MM\" or \"YYYY\"; a time of day is not allowed",
        "broken/shapes.toml:18:23: error: designation[0].sources[1]: expected a non-empty string, found an integer",
        "broken/shapes.toml:18:26: error: designation[0].sources[2]: expected a non-empty string, found an empty string",
        "broken/shapes.toml:24:9: error: entity[shapeless].names: expected an array of tables, found a string",
        "broken/shapes.toml:25:16: error: entity[shapeless].identifiers[0].scheme: missing required field; expected one of: lei, kvk, uscc, vat, duns, szse, sse, hkex, nyse, website",
        "broken/shapes.toml:25:16: error: entity[shapeless].identifiers[0].value: missing required field; expected a string",
        "broken/shapes.toml:25:16: error: entity[shapeless].identifiers[0].sources: missing required field; expected sources = [\"source-id\"]; every fact needs a source",
        "broken/shapes.toml:25:20: error: entity[shapeless].identifiers[1]: expected a table, found an integer",
        "broken/shapes.toml:30:1: error: relation[1].control: only meaningful for kind `owned-by`; the other kinds state control or none by themselves",
        "broken/shapes.toml:37:1: error: relation[2].indirect: `indirect` qualifies a share; give `share` too",
        "broken/sources.toml:10:1: error: source[ieee-ra].id: duplicate source id `ieee-ra`; first defined at broken/sources.toml:3",
        "broken/sources.toml:16:1: error: source[bis-rule].publisher: missing required field; expected a string",
        "broken/sources.toml:18:7: error: source[bis-rule].url: expected an absolute http:// or https:// URL without spaces",
        "broken/sources.toml:26:13: error: source[uncited].published: invalid date \"2024-13\" (month out of range 01-12): expected YYYY, YYYY-MM or YYYY-MM-DD",
        "broken/sources.toml:28:1: warning: source[spare]: source `spare` is not cited by any fact",
        "broken/syntax.toml:3:16: error: not valid TOML, file skipped: invalid basic string, expected `\"`",
    ];
    assert_eq!(got, expected);
    assert_eq!(loaded.error_count(), 36);
    assert_eq!(loaded.warning_count(), 1);
    assert!(
        loaded
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Warning)
    );
}

#[test]
fn sound_records_around_the_broken_ones_still_load() {
    let loaded = load(fixture());
    let r = &loaded.registry;
    let ids: Vec<&str> = r.entities().iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["acme", "us-bis"]);
    // The first definition of a duplicated id wins.
    assert_eq!(
        r.entity("acme").unwrap().caption,
        "Acme Surveillance Technology Co., Ltd."
    );
    // A bad name is dropped alone; its entity and the good names stay.
    let names: Vec<&str> = r
        .entity("acme")
        .unwrap()
        .names
        .iter()
        .map(|n| n.value.as_str())
        .collect();
    // The surviving MAC block's assignee equals the caption, so it adds no name.
    assert_eq!(names, ["Acme Surveillance Technology Co., Ltd.", "Acme"]);
    assert_eq!(r.designations().len(), 1);
    assert_eq!(r.designations()[0].list.as_str(), "us-entity-list");
    assert_eq!(
        r.lists().iter().map(|l| l.id.as_str()).collect::<Vec<_>>(),
        ["us-entity-list"]
    );
    assert_eq!(r.mac_blocks().len(), 1);
    assert_eq!(r.mac_blocks()[0].prefix.as_str(), "0A0B0C");
    assert_eq!(
        r.sources()
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>(),
        ["ieee-ra", "spare"]
    );
    assert!(
        r.relations().is_empty(),
        "every relation in the fixture has an error"
    );
}

#[test]
fn a_relation_to_a_broken_entity_is_dropped_without_a_second_error() {
    // acme-europe fails (unknown field); the relation and MAC block that
    // point at it must not add "unknown entity" noise.
    let loaded = load(fixture());
    assert!(
        !loaded
            .diagnostics
            .iter()
            .any(|d| d.message.contains("`acme-europe`"))
    );
}

#[test]
fn the_loader_is_order_independent() {
    let mut files = fixture();
    files.reverse();
    let a: Vec<String> = load(files)
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect();
    let b: Vec<String> = load(fixture())
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(a, b);
}

#[test]
fn a_file_that_is_not_utf8_is_skipped_with_its_position() {
    let dir = std::env::temp_dir().join(format!("derisk-not-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("latin1.toml"), b"# caf\xe9\n[[source]]\n").unwrap();
    std::fs::write(
        dir.join("sources.toml"),
        include_str!("fixtures/broken/sources.toml"),
    )
    .unwrap();
    let loaded = derisk_registry::load_dir(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let first = &loaded.diagnostics[0];
    assert_eq!(first.file, dir.join("latin1.toml").display().to_string());
    assert_eq!((first.line, first.column), (1, 6));
    assert_eq!(
        first.message,
        "not valid UTF-8 at byte 5, file skipped: registry files must be UTF-8 text"
    );
    // The other file still loads.
    assert_eq!(loaded.registry.sources().len(), 2);
}

#[test]
fn the_hash_identifies_the_content() {
    let a = load(fixture()).registry;
    let b = load(fixture()).registry;
    assert_eq!(a.hash(), b.hash());
    assert_eq!(a.hash().len(), 64);
    assert!(a.hash().bytes().all(|c| c.is_ascii_hexdigit()));
    let mut files = fixture();
    files[2].text.push('\n');
    assert_ne!(load(files).registry.hash(), a.hash());
    let mut files = fixture();
    files[2].name = "elsewhere/sources.toml".into();
    assert_ne!(load(files).registry.hash(), a.hash());
}
