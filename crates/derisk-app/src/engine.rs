//! Owned, shareable engines: the registry with the screener and the device
//! identifier built over it, in one value that is `Send + Sync + 'static`,
//! for a server whose requests run side by side while a new snapshot is
//! swapped in.
//!
//! A [`Generation`] owns one registry (behind an `Arc`) and the engines
//! that borrow it. An [`Engine`] holds the current generation; a request
//! takes it ([`Engine::current`], an `Arc` clone) and keeps it to its end,
//! so [`Engine::swap`] replaces the registry for the requests that start
//! after it, atomically, without waiting for the ones running and without
//! pulling the registry from under them.

use std::sync::{Arc, RwLock};

use derisk_devices::Identifier;
use derisk_match::{Matcher, ScoreConfig, Screener};
use derisk_registry::{ControlRules, Registry};

use crate::Message;

self_cell::self_cell!(
    /// A registry and the screener that borrows it.
    struct Screening {
        owner: Arc<Registry>,
        #[covariant]
        dependent: Screener,
    }
);

self_cell::self_cell!(
    /// A registry and the device identifier that borrows it.
    struct Identifying {
        owner: Arc<Registry>,
        #[covariant]
        dependent: Identifier,
    }
);

/// How the engines of a generation are built.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Screening thresholds.
    pub config: ScoreConfig,
    /// Control and influence rules for paths and designations.
    pub rules: ControlRules,
}

/// One registry with its engines, built once and shared by every request
/// that starts while it is current.
pub struct Generation {
    registry: Arc<Registry>,
    screening: Screening,
    identifying: Identifying,
    snapshot_hash: Option<String>,
}

impl Generation {
    /// Builds the engines over `registry`: the screener from `index` when
    /// it fits (a snapshot's), else built; the identifier with the shipped
    /// fingerprint rules and relabels. `snapshot_hash` is the hash of the
    /// snapshot file the registry came from, if it did (recorded with
    /// runs). What happens on the way goes to `say`.
    pub fn build(
        registry: Registry,
        index: Option<Matcher>,
        snapshot_hash: Option<String>,
        options: &Options,
        say: &mut dyn FnMut(Message),
    ) -> anyhow::Result<Generation> {
        let registry = Arc::new(registry);
        let mut why = None;
        let screening = Screening::new(registry.clone(), |r| {
            let (screener, not_used) =
                crate::registry::screener(r, index, options.config.clone(), options.rules);
            why = not_used;
            screener
        });
        if let Some(why) = why {
            say(Message::warning(why));
        }
        let identifying = Identifying::try_new(registry.clone(), |r| {
            crate::assets::identifier(r, options.rules, None, say)
        })?;
        Ok(Generation {
            registry,
            screening,
            identifying,
            snapshot_hash,
        })
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The registry, to keep beyond this generation.
    pub fn shared_registry(&self) -> Arc<Registry> {
        self.registry.clone()
    }

    /// The screener over the registry.
    pub fn screener(&self) -> &Screener<'_> {
        self.screening.borrow_dependent()
    }

    /// The device identifier over the registry.
    pub fn identifier(&self) -> &Identifier<'_> {
        self.identifying.borrow_dependent()
    }

    /// The hash of the snapshot file the registry came from, if it did.
    pub fn snapshot_hash(&self) -> Option<&str> {
        self.snapshot_hash.as_deref()
    }
}

/// The current generation, swapped atomically.
pub struct Engine {
    current: RwLock<Arc<Generation>>,
}

impl Engine {
    /// An engine serving `generation`.
    pub fn new(generation: Generation) -> Engine {
        Engine {
            current: RwLock::new(Arc::new(generation)),
        }
    }

    /// The generation current now; a request keeps it to its end.
    pub fn current(&self) -> Arc<Generation> {
        match self.current.read() {
            Ok(g) => g.clone(),
            // A writer cannot panic while holding the lock (it only
            // replaces an Arc), but a poisoned lock still holds a value.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Makes `generation` current for the requests that start from now
    /// on; returns the one it replaces, which the requests running keep
    /// until they end.
    pub fn swap(&self, generation: Generation) -> Arc<Generation> {
        let new = Arc::new(generation);
        let mut current = match self.current.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        std::mem::replace(&mut *current, new)
    }
}
