//! MAC address blocks assigned by the IEEE Registration Authority.

use std::fmt;

use crate::{EntityId, SourceId, vocabulary};

vocabulary! {
    /// The IEEE registry a block comes from; it fixes the prefix length.
    pub enum MacRegistry {
        /// MAC Address Block Large: a 24-bit prefix (an OUI).
        MaL => "MA-L",
        /// MAC Address Block Medium: a 28-bit prefix.
        MaM => "MA-M",
        /// MAC Address Block Small: a 36-bit prefix.
        MaS => "MA-S",
        /// Individual Address Block, the MA-S predecessor: a 36-bit prefix.
        Iab => "IAB",
    }
}

impl MacRegistry {
    /// Number of hexadecimal digits in a prefix of this registry.
    pub fn hex_digits(self) -> usize {
        match self {
            MacRegistry::MaL => 6,
            MacRegistry::MaM => 7,
            MacRegistry::MaS | MacRegistry::Iab => 9,
        }
    }
}

/// A MAC address prefix as upper-case hexadecimal digits without
/// separators (`08A189`, `B0B3536`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MacPrefix(String);

/// Why a string is not a prefix of the given registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacError {
    /// The rejected text.
    pub text: String,
    /// The registry it was meant for.
    pub registry: MacRegistry,
}

impl fmt::Display for MacError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} prefix {:?}: expected {} hexadecimal digits, optionally separated by \
             ':' or '-'",
            self.registry,
            self.text,
            self.registry.hex_digits()
        )
    }
}

impl std::error::Error for MacError {}

impl MacPrefix {
    /// Parses a prefix of `registry`'s length; `08:A1:89`, `08-a1-89` and
    /// `08A189` are the same prefix.
    pub fn new(text: &str, registry: MacRegistry) -> Result<Self, MacError> {
        let digits: String = text
            .chars()
            .filter(|c| *c != ':' && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if digits.len() == registry.hex_digits() && digits.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(MacPrefix(digits))
        } else {
            Err(MacError {
                text: text.to_owned(),
                registry,
            })
        }
    }

    /// The prefix digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a MAC address (12 hex digits, any separators) starts with
    /// this prefix.
    pub fn covers(&self, mac: &str) -> bool {
        let mut digits = mac.chars().filter(|c| c.is_ascii_hexdigit());
        self.0
            .chars()
            .all(|p| digits.next().is_some_and(|d| d.eq_ignore_ascii_case(&p)))
    }
}

impl fmt::Display for MacPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for MacPrefix {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A block of MAC addresses assigned to an organisation, linked to the
/// registry entity that organisation is.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MacBlock {
    /// The IEEE registry.
    pub registry: MacRegistry,
    /// The assigned prefix.
    pub prefix: MacPrefix,
    /// The organisation name exactly as the IEEE registered it.
    pub assignee: String,
    /// The registry entity the assignee is.
    pub entity: EntityId,
    /// The registry extract the block was read from.
    pub sources: Vec<SourceId>,
}

/// An IEEE assignment of any organisation, linked to the registry or not:
/// what names the maker of any MAC address.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MacAssignment {
    /// The IEEE registry.
    pub registry: MacRegistry,
    /// The assigned prefix.
    pub prefix: MacPrefix,
    /// The organisation name exactly as the IEEE registered it.
    pub assignee: String,
    /// The address the IEEE lists, lines joined with ", ".
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "String::is_empty"))]
    pub address: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_normalise_and_cover() {
        let p = MacPrefix::new("08:a1:89", MacRegistry::MaL).unwrap();
        assert_eq!(p.as_str(), "08A189");
        assert!(p.covers("08-A1-89-12-34-56"));
        assert!(p.covers("08a1.8912.3456"));
        assert!(!p.covers("08A18"));
        let m = MacPrefix::new("B0B3536", MacRegistry::MaM).unwrap();
        assert!(m.covers("B0:B3:53:6F:00:01"));
        assert!(!m.covers("B0:B3:53:7F:00:01"));
        assert!(MacPrefix::new("08A189", MacRegistry::MaM).is_err());
        assert!(MacPrefix::new("08A18G", MacRegistry::MaL).is_err());
    }
}
