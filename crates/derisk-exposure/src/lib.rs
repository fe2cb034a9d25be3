//! Exposure to high-risk vendors, the way an organisation's security and
//! procurement officers need it: what share of each category of
//! equipment, each site and each level of criticality comes from
//! designated makers and their families; how concentrated each is (the
//! Herfindahl-Hirschman index of maker families, single sourcing); which
//! purchases put the devices there and which devices no purchase
//! explains; which rules of the policy frameworks that apply the findings
//! break ([`policy`]); what to do first ([`plan`]); and the report that
//! says all of it with its evidence and sources ([`report`], [`render`]).
//!
//! The crate reads no user files. The engines that read inputs (names,
//! devices, procurement) resolve each record against the registry; the
//! caller turns their results into the plain records of [`model`], and
//! this crate aggregates, judges and renders them.

/// An enum of fixed spellings and labels, serialised as its spelling.
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $( $(#[$vm:meta])* $v:ident => $text:literal, $label:literal, )+ }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $( $(#[$vm])* $v, )+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// Its one spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $text,)+ }
            }

            /// A label for people.
            pub fn label(self) -> &'static str {
                match self { $($name::$v => $label,)+ }
            }

            /// The value spelled `text`.
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$v),)+ _ => None }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&text).ok_or_else(|| {
                    serde::de::Error::unknown_variant(&text, &[$($text),+])
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod category;
pub mod exposure;
pub mod merge;
pub mod model;
pub mod plan;
pub mod policy;
pub mod render;
pub mod report;

pub use category::{Category, Criticality, Sector};
pub use model::{Asset, InputFile, Listed, Location, Party, Purchase, SourceRef, Step, Supplier};
pub use policy::{Alternatives, Policies};
pub use report::{Audit, Report, audit};
