//! How fresh the registry is: per list and per family, the newest date a
//! fact carries (a designation's start or end, a name's, a relation's) and
//! the newest publication date among the sources the facts cite, and the
//! facts whose newest source is more than a year old or undated.
//!
//! A family is an entity with everyone it controls (under the given
//! control rules) that is not itself controlled by someone other than a
//! state organ: Hikvision belongs to CETC's family, CETC to none above it
//! (SASAC is a state organ). A fact counts for the family of the entity
//! it is about (a relation for the family of its subject). The
//! authorities that keep lists are no family.

use std::collections::BTreeMap;

use derisk_core::{EntityKind, PartialDate, SourceId};

use crate::{ControlRules, Registry};

/// One list's or family's freshness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fresh {
    /// The list's or the family head's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Facts counted.
    pub facts: usize,
    /// The newest date a fact itself carries (a start or an end).
    pub newest_fact: Option<PartialDate>,
    /// The newest publication date among the sources cited.
    pub newest_source: Option<PartialDate>,
    /// The source with that date.
    pub newest_source_id: Option<SourceId>,
    /// Facts whose newest dated source is older than a year before the
    /// day of the report.
    pub stale: usize,
    /// Facts whose sources are all undated.
    pub undated: usize,
    /// Designations whose start lies after the day of the report: upcoming,
    /// not in force.
    pub upcoming: usize,
}

impl Fresh {
    fn new(id: &str, name: &str) -> Fresh {
        Fresh {
            id: id.to_owned(),
            name: name.to_owned(),
            facts: 0,
            newest_fact: None,
            newest_source: None,
            newest_source_id: None,
            stale: 0,
            undated: 0,
            upcoming: 0,
        }
    }
}

/// The registry's freshness on a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Freshness {
    /// The day the report is for.
    pub today: PartialDate,
    /// A fact whose newest source is before this day is stale.
    pub cutoff: PartialDate,
    /// Per list, in the registry's order.
    pub lists: Vec<Fresh>,
    /// Per family, by the head's id.
    pub families: Vec<Fresh>,
}

impl Freshness {
    /// The whole registry in one row: every family's facts (each fact
    /// counts for one family), and the newest source of any list or
    /// family.
    pub fn total(&self) -> Fresh {
        let mut t = Fresh::new("registry", "the registry");
        for f in &self.families {
            t.facts += f.facts;
            t.stale += f.stale;
            t.undated += f.undated;
            t.upcoming += f.upcoming;
            t.newest_fact = t.newest_fact.max(f.newest_fact);
        }
        if let Some(newest) = self
            .lists
            .iter()
            .chain(&self.families)
            .filter(|x| x.newest_source.is_some())
            .max_by_key(|x| x.newest_source)
        {
            t.newest_source = newest.newest_source;
            t.newest_source_id = newest.newest_source_id.clone();
        }
        t
    }
}

/// What one fact says about time: its own dates and its sources.
struct Fact<'a> {
    dates: [Option<PartialDate>; 2],
    sources: &'a [SourceId],
}

impl Fresh {
    fn add(&mut self, registry: &Registry, fact: &Fact<'_>, cutoff: PartialDate) {
        self.facts += 1;
        let own = fact.dates.iter().flatten().max().copied();
        self.newest_fact = self.newest_fact.max(own);
        let newest = fact
            .sources
            .iter()
            .filter_map(|id| registry.source(id.as_str()))
            .filter_map(|s| s.published.map(|p| (p, &s.id)))
            .max_by_key(|&(p, _)| p);
        match newest {
            Some((p, id)) => {
                if self.newest_source.is_none_or(|n| p > n) {
                    self.newest_source = Some(p);
                    self.newest_source_id = Some(id.clone());
                }
                if p < cutoff {
                    self.stale += 1;
                }
            }
            None => self.undated += 1,
        }
    }
}

impl Registry {
    /// How fresh the registry is on `today` (see the module
    /// documentation), families found under `rules`.
    pub fn freshness(&self, today: PartialDate, rules: ControlRules) -> Freshness {
        let cutoff = PartialDate::new(
            today.year_part().saturating_sub(1),
            today.month_part(),
            today.day_part(),
        )
        .or_else(|_| {
            PartialDate::new(
                today.year_part().saturating_sub(1),
                today.month_part(),
                None,
            )
        })
        .unwrap_or(today);
        // The family head of each entity: its topmost controller that is
        // not a state organ, else itself.
        let head = |id: &str| -> String {
            self.control(id, rules)
                .and_then(|c| {
                    c.controllers
                        .iter()
                        .rev()
                        .find(|k| k.entity.state.is_none())
                        .map(|k| k.entity.id.to_string())
                })
                .unwrap_or_else(|| id.to_owned())
        };
        let mut heads: BTreeMap<String, String> = BTreeMap::new();
        let mut families: BTreeMap<String, Fresh> = BTreeMap::new();
        let mut family_of = |id: &str| -> Option<String> {
            if let Some(h) = heads.get(id) {
                return Some(h.clone());
            }
            let e = self.entity(id)?;
            // State organs head no family of makers; their own facts
            // count under themselves.
            let h = if e.state.is_some() {
                id.to_owned()
            } else {
                head(id)
            };
            heads.insert(id.to_owned(), h.clone());
            Some(h)
        };
        // Counts a fact for its entity's family; the family's entry.
        let mut add = |entity: &str,
                       fact: Fact<'_>,
                       families: &mut BTreeMap<String, Fresh>|
         -> Option<String> {
            let h = family_of(entity)?;
            let name = self
                .entity(&h)
                .map_or(h.as_str(), |e| e.caption.as_str())
                .to_owned();
            families
                .entry(h.clone())
                .or_insert_with(|| Fresh::new(&h, &name))
                .add(self, &fact, cutoff);
            Some(h)
        };
        // A list's authority is where designations come from, not a family.
        for e in self
            .entities()
            .iter()
            .filter(|e| e.kind != EntityKind::Authority)
        {
            add(
                e.id.as_str(),
                Fact {
                    dates: [None, None],
                    sources: &e.sources,
                },
                &mut families,
            );
            for n in &e.names {
                add(
                    e.id.as_str(),
                    Fact {
                        dates: [n.start, n.end],
                        sources: &n.sources,
                    },
                    &mut families,
                );
            }
            for i in &e.identifiers {
                add(
                    e.id.as_str(),
                    Fact {
                        dates: [None, None],
                        sources: &i.sources,
                    },
                    &mut families,
                );
            }
        }
        for r in self.relations() {
            add(
                r.subject.as_str(),
                Fact {
                    dates: [r.start, r.end],
                    sources: &r.sources,
                },
                &mut families,
            );
        }
        let mut lists: Vec<Fresh> = self
            .lists()
            .iter()
            .map(|l| Fresh::new(l.id.as_str(), &l.name))
            .collect();
        for d in self.designations() {
            let fact = Fact {
                dates: [d.start, d.end],
                sources: &d.sources,
            };
            let upcoming = d.start.is_some_and(|s| s > today);
            if let Some(l) = lists.iter_mut().find(|l| l.id == d.list.as_str()) {
                l.add(self, &fact, cutoff);
                l.upcoming += usize::from(upcoming);
            }
            if let Some(h) = add(d.entity.as_str(), fact, &mut families)
                && let Some(f) = families.get_mut(&h)
            {
                f.upcoming += usize::from(upcoming);
            }
        }
        Freshness {
            today,
            cutoff,
            lists,
            families: families.into_values().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{ControlRules, RegistryFile, load};

    const REGISTRY: &str = r#"
[[source]]
id = "old"
url = "https://example.org/2019"
title = "An old filing"
publisher = "Example"
published = 2019-05-01

[[source]]
id = "new"
url = "https://example.org/2026"
title = "A recent notice"
publisher = "Example"
published = 2026-06-08

[[source]]
id = "undated"
url = "https://example.org/page"
title = "An undated page"
publisher = "Example"

[[entity]]
id = "authority"
kind = "authority"
name = "Listing Office"
sources = ["new"]

[[list]]
id = "list"
name = "A List"
short = "AL"
authority = "authority"
jurisdiction = "US"
kind = "export-control"
sources = ["new"]

[[entity]]
id = "state"
kind = "public-body"
name = "State Assets Commission"
state = "CN"
sources = ["old"]

[[entity]]
id = "group"
kind = "company"
name = "Group Co"
sources = ["old"]

[[relation]]
subject = "group"
kind = "subsidiary-of"
object = "state"
sources = ["old"]

[[entity]]
id = "maker"
kind = "company"
name = "Maker Co"
sources = ["undated"]

[[relation]]
subject = "maker"
kind = "subsidiary-of"
object = "group"
start = "2018"
sources = ["old"]

[[designation]]
entity = "maker"
list = "list"
start = 2026-06-08
sources = ["new", "old"]

[[designation]]
entity = "group"
list = "list"
start = 2027-01-01
sources = ["new"]
"#;

    #[test]
    fn facts_count_for_the_family_of_their_entity_with_their_newest_source() {
        let loaded = load(vec![RegistryFile {
            name: "r.toml".into(),
            text: REGISTRY.into(),
        }]);
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let f = loaded
            .registry
            .freshness("2026-12-03".parse().unwrap(), ControlRules::default());
        assert_eq!(f.cutoff.to_string(), "2025-12-03");
        let rows: Vec<String> = f
            .families
            .iter()
            .chain(&f.lists)
            .map(|x| {
                format!(
                    "{} facts {} fact {} source {} {} stale {} undated {} upcoming {}",
                    x.id,
                    x.facts,
                    x.newest_fact.map_or("-".into(), |d| d.to_string()),
                    x.newest_source.map_or("-".into(), |d| d.to_string()),
                    x.newest_source_id.as_ref().map_or("-", |s| s.as_str()),
                    x.stale,
                    x.undated,
                    x.upcoming
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                // Maker and group are one family under the group (the state
                // organ above heads none): two entities with their legal
                // names, two relations, two designations; the maker's
                // record and name cite only an undated page, the group's
                // designation starts in 2027.
                "group facts 8 fact 2027-01-01 source 2026-06-08 new stale 4 undated 2 upcoming 1",
                "state facts 2 fact - source 2019-05-01 old stale 2 undated 0 upcoming 0",
                "list facts 2 fact 2027-01-01 source 2026-06-08 new stale 0 undated 0 upcoming 1",
            ]
        );
        let t = f.total();
        assert_eq!(
            (t.facts, t.stale, t.undated, t.upcoming),
            (10, 6, 2, 1),
            "the families' facts, each counted once"
        );
        assert_eq!(
            t.newest_source.map(|d| d.to_string()).as_deref(),
            Some("2026-06-08")
        );
    }
}
