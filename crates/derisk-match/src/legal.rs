//! How the legal forms of two names compare.
//!
//! Each form has a class (private limited, joint-stock, limited
//! partnership, ...) in each country it belongs to, or in any country for
//! English renderings and shared forms ("LLC", "Joint Stock Company",
//! "Co Ltd"). Two forms:
//!
//! - are the same form (`OOO` and "Obshchestvo s ogranichennoy
//!   otvetstvennostyu" fold to different texts but one entry lists both);
//! - are equivalent: the same class in a shared country or where one of
//!   them is a rendering for any country (`OOO` and `LLC`, `GmbH` and
//!   `Co Ltd`);
//! - conflict: local forms of different classes in the same country
//!   (`AG` and `GmbH`, `SA` and `SL`): two companies of one country cannot
//!   have both, so the names are of two legal entities (a form also written
//!   for any country, as `Ltd` is, never conflicts);
//! - are foreign to each other: local forms of countries that share none
//!   (`GmbH` and `Oy`, `BV` and `SAS`): two companies of two countries, so
//!   again two legal entities, perhaps of one group;
//! - or simply differ (one of them is also used for any country, as `Ltd`
//!   is, and they are of different classes).
//!
//! Forms that only say "company" (`Co`, `Corp`, 公司) are left out unless
//! both names have them.

use crate::lexicon::{self, LegalClass};

/// How the legal forms of a query and a registry name compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LegalCmp {
    /// One side has none.
    Unknown,
    /// This form is on both sides.
    Shared(u32),
    /// These forms (query, registry) are of one class.
    Equivalent(u32, u32),
    /// These forms are of different classes in this country.
    Conflict(u32, u32, [u8; 2]),
    /// These forms belong to countries that share none.
    Foreign(u32, u32),
    /// Both sides have forms, none of them equal or equivalent.
    Differ,
}

const ANY: [u8; 2] = *b"**";

fn telling(ids: &[u32]) -> impl Iterator<Item = u32> + '_ {
    ids.iter()
        .copied()
        .filter(|&id| lexicon::legal(id).kinds.iter().any(|k| k.1 != LegalClass::Generic))
}

fn equivalent(a: u32, b: u32) -> bool {
    let (fa, fb) = (lexicon::legal(a), lexicon::legal(b));
    fa.kinds.iter().any(|&(ca, ka)| {
        ka != LegalClass::Generic
            && fb
                .kinds
                .iter()
                .any(|&(cb, kb)| ka == kb && (ca == cb || ca == ANY || cb == ANY))
    })
}

fn conflict(a: u32, b: u32) -> Option<[u8; 2]> {
    let (fa, fb) = (lexicon::legal(a), lexicon::legal(b));
    // A form also written for any country ("Ltd") says nothing sure of one.
    if fa.kinds.iter().chain(fb.kinds).any(|k| k.0 == ANY) {
        return None;
    }
    for &(ca, ka) in fa.kinds {
        if ca == ANY || ka == LegalClass::Generic {
            continue;
        }
        let there: Vec<LegalClass> = fb
            .kinds
            .iter()
            .filter(|(cb, kb)| *cb == ca && *kb != LegalClass::Generic)
            .map(|k| k.1)
            .collect();
        if !there.is_empty() && !there.contains(&ka) {
            let a_there: Vec<LegalClass> = fa
                .kinds
                .iter()
                .filter(|(c, _)| *c == ca)
                .map(|k| k.1)
                .collect();
            if !there.iter().any(|k| a_there.contains(k)) {
                return Some(ca);
            }
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
    for &a in &q {
        for &b in &r {
            if equivalent(a, b) {
                return LegalCmp::Equivalent(a, b);
            }
        }
    }
    for &a in &q {
        for &b in &r {
            if let Some(c) = conflict(a, b) {
                return LegalCmp::Conflict(a, b, c);
            }
        }
    }
    let local = |id: u32| lexicon::legal(id).kinds.iter().all(|k| k.0 != ANY);
    let shares = |a: u32, b: u32| {
        lexicon::legal(a)
            .kinds
            .iter()
            .any(|ka| lexicon::legal(b).kinds.iter().any(|kb| ka.0 == kb.0))
    };
    if let Some(&a) = q.iter().find(|&&a| local(a))
        && let Some(&b) = r.iter().find(|&&b| local(b))
        && !q.iter().any(|&x| r.iter().any(|&y| shares(x, y)))
    {
        return LegalCmp::Foreign(a, b);
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
        assert!(matches!(cmp("X GmbH", "X Co., Ltd."), LegalCmp::Equivalent(..)));
        assert!(matches!(
            cmp("Deutsche Bank AG", "Deutsche Bank GmbH"),
            LegalCmp::Conflict(_, _, [b'D', b'E']) | LegalCmp::Conflict(..)
        ));
        assert!(matches!(cmp("X S.A.", "X S.L."), LegalCmp::Conflict(..)));
        assert!(matches!(cmp("X B.V.", "X S.p.A."), LegalCmp::Foreign(..)));
        assert!(matches!(cmp("Siemens Mobility GmbH", "Siemens Mobility Oy"), LegalCmp::Foreign(..)));
        assert_eq!(cmp("X Ltd", "X AG"), LegalCmp::Differ);
        assert_eq!(cmp("X", "X GmbH"), LegalCmp::Unknown);
        assert_eq!(cmp("X Co", "X GmbH"), LegalCmp::Unknown);
    }
}
