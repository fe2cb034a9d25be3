//! How the legal forms of two names compare.
//!
//! Each form has a class (private limited, joint-stock, limited
//! partnership, ...) in each country it belongs to, or in any country for
//! English renderings and shared forms ("LLC", "Joint Stock Company",
//! "Co Ltd"), and the records it comes from (an entry of the ISO 20275 code
//! list in one language, or a record of `legal-forms.toml`). Two forms:
//!
//! - are the same form when they share a record (`Sp. z o.o.` and "spółka z
//!   ograniczoną odpowiedzialnością"; `OOO` and "Obshchestvo s
//!   ogranichennoy otvetstvennostyu");
//! - are equivalent when one of them is a rendering for any country and
//!   they share a class (`OOO` and `LLC`, `GmbH` and `Co Ltd`: a foreign
//!   company's form written in English), or when they have one class in a
//!   country that is the only one of either (the Finnish `Oy` and its
//!   Swedish name `Ab`);
//! - otherwise, when both are local forms, name two legal entities: forms
//!   of different classes in one country conflict (`AG` and `GmbH`, `SA`
//!   and `SL`), and forms of countries that share none are two
//!   registrations (`GmbH` and `Oy`): perhaps of one group, not one
//!   company;
//! - or simply differ (a rendering for any country of another class).
//!
//! Forms that only say "company" (`Co`, `Corp`, 公司) are left out unless
//! both names have them.

use crate::lexicon::{self, LegalClass};

/// How the legal forms of a query and a registry name compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LegalCmp {
    /// One side has none.
    Unknown,
    /// This form is on both sides (or two spellings of one record).
    Shared(u32),
    /// These forms (query, registry) are of one class, one of them a
    /// rendering for any country.
    Equivalent(u32, u32),
    /// These local forms are of different classes in this country.
    Conflict(u32, u32, [u8; 2]),
    /// These local forms are different registrations.
    Foreign(u32, u32),
    /// Both sides have forms, none of them equal or equivalent.
    Differ,
}

const ANY: [u8; 2] = *b"**";

fn telling(ids: &[u32]) -> impl Iterator<Item = u32> + '_ {
    ids.iter().copied().filter(|&id| {
        lexicon::legal(id)
            .kinds
            .iter()
            .any(|k| k.1 != LegalClass::Generic)
    })
}

fn local(id: u32) -> bool {
    lexicon::legal(id).kinds.iter().all(|k| k.0 != ANY)
}

fn same_record(a: u32, b: u32) -> bool {
    let (fa, fb) = (lexicon::legal(a), lexicon::legal(b));
    fa.entries.iter().any(|e| fb.entries.contains(e))
}

fn same_class(a: u32, b: u32) -> bool {
    let (fa, fb) = (lexicon::legal(a), lexicon::legal(b));
    fa.kinds
        .iter()
        .any(|ka| ka.1 != LegalClass::Generic && fb.kinds.iter().any(|kb| kb.1 == ka.1))
}

/// Whether the forms have one class in a country that is the only one of
/// either: two names of one form, as the code list gives a country's forms
/// in each of its languages (the Finnish `Oy` is the form the Swedish `Ab`
/// names in Finland). A country that is one of several for both (Belgium,
/// for the German `GmbH` and the Dutch `BV`) says nothing.
fn same_class_in_a_country(a: u32, b: u32) -> bool {
    let (fa, fb) = (lexicon::legal(a), lexicon::legal(b));
    let only = |f: &lexicon::LegalData, c: [u8; 2]| f.kinds.iter().all(|k| k.0 == c);
    fa.kinds.iter().any(|ka| {
        ka.0 != ANY
            && ka.1 != LegalClass::Generic
            && fb.kinds.iter().any(|kb| kb == ka)
            && (only(fa, ka.0) || only(fb, ka.0))
    })
}

/// A country where the two local forms have different classes only.
fn conflict(a: u32, b: u32) -> Option<[u8; 2]> {
    let (fa, fb) = (lexicon::legal(a), lexicon::legal(b));
    for &(ca, ka) in fa.kinds {
        let there: Vec<LegalClass> = fb.kinds.iter().filter(|k| k.0 == ca).map(|k| k.1).collect();
        let here: Vec<LegalClass> = fa.kinds.iter().filter(|k| k.0 == ca).map(|k| k.1).collect();
        if ka != LegalClass::Generic && !there.is_empty() && !there.iter().any(|k| here.contains(k))
        {
            return Some(ca);
        }
    }
    None
}

/// Compares the legal forms of a query and a registry name.
pub(crate) fn compare(query: &[u32], registry: &[u32]) -> LegalCmp {
    if query.is_empty() || registry.is_empty() {
        return LegalCmp::Unknown;
    }
    if let Some(&shared) = query.iter().find(|id| registry.contains(id)) {
        return LegalCmp::Shared(shared);
    }
    let (q, r): (Vec<u32>, Vec<u32>) = (telling(query).collect(), telling(registry).collect());
    if q.is_empty() || r.is_empty() {
        return LegalCmp::Unknown;
    }
    let pairs = || q.iter().flat_map(|&a| r.iter().map(move |&b| (a, b)));
    if let Some((a, _)) = pairs().find(|&(a, b)| same_record(a, b)) {
        return LegalCmp::Shared(a);
    }
    if let Some((a, b)) = pairs().find(|&(a, b)| {
        ((!local(a) || !local(b)) && same_class(a, b)) || same_class_in_a_country(a, b)
    }) {
        return LegalCmp::Equivalent(a, b);
    }
    if q.iter().all(|&a| local(a)) && r.iter().all(|&b| local(b)) {
        let (a, b) = (q[0], r[0]);
        return match conflict(a, b) {
            Some(c) => LegalCmp::Conflict(a, b, c),
            None => LegalCmp::Foreign(a, b),
        };
    }
    LegalCmp::Differ
}

/// The countries of a form, for explanations ("DE, AT, CH").
pub(crate) fn countries(id: u32) -> String {
    let mut out: Vec<String> = Vec::new();
    for k in lexicon::legal(id).kinds {
        let c = String::from_utf8_lossy(&k.0).into_owned();
        if !out.contains(&c) {
            out.push(c);
        }
    }
    if out.len() > 4 {
        out.truncate(4);
        out.push("…".to_string());
    }
    out.join(", ")
}

/// The class a form has in `country`, or its first class.
pub(crate) fn class_in(id: u32, country: [u8; 2]) -> LegalClass {
    let f = lexicon::legal(id);
    f.kinds
        .iter()
        .find(|k| k.0 == country)
        .or(f.kinds.first())
        .map_or(LegalClass::Generic, |k| k.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize;

    fn forms(name: &str) -> Vec<u32> {
        normalize(name).legal_forms.iter().map(|l| l.id).collect()
    }

    fn cmp(a: &str, b: &str) -> LegalCmp {
        compare(&forms(a), &forms(b))
    }

    #[test]
    fn same_equivalent_conflicting_and_different_forms() {
        assert!(matches!(cmp("X GmbH", "X GmbH"), LegalCmp::Shared(_)));
        assert!(matches!(cmp("OOO X", "X LLC"), LegalCmp::Equivalent(..)));
        assert!(matches!(
            cmp("OAO X", "Open Joint Stock Company X"),
            LegalCmp::Shared(_) | LegalCmp::Equivalent(..)
        ));
        assert!(matches!(
            cmp("X GmbH", "X Co., Ltd."),
            LegalCmp::Equivalent(..)
        ));
        assert!(matches!(
            cmp("X Sp. z o.o.", "X spółka z ograniczoną odpowiedzialnością"),
            LegalCmp::Shared(_)
        ));
        // Finland registers one form under a Finnish and a Swedish name.
        assert!(matches!(cmp("X Oy", "X AB"), LegalCmp::Equivalent(..)));
        assert!(matches!(cmp("X GmbH", "X B.V."), LegalCmp::Foreign(..)));
        assert!(matches!(
            cmp("Deutsche Bank AG", "Deutsche Bank GmbH"),
            LegalCmp::Conflict(_, _, [b'D', b'E']) | LegalCmp::Conflict(..)
        ));
        assert!(matches!(cmp("X S.A.", "X S.L."), LegalCmp::Conflict(..)));
        assert!(matches!(cmp("X B.V.", "X S.p.A."), LegalCmp::Foreign(..)));
        assert!(matches!(
            cmp("Siemens Mobility GmbH", "Siemens Mobility Oy"),
            LegalCmp::Foreign(..)
        ));
        // A form also written for any country never says two entities.
        assert!(matches!(
            cmp("X Ltd", "X AG"),
            LegalCmp::Differ | LegalCmp::Equivalent(..)
        ));
        assert_eq!(cmp("X", "X GmbH"), LegalCmp::Unknown);
        assert_eq!(cmp("X Co", "X GmbH"), LegalCmp::Unknown);
    }
}
