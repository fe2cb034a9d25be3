//! Compiled snapshots: a round trip keeps every fact and the registry
//! hash; damaged, truncated, foreign and newer files are refused with a
//! message that says which.

use derisk_core::PartialDate;
use derisk_registry::{
    CslFormat, SNAPSHOT_VERSION, SnapshotError, bundled, import_csl, read_snapshot, write_snapshot,
};
use sha2::Digest as _;

fn snapshot_of(reg: &derisk_registry::Registry) -> (Vec<u8>, String) {
    let mut bytes = Vec::new();
    let hash = write_snapshot(reg, &mut bytes).unwrap();
    (bytes, hash)
}

#[test]
fn a_round_trip_keeps_every_fact_and_the_registry_hash() {
    let file = "tests/fixtures/csl/consolidated.csv";
    let today: PartialDate = "2026-11-22".parse().unwrap();
    let imp = import_csl(
        std::fs::File::open(file).unwrap(),
        file,
        CslFormat::Csv,
        today,
    )
    .unwrap();
    let (reg, _) = bundled().registry.with_import(imp);
    let (bytes, hash) = snapshot_of(&reg);
    let snap = read_snapshot(&bytes, "x.snap").unwrap();
    assert_eq!(snap.content_hash, hash);
    assert_eq!(snap.registry.hash(), reg.hash());
    assert_eq!(snap.registry.entities(), reg.entities());
    assert_eq!(snap.registry.relations(), reg.relations());
    assert_eq!(snap.registry.designations(), reg.designations());
    assert_eq!(snap.registry.lists(), reg.lists());
    assert_eq!(snap.registry.sources(), reg.sources());
    assert_eq!(snap.registry.mac_blocks(), reg.mac_blocks());
    assert_eq!(snap.registry.files(), reg.files());
    // Writing it again gives the same bytes: the hash names the content.
    assert_eq!(snapshot_of(&snap.registry).0, bytes);
    assert!(derisk_registry::diff(&reg, &snap.registry).is_empty());
    // Indexes are rebuilt: lookups and control work on the loaded copy.
    assert!(snap.registry.entity("csl-a4b5c6d7e8").is_some());
    assert_eq!(
        snap.registry.designations_of("hikvision").count(),
        reg.designations_of("hikvision").count()
    );
}

#[test]
fn damaged_files_are_refused_with_the_reason() {
    let (bytes, _) = snapshot_of(&bundled().registry);
    let err = |b: &[u8]| read_snapshot(b, "reg.snap").unwrap_err().to_string();

    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x55;
    assert_eq!(
        err(&flipped),
        "reg.snap: corrupt snapshot at byte 12: the content does not match its SHA-256 (the file was changed or damaged); rebuild it with `derisk registry build`"
    );
    let cut = &bytes[..bytes.len() - 100];
    assert_eq!(
        err(cut),
        format!(
            "reg.snap: corrupt snapshot at byte {}: the header announces {} bytes of data, the file has {} (truncated or appended to?); rebuild it with `derisk registry build`",
            cut.len(),
            bytes.len() - 52,
            bytes.len() - 152
        )
    );
    assert_eq!(
        err(b"[[source]]\nid = \"x\"\n"),
        "reg.snap: not a derisk registry snapshot (expected the bytes `DRSKSNAP` at offset 0; build one with `derisk registry build`)"
    );
    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&(SNAPSHOT_VERSION + 1).to_le_bytes());
    assert!(matches!(
        read_snapshot(&newer, "reg.snap"),
        Err(SnapshotError::Newer { found, .. }) if found == SNAPSHOT_VERSION + 1
    ));
    assert_eq!(
        err(&newer),
        format!(
            "reg.snap: snapshot format version {} is newer than this derisk reads (version {SNAPSHOT_VERSION}); upgrade derisk or rebuild the snapshot with this version",
            SNAPSHOT_VERSION + 1
        )
    );
    let mut older = bytes.clone();
    // Version 2 lacks the sources' standing.
    older[8..12].copy_from_slice(&2u32.to_le_bytes());
    assert_eq!(
        err(&older),
        "reg.snap: snapshot format version 2 is older than this derisk reads (version 3); rebuild it with `derisk registry build`"
    );
    assert_eq!(
        err(&bytes[..20]),
        "reg.snap: corrupt snapshot at byte 20: the header needs 52 bytes; the file ends first; rebuild it with `derisk registry build`"
    );
}

#[test]
fn a_reference_to_a_missing_entity_is_refused() {
    // A well-formed snapshot (its hash recomputed) whose relation
    // "hikvision-canada subsidiary-of hikvision" names an id that no
    // entity has. Strings are length-prefixed: 16 and 13 bytes.
    let (mut bytes, _) = snapshot_of(&bundled().registry);
    let record = b"\x10hikvision-canada\x0dsubsidiary-of";
    let at = bytes
        .windows(record.len())
        .position(|w| w == record)
        .unwrap();
    bytes[at + 16] = b'x';
    let digest = sha2::Sha256::digest(&bytes[52..]);
    bytes[12..44].copy_from_slice(&digest);
    let err = read_snapshot(&bytes, "reg.snap").unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "reg.snap: corrupt snapshot at byte {}: a relation names entity `hikvision-canadx`, which is not in the registry; rebuild it with `derisk registry build`",
            bytes.len()
        )
    );
}

/// A registry with more entities and relations than fit in one chunk, so
/// that reading decodes several chunks on several threads.
fn large_registry() -> derisk_registry::Registry {
    let mut ftm = String::new();
    for i in 0..40_000 {
        ftm.push_str(&format!(
            "{{\"id\":\"co-{i}\",\"schema\":\"Company\",\"properties\":{{\"name\":[\"Shenzhen Example Trading {i} Co., Ltd.\"],\"country\":[\"cn\"]}}}}\n"
        ));
        if i > 0 {
            ftm.push_str(&format!(
                "{{\"id\":\"own-{i}\",\"schema\":\"Ownership\",\"properties\":{{\"owner\":[\"co-0\"],\"asset\":[\"co-{i}\"],\"percentage\":[\"60\"]}}}}\n"
            ));
        }
    }
    let today: PartialDate = "2026-11-22".parse().unwrap();
    let imp =
        derisk_registry::import_ftm(ftm.as_bytes(), "large.ftm.json", "large", today).unwrap();
    bundled().registry.with_import(imp).0
}

#[test]
fn large_sections_round_trip_in_chunks_and_name_the_damaged_one() {
    let reg = large_registry();
    assert!(reg.entities().len() > 40_000);
    assert!(reg.relations().len() > 39_999);
    let (bytes, hash) = snapshot_of(&reg);
    let snap = read_snapshot(&bytes, "big.snap").unwrap();
    assert_eq!(snap.content_hash, hash);
    assert_eq!(snap.registry.hash(), reg.hash());
    assert_eq!(snap.registry.entities(), reg.entities());
    assert_eq!(snap.registry.relations(), reg.relations());
    assert_eq!(snapshot_of(&snap.registry).0, bytes);

    // Damage one entity id deep in the third chunk, then give the file the
    // hash of the damaged body so that only the decoder can notice.
    let needle = b"Shenzhen Example Trading 35000 Co., Ltd.";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the name is in the snapshot");
    let id = reg
        .entities()
        .iter()
        .find(|e| e.caption == "Shenzhen Example Trading 35000 Co., Ltd.")
        .expect("the entity is imported")
        .id
        .to_string();
    let id_at = bytes[..at]
        .windows(id.len())
        .rposition(|w| w == id.as_bytes())
        .expect("the id precedes the caption");
    let mut damaged = bytes.clone();
    damaged[id_at] = b'!';
    let digest: [u8; 32] = sha2::Sha256::digest(&damaged[52..]).into();
    damaged[12..44].copy_from_slice(&digest);
    let err = read_snapshot(&damaged, "big.snap").unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "big.snap: corrupt snapshot at byte {}: ",
            id_at - 1
        )),
        "{err} (id at {id_at})"
    );
}

#[test]
fn a_name_index_section_is_kept_apart_and_checked_on_its_own() {
    let reg = bundled().registry;
    let index = b"an index the registry does not interpret".as_slice();
    let mut bytes = Vec::new();
    let hash = derisk_registry::write_snapshot_with_index(&reg, Some(index), &mut bytes).unwrap();
    let (plain, plain_hash) = snapshot_of(&reg);
    assert_eq!(
        hash, plain_hash,
        "the index is not part of the content hash"
    );
    assert!(bytes.starts_with(&plain));

    let snap = read_snapshot(&bytes, "x.snap").unwrap();
    assert_eq!(snap.registry.hash(), reg.hash());
    assert_eq!(
        derisk_registry::snapshot_index(&bytes, "x.snap").unwrap(),
        Some(index)
    );
    assert_eq!(
        derisk_registry::snapshot_index(&plain, "x.snap").unwrap(),
        None
    );

    // A damaged index leaves the registry readable and is refused itself.
    let mut damaged = bytes.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    assert!(read_snapshot(&damaged, "x.snap").is_ok());
    assert_eq!(
        derisk_registry::snapshot_index(&damaged, "x.snap")
            .unwrap_err()
            .to_string(),
        format!(
            "x.snap: corrupt snapshot at byte {}: the name index does not match its SHA-256 (the file was changed or damaged); rebuild it with `derisk registry build`",
            plain.len() + 8
        )
    );
    let cut = &bytes[..bytes.len() - 5];
    assert!(
        derisk_registry::snapshot_index(cut, "x.snap")
            .unwrap_err()
            .to_string()
            .contains("the name index announces 40 bytes, the file has 35")
    );
    // Anything else after the registry is refused as before.
    let mut appended = plain.clone();
    appended.extend_from_slice(b"trailing");
    assert!(read_snapshot(&appended, "x.snap").is_err());
}
