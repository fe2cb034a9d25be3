//! The derisk domain model.
//!
//! Everything derisk knows about high-risk vendors is expressed in these
//! types: [`Entity`] (companies, public bodies, people, brands, authorities)
//! with their [`Name`]s and [`Identifier`]s, [`Relation`]s between entities
//! (ownership with a share, control, brand, OEM, former identity),
//! [`Designation`]s of an entity on a [`List`] kept by an authority, MAC
//! address blocks ([`MacBlock`]) assigned by the IEEE, and the [`Source`]
//! every one of those facts rests on.
//!
//! What derisk *sees* in a user's data is an [`Observation`]; what it
//! concludes is a [`Finding`], which always carries its [`Evidence`].
//!
//! # Architecture invariant
//!
//! This crate does no I/O and knows no file format. Parsing the registry
//! files, reading user inputs and printing output live in other crates. The
//! optional `serde` feature only derives `Serialize` so that outer crates can
//! write the model in the format they own.
//!
//! ```
//! use derisk_core::{PartialDate, RelationKind};
//!
//! let listed: PartialDate = "2019-10".parse().unwrap();
//! assert!(listed < "2019-10-09".parse().unwrap());
//! assert_eq!(RelationKind::BrandOf.as_str(), "brand-of");
//! ```

mod date;
mod designation;
mod entity;
mod finding;
mod id;
mod mac;
mod relation;
mod source;

pub use date::{DateError, PartialDate, utc_timestamp};
pub use designation::{Coverage, Designation, List, ListKind};
pub use entity::{
    CountryCode, CountryError, Entity, EntityKind, Identifier, IdentifierScheme, Name, NameKind,
    Script,
};
pub use finding::{
    Basis, Decision, DesignationRef, DeviceObservation, Evidence, Finding, Location, Observation,
    ObservedOrganisation, PathStep, Provenance, ScorePart, Subject,
};
pub use id::{EntityId, Id, IdError, ListId, SourceId};
pub use mac::{MacAssignment, MacBlock, MacError, MacPrefix, MacRegistry};
pub use relation::{Relation, RelationKind, Share};
pub use source::{Source, Standing, Verification};

/// Declares a closed vocabulary: a `Copy` enum whose variants have a fixed
/// kebab-case spelling used in data files and output.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling used in data files and output.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// Parses the spelling returned by [`Self::as_str`].
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The accepted spellings, comma separated, for error messages.
            pub fn expected() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}
pub(crate) use vocabulary;
