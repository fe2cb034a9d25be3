//! What the integration tests share: the identifier as `derisk assets`
//! builds it, on the shipped registry, rules and relabels.

use derisk_devices::{Identifier, Relabels, Rules};
use derisk_registry::{ControlRules, bundled};

/// Runs `f` with an identifier over the bundled registry, the bundled rules
/// and the bundled relabels (the identifier borrows the registry, so it
/// lives only inside the call).
pub fn with_identifier<T>(f: impl FnOnce(&Identifier<'_>) -> T) -> T {
    let registry = bundled().registry;
    let id = Identifier::new(
        &registry,
        ControlRules::default(),
        derisk_registry::curated::clean(Rules::bundled()).unwrap(),
    )
    .with_relabels(derisk_registry::curated::clean(Relabels::bundled()).unwrap());
    f(&id)
}
