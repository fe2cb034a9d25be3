//! `registry build` writes a snapshot that `--snapshot` loads with the same
//! registry hash; a damaged snapshot stops the command with exit code 2 and
//! leaves the previous snapshot in place when a build fails.

use std::process::Command;

fn derisk(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_derisk"))
        .args(args)
        .env_remove("DERISK_REGISTRY")
        .env_remove("DERISK_OVERLAY")
        .env_remove("DERISK_SNAPSHOT")
        .output()
        .unwrap()
}

#[test]
fn build_load_and_refuse_a_damaged_snapshot() {
    let dir = std::env::temp_dir().join(format!("derisk-snap-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let snap = dir.join("registry.snap");
    let snap_s = snap.to_str().unwrap();

    let built = derisk(&["registry", "build", "--out", snap_s]);
    assert!(built.status.success(), "{built:?}");
    let stdout = String::from_utf8(built.stdout).unwrap();
    let registry_line = stdout.lines().nth(1).unwrap().to_owned();
    assert!(registry_line.starts_with("registry "));

    // Same registry hash from the snapshot as from the files.
    let from_files = derisk(&["registry", "stats"]);
    let from_snap = derisk(&["--snapshot", snap_s, "registry", "stats"]);
    assert_eq!(from_files.stdout, from_snap.stdout);
    assert!(
        String::from_utf8_lossy(&from_snap.stdout)
            .starts_with(&format!("registry {}", &registry_line[9..21]))
    );

    // A damaged byte: refused, exit 2, the cause named.
    let mut bytes = std::fs::read(&snap).unwrap();
    let good = bytes.clone();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    std::fs::write(&snap, &bytes).unwrap();
    let bad = derisk(&["--snapshot", snap_s, "registry", "stats"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("corrupt snapshot at byte 12: the content does not match its SHA-256"),
        "{err}"
    );

    // A build that cannot write leaves the old file as it was.
    std::fs::write(&snap, &good).unwrap();
    let failed = derisk(&[
        "--registry",
        "/nonexistent-dir",
        "registry",
        "build",
        "--out",
        snap_s,
    ]);
    assert_eq!(failed.status.code(), Some(2));
    assert_eq!(std::fs::read(&snap).unwrap(), good);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn screening_uses_the_snapshots_name_index_and_survives_a_damaged_one() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("registry.snap");
    let snap_s = snap.to_str().unwrap();
    let built = derisk(&["registry", "build", "--out", snap_s]);
    assert!(built.status.success(), "{built:?}");
    // The index holds the shipped registry's names (their number changes
    // with the registry; a few hundred).
    let stderr = String::from_utf8_lossy(&built.stderr);
    let indexed: usize = stderr
        .split_once("; name index of ")
        .and_then(|(_, rest)| rest.split_once(" names) in "))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("no name index in: {stderr}"));
    assert!(indexed > 300, "{stderr}");

    let screen = |snapshot: Option<&str>| {
        let mut args = vec![];
        if let Some(s) = snapshot {
            args.extend(["--snapshot", s]);
        }
        args.extend([
            "screen",
            "examples/suppliers.csv",
            "--no-record",
            "--format",
            "jsonl",
        ]);
        Command::new(env!("CARGO_BIN_EXE_derisk"))
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .args(&args)
            .env_remove("DERISK_REGISTRY")
            .env_remove("DERISK_OVERLAY")
            .env_remove("DERISK_SNAPSHOT")
            .output()
            .unwrap()
    };
    let from_files = screen(None);
    let from_index = screen(Some(snap_s));
    assert_eq!(from_index.status.code(), Some(1));
    assert_eq!(from_index.stdout, from_files.stdout);
    assert_eq!(from_index.stderr, from_files.stderr, "no warning");

    // A damaged index: the registry still loads, the index is rebuilt, the
    // results are the same, and the user is told.
    let mut bytes = std::fs::read(&snap).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    std::fs::write(&snap, &bytes).unwrap();
    let damaged = screen(Some(snap_s));
    assert_eq!(damaged.stdout, from_files.stdout);
    let stderr = String::from_utf8_lossy(&damaged.stderr);
    assert!(
        stderr.starts_with(&format!(
            "derisk: warning: {snap_s}: the name index cannot be used ({snap_s}: corrupt snapshot at byte "
        )) && stderr.contains("the name index does not match its SHA-256"),
        "{stderr}"
    );
    // Commands that only need the registry do not read the index at all.
    let stats = derisk(&["--snapshot", snap_s, "registry", "stats"]);
    assert!(stats.status.success());
    assert_eq!(String::from_utf8_lossy(&stats.stderr), "");
}
