//! Identifiers of registry records.
//!
//! Ids are short, stable, human-chosen slugs such as `hikvision` or
//! `us-bis-entity-list`. They appear in data files, command lines and
//! findings, so they are restricted to lowercase ASCII letters, digits and
//! single hyphens.

use std::fmt;

/// Why a string is not a valid id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdError {
    /// The rejected text.
    pub text: String,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid id {:?}: expected 1 to {} lowercase ASCII letters, digits and single hyphens, \
             starting with a letter or digit (e.g. \"hikvision-europe\")",
            self.text,
            Id::MAX_LEN
        )
    }
}

impl std::error::Error for IdError {}

/// The validation rule shared by every id type.
pub struct Id;

impl Id {
    /// The longest id accepted.
    pub const MAX_LEN: usize = 64;

    /// Checks the id rule without allocating.
    pub fn is_valid(text: &str) -> bool {
        let bytes = text.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= Self::MAX_LEN
            && bytes[0] != b'-'
            && bytes[bytes.len() - 1] != b'-'
            && !text.contains("--")
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
    }
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(std::sync::Arc<str>);

        impl $name {
            /// Validates `text` against the id rule.
            pub fn new(text: &str) -> Result<Self, IdError> {
                if Id::is_valid(text) {
                    Ok(Self(text.into()))
                } else {
                    Err(IdError { text: text.to_owned() })
                }
            }

            /// The id as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, IdError> {
                Self::new(text)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    };
}

id_type!(
    /// Identifies an [`Entity`](crate::Entity): a company, public body,
    /// person, brand or authority.
    EntityId
);
id_type!(
    /// Identifies a [`List`](crate::List) of designations.
    ListId
);
id_type!(
    /// Identifies a [`Source`](crate::Source).
    SourceId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slugs() {
        for ok in ["hikvision", "us-bis-entity-list", "cetc-52", "1260h"] {
            assert!(EntityId::new(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_everything_else() {
        let long = "a".repeat(65);
        for bad in [
            "",
            "Hikvision",
            "hik vision",
            "-hik",
            "hik-",
            "hik--vision",
            "hik_vision",
            &long,
        ] {
            let err = EntityId::new(bad).unwrap_err();
            assert_eq!(err.text, bad);
        }
        assert!(EntityId::new("hikvision").unwrap().to_string() == "hikvision");
    }
}
