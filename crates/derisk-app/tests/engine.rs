//! The engine is shared across threads and swapped while they screen:
//! requests that started before a swap finish on the registry they took,
//! requests that start after it see the new one, and no request sees half
//! of either.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use derisk_app::engine::{Engine, Generation, Options};
use derisk_match::{Query, Scratch};

const OVERLAY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../derisk-cli/tests/fixtures/overlay"
);

fn generation(with_overlay: bool) -> Generation {
    let overlays = if with_overlay {
        vec![std::path::PathBuf::from(OVERLAY)]
    } else {
        Vec::new()
    };
    let loaded = derisk_registry::load_layered(derisk_registry::bundled_files(), &overlays)
        .expect("the shipped registry and the overlay load");
    assert_eq!(loaded.error_count(), 0);
    Generation::build(loaded.registry, None, None, &Options::default(), &mut |m| {
        panic!("unexpected message: {m}")
    })
    .expect("the engines build")
}

/// The entity the best match of `name` is, if any.
fn best(g: &Generation, name: &str, scratch: &mut Scratch) -> Option<String> {
    let q = Query {
        name,
        country: None,
        identifier: None,
    };
    g.screener()
        .screen(&q, Some(1), scratch)
        .matches
        .first()
        .map(|h| h.entity.id.to_string())
}

#[test]
fn the_engine_is_owned_and_shareable() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Engine>();
    shareable::<Generation>();
}

#[test]
fn a_swap_reaches_new_requests_while_running_ones_keep_their_registry() {
    let engine = Arc::new(Engine::new(generation(false)));
    let before = engine.current().registry().hash().to_owned();
    let mut scratch = Scratch::default();
    assert_eq!(
        best(
            &engine.current(),
            "Hangzhou Hikvision Digital Technology Co., Ltd.",
            &mut scratch
        )
        .as_deref(),
        Some("hikvision")
    );
    assert_ne!(
        best(&engine.current(), "Nordlicht Cam", &mut scratch).as_deref(),
        Some("nordlicht-cam")
    );

    let swapped = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let engine = engine.clone();
            let swapped = swapped.clone();
            std::thread::spawn(move || {
                let mut scratch = Scratch::default();
                let mut requests = 0u32;
                loop {
                    let done = swapped.load(Ordering::SeqCst);
                    // One request: one generation from start to end.
                    let g = engine.current();
                    let hash = g.registry().hash().to_owned();
                    let hik = best(&g, "Hikvision Digital Technology", &mut scratch);
                    assert_eq!(hik.as_deref(), Some("hikvision"));
                    let nordlicht = best(&g, "Nordlicht Cam", &mut scratch);
                    // The overlay's brand is found exactly when the request
                    // took the new registry.
                    assert_eq!(
                        nordlicht.as_deref() == Some("nordlicht-cam"),
                        g.registry().entity("nordlicht-cam").is_some(),
                        "registry {hash}"
                    );
                    requests += 1;
                    if done && requests > 1 {
                        return g.registry().hash().to_owned();
                    }
                }
            })
        })
        .collect();
    // A request that started before the swap keeps its generation.
    let held = engine.current();
    let old = engine.swap(generation(true));
    swapped.store(true, Ordering::SeqCst);
    assert_eq!(old.registry().hash(), before);
    assert_eq!(held.registry().hash(), before);
    assert_eq!(
        best(&held, "Nordlicht Cam", &mut scratch),
        best(&old, "Nordlicht Cam", &mut scratch)
    );
    let after = engine.current().registry().hash().to_owned();
    assert_ne!(after, before);
    assert_eq!(
        best(&engine.current(), "Nordlicht Cam", &mut scratch).as_deref(),
        Some("nordlicht-cam")
    );
    for w in workers {
        assert_eq!(w.join().expect("a worker ends"), after);
    }
    // The identifier is the generation's too: a device declared as the
    // overlay's brand is attributed only by the new registry.
    let device = derisk_devices::Device {
        id: "cam-1".to_owned(),
        line: 1,
        values: vec![(
            derisk_devices::Field::DeclaredVendor,
            "Nordlicht Cam".to_owned(),
        )],
    };
    let was = old.identifier().identify(&device);
    let now = engine.current();
    let is = now.identifier().identify(&device);
    let path: Vec<&str> = is.path().iter().map(|s| s.entity.as_str()).collect();
    assert!(was.maker.is_none(), "{:?}", was.maker);
    assert_eq!(is.maker.map(|m| m.id.as_str()), Some("nordlicht-cam"));
    assert_eq!(path, ["hikvision", "cetc", "sasac"]);
}
