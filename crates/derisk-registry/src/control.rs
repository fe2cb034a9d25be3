//! Who controls an entity, by explicit rules over the registry's current
//! ownership, subsidiary, brand and former-identity links.
//!
//! The rules ([`ControlRules`]):
//!
//! - `subsidiary-of`, `brand-of` and `former-name-of` give control: the
//!   registry states it, with sources.
//! - `owned-by` with `control = true` gives control whatever the share,
//!   because the sources say so (a state group that controls a listed
//!   company with about 40%); `control = false` never gives control.
//! - Otherwise an `owned-by` share above `control_above` (default 50%)
//!   gives control, the idea of the US "50 percent rule". Shares held by
//!   a party and by the entities it controls are added up: 30% held
//!   directly and 25% through a controlled subsidiary is 55%, control.
//!   A share marked `indirect` already counts such holdings and is not
//!   added again.
//! - A share from `influence_from` (default 25%) up to the control line is
//!   significant influence; a smaller one is a minority stake; an
//!   ownership without a share is reported as such, never as control.
//! - Control is transitive: whoever controls a controller controls the
//!   entity. Parties that no one controls are the ultimate controllers; a
//!   state organ among them means the entity is state-controlled.
//!
//! Stakes that do not give control are reported for the entity and for
//! every one of its controllers, with the state organ behind the holder if
//! there is one: a minority state stake is shown as such, not as control.
//! Two current `owned-by` links between the same pair with different
//! shares are a conflict: both are reported and the larger share is used,
//! since a missed controller costs more than a reviewed one. A cycle of
//! links is cut where it closes and reported.

use std::collections::HashMap;

use derisk_core::{Entity, Relation, RelationKind, SourceId};

use crate::Registry;

/// The thresholds of the control rules, in percent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ControlRules {
    /// A share (direct or added up) above this gives control.
    pub control_above: f64,
    /// A share from this up to `control_above` is significant influence.
    pub influence_from: f64,
    /// The day designations are judged on: one that starts after it is
    /// upcoming, not in force. `None`: every designation without an end.
    pub as_of: Option<derisk_core::PartialDate>,
}

impl Default for ControlRules {
    fn default() -> Self {
        ControlRules {
            control_above: 50.0,
            influence_from: 25.0,
            as_of: None,
        }
    }
}

impl ControlRules {
    /// The same rules, judging designations on `day`.
    pub fn as_of(self, day: derisk_core::PartialDate) -> ControlRules {
        ControlRules {
            as_of: Some(day),
            ..self
        }
    }

    /// Whether `d` is in force under these rules: no end, and, with a
    /// day, started by then.
    pub fn in_force(&self, d: &derisk_core::Designation) -> bool {
        match self.as_of {
            Some(day) => d.in_force_on(day),
            None => d.is_current(),
        }
    }
}

/// How one link counts under the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tie {
    /// `subsidiary-of`.
    Subsidiary,
    /// `brand-of`.
    Brand,
    /// `former-name-of`: the same party under a later identity.
    FormerIdentity,
    /// `owned-by` with `control = true`: the sources state control.
    StatedControl,
    /// `owned-by` above the control line.
    Majority,
    /// `owned-by` from the influence line up to the control line, or a
    /// stake the sources say does not give control.
    Influence,
    /// `owned-by` below the influence line.
    Minority,
    /// `owned-by` without a share.
    UnknownShare,
    /// `oem-of`: the maker of the entity's products.
    Maker,
    /// `affiliated-with`: reported, never followed.
    Affiliation,
}

impl Tie {
    /// Whether the link gives control.
    pub fn is_control(self) -> bool {
        matches!(
            self,
            Tie::Subsidiary | Tie::Brand | Tie::FormerIdentity | Tie::StatedControl | Tie::Majority
        )
    }

    /// A stable word for output.
    pub fn as_str(self) -> &'static str {
        match self {
            Tie::Subsidiary => "subsidiary",
            Tie::Brand => "brand",
            Tie::FormerIdentity => "former-identity",
            Tie::StatedControl => "stated-control",
            Tie::Majority => "majority",
            Tie::Influence => "influence",
            Tie::Minority => "minority",
            Tie::UnknownShare => "unknown-share",
            Tie::Maker => "maker",
            Tie::Affiliation => "affiliation",
        }
    }

    /// How the tie reads in a sentence about the upper party.
    pub fn phrase(self) -> &'static str {
        match self {
            Tie::Subsidiary => "parent company",
            Tie::Brand => "owner of the brand",
            Tie::FormerIdentity => "the same party, renamed",
            Tie::StatedControl => "controls it, as the sources state",
            Tie::Majority => "majority shareholder",
            Tie::Influence => "significant influence",
            Tie::Minority => "minority stake",
            Tie::UnknownShare => "shareholder, share not given",
            Tie::Maker => "makes its products",
            Tie::Affiliation => "affiliated",
        }
    }

    fn rank(self) -> u8 {
        match self {
            t if t.is_control() => 0,
            Tie::Influence => 1,
            Tie::Minority => 2,
            Tie::UnknownShare => 3,
            _ => 4,
        }
    }
}

/// One link up, classified.
#[derive(Clone, Debug)]
pub struct Hop<'r> {
    /// The registry relation.
    pub relation: &'r Relation,
    /// How it counts.
    pub tie: Tie,
    /// The lower party (the one held, branded or renamed).
    pub from: &'r Entity,
    /// The upper party.
    pub to: &'r Entity,
}

/// One step of a control path.
#[derive(Clone, Debug)]
pub enum Step<'r> {
    /// A link that gives control by itself.
    Link(Hop<'r>),
    /// `by` controls `of` because its stakes, held directly or through
    /// entities it controls, add up to `total` percent.
    Sum {
        /// The entity controlled.
        of: &'r Entity,
        /// The party whose stakes add up.
        by: &'r Entity,
        /// The sum, in percent.
        total: f64,
        /// The stakes added.
        stakes: Vec<&'r Relation>,
    },
}

impl<'r> Step<'r> {
    /// The upper party of the step.
    pub fn to(&self) -> &'r Entity {
        match self {
            Step::Link(h) => h.to,
            Step::Sum { by, .. } => by,
        }
    }

    /// The relations the step rests on.
    pub fn relations(&self) -> Vec<&'r Relation> {
        match self {
            Step::Link(h) => vec![h.relation],
            Step::Sum { stakes, .. } => stakes.clone(),
        }
    }

    /// The sources of `steps`' relations, in order, each once.
    pub fn sources(steps: &[Step<'r>]) -> Vec<SourceId> {
        let mut ids: Vec<SourceId> = Vec::new();
        for r in steps.iter().flat_map(Step::relations) {
            for id in &r.sources {
                if !ids.contains(id) {
                    ids.push(id.clone());
                }
            }
        }
        ids
    }
}

/// A party that controls the entity, and how.
#[derive(Clone, Debug)]
pub struct Controller<'r> {
    /// The controlling party.
    pub entity: &'r Entity,
    /// From the entity up to the controller, nearest first.
    pub path: Vec<Step<'r>>,
    /// No one controls this party in turn.
    pub ultimate: bool,
}

/// A tie that does not give control: a stake, an unknown share, a maker,
/// an affiliation.
#[derive(Clone, Debug)]
pub struct Holding<'r> {
    /// The link.
    pub hop: Hop<'r>,
    /// The state organ that is the upper party or controls it, if any.
    pub state: Option<&'r Entity>,
}

/// Two current ownership links between the same pair that disagree.
#[derive(Clone, Debug)]
pub struct Conflict<'r> {
    /// The entity held.
    pub held: &'r Entity,
    /// The holder.
    pub holder: &'r Entity,
    /// The disagreeing relations; the larger share is used.
    pub relations: Vec<&'r Relation>,
}

/// Everything the rules say about who stands behind an entity.
#[derive(Clone, Debug)]
pub struct Control<'r> {
    /// The entity asked about.
    pub entity: &'r Entity,
    /// The rules applied.
    pub rules: ControlRules,
    /// Its controllers, nearest first.
    pub controllers: Vec<Controller<'r>>,
    /// Ties that do not give control, of the entity and of its
    /// controllers.
    pub holdings: Vec<Holding<'r>>,
    /// Disagreeing ownership links met on the way.
    pub conflicts: Vec<Conflict<'r>>,
    /// Cycles met on the way, each as the entities around it.
    pub cycles: Vec<Vec<&'r Entity>>,
}

impl<'r> Control<'r> {
    /// The controllers no one controls.
    pub fn ultimate(&self) -> impl Iterator<Item = &Controller<'r>> {
        self.controllers.iter().filter(|c| c.ultimate)
    }

    /// The first state organ among the controllers, if the entity is
    /// state-controlled.
    pub fn state(&self) -> Option<&'r Entity> {
        self.controllers
            .iter()
            .map(|c| c.entity)
            .find(|e| e.state.is_some())
    }
}

type Found<'r> = Vec<(usize, Vec<Step<'r>>)>;

struct Walk<'r> {
    reg: &'r Registry,
    rules: ControlRules,
    memo: HashMap<usize, Found<'r>>,
    /// The ties of each entity met, computed once (which also records each
    /// conflict once).
    ties: HashMap<usize, Vec<Hop<'r>>>,
    stack: Vec<usize>,
    cycles: Vec<Vec<usize>>,
    conflicts: Vec<Conflict<'r>>,
}

impl Registry {
    /// Who controls `id` under `rules`, with the path and sources of every
    /// link; `None` if there is no such entity. See the module
    /// documentation of `control` for the rules.
    pub fn control(&self, id: &str, rules: ControlRules) -> Option<Control<'_>> {
        let start = self.index_of(id)?;
        let mut walk = Walk {
            reg: self,
            rules,
            memo: HashMap::new(),
            ties: HashMap::new(),
            stack: Vec::new(),
            cycles: Vec::new(),
            conflicts: Vec::new(),
        };
        let found = walk.controllers(start);
        let mut controllers: Vec<Controller<'_>> = Vec::with_capacity(found.len());
        for (at, path) in found {
            let ultimate = walk.controllers(at).is_empty();
            controllers.push(Controller {
                entity: &self.entities[at],
                path,
                ultimate,
            });
        }
        controllers.sort_by(|a, b| {
            a.path
                .len()
                .cmp(&b.path.len())
                .then_with(|| a.entity.id.cmp(&b.entity.id))
        });
        let mut group = vec![start];
        group.extend(
            controllers
                .iter()
                .filter_map(|c| self.index_of(c.entity.id.as_str())),
        );
        let mut holdings = Vec::new();
        for &at in &group {
            for hop in walk.ties(at) {
                if hop.tie.is_control() {
                    continue;
                }
                let held_by = self.index_of(hop.to.id.as_str());
                let state = if hop.to.state.is_some() {
                    Some(hop.to)
                } else {
                    held_by.and_then(|h| {
                        walk.controllers(h)
                            .into_iter()
                            .map(|(c, _)| &self.entities[c])
                            .find(|e| e.state.is_some())
                    })
                };
                holdings.push(Holding { hop, state });
            }
        }
        let mut cycles: Vec<Vec<&Entity>> = Vec::new();
        for c in &walk.cycles {
            let c: Vec<&Entity> = c.iter().map(|&i| &self.entities[i]).collect();
            if !cycles.contains(&c) {
                cycles.push(c);
            }
        }
        let conflicts = std::mem::take(&mut walk.conflicts);
        Some(Control {
            entity: &self.entities[start],
            rules,
            controllers,
            holdings,
            conflicts,
            cycles,
        })
    }
}

impl<'r> Walk<'r> {
    fn tie(&self, r: &Relation) -> Tie {
        match r.kind {
            RelationKind::SubsidiaryOf => Tie::Subsidiary,
            RelationKind::BrandOf => Tie::Brand,
            RelationKind::FormerNameOf => Tie::FormerIdentity,
            RelationKind::OemOf => Tie::Maker,
            RelationKind::AffiliatedWith => Tie::Affiliation,
            RelationKind::OwnedBy => match (r.control, r.share) {
                (Some(true), _) => Tie::StatedControl,
                (_, None) => Tie::UnknownShare,
                (Some(false), Some(s)) if s.percent >= self.rules.influence_from => Tie::Influence,
                (None, Some(s)) if s.percent > self.rules.control_above => Tie::Majority,
                (_, Some(s)) if s.percent >= self.rules.influence_from => Tie::Influence,
                (_, Some(_)) => Tie::Minority,
            },
        }
    }

    /// The current links up from `at`, one per upper party (the strongest
    /// when several link the same pair; disagreeing shares are recorded as
    /// a conflict), followed by makers and affiliations.
    fn ties(&mut self, at: usize) -> Vec<Hop<'r>> {
        if let Some(hops) = self.ties.get(&at) {
            return hops.clone();
        }
        let hops = self.compute_ties(at);
        self.ties.insert(at, hops.clone());
        hops
    }

    fn compute_ties(&mut self, at: usize) -> Vec<Hop<'r>> {
        let reg = self.reg;
        let from = &reg.entities[at];
        let mut hops: Vec<Hop<'r>> = Vec::new();
        for &ri in &reg.outgoing[at] {
            let r = &reg.relations[ri];
            if !r.is_current() || r.kind == RelationKind::OemOf {
                continue;
            }
            let to = &reg.entities[reg.entity_index[r.object.as_str()]];
            let tie = self.tie(r);
            if let Some(same) = hops
                .iter_mut()
                .find(|h| h.to.id == to.id && h.tie != Tie::Affiliation && tie != Tie::Affiliation)
            {
                let (a, b) = (same.relation.share, r.share);
                if let (Some(a), Some(b)) = (a, b)
                    && a.percent != b.percent
                {
                    self.conflicts.push(Conflict {
                        held: from,
                        holder: to,
                        relations: vec![same.relation, r],
                    });
                }
                let larger = b.map(|s| s.percent) > a.map(|s| s.percent);
                if tie.rank() < same.tie.rank() || (tie.rank() == same.tie.rank() && larger) {
                    same.relation = r;
                    same.tie = tie;
                }
                continue;
            }
            hops.push(Hop {
                relation: r,
                tie,
                from,
                to,
            });
        }
        for &ri in &reg.incoming[at] {
            let r = &reg.relations[ri];
            if r.is_current() && r.kind == RelationKind::OemOf {
                hops.push(Hop {
                    relation: r,
                    tie: Tie::Maker,
                    from,
                    to: &reg.entities[reg.entity_index[r.subject.as_str()]],
                });
            }
        }
        hops
    }

    /// Every party that controls `at`, each with one path (the shortest
    /// found first).
    fn controllers(&mut self, at: usize) -> Found<'r> {
        if let Some(found) = self.memo.get(&at) {
            return found.clone();
        }
        if let Some(pos) = self.stack.iter().position(|&s| s == at) {
            let mut cycle = self.stack[pos..].to_vec();
            cycle.push(at);
            self.cycles.push(cycle);
            return Vec::new();
        }
        self.stack.push(at);
        let reg = self.reg;
        let hops = self.ties(at);
        let mut out: Found<'r> = Vec::new();
        let add = |out: &mut Found<'r>, who: usize, path: Vec<Step<'r>>| {
            if who != at && !out.iter().any(|(w, _)| *w == who) {
                out.push((who, path));
            }
        };
        // Links that give control, and whoever controls the party above.
        let mut above: Vec<(usize, Found<'r>)> = Vec::new();
        for hop in hops.iter().filter(|h| h.tie.is_control()) {
            let up = reg.entity_index[hop.to.id.as_str()];
            let theirs = self.controllers(up);
            add(&mut out, up, vec![Step::Link(hop.clone())]);
            above.push((up, theirs));
        }
        for (hop, (_, theirs)) in hops.iter().filter(|h| h.tie.is_control()).zip(&above) {
            for (who, path) in theirs {
                let mut p = vec![Step::Link(hop.clone())];
                p.extend(path.iter().cloned());
                add(&mut out, *who, p);
            }
        }
        // Stakes that add up: each party with a stake, and each party that
        // controls a holder, collects the stakes it holds or controls.
        let stakes: Vec<(&Hop<'r>, usize, Found<'r>)> = hops
            .iter()
            .filter(|h| {
                h.relation.kind == RelationKind::OwnedBy
                    && h.relation.share.is_some()
                    && !h.relation.indirect
                    && h.relation.control != Some(false)
            })
            .map(|h| {
                let holder = reg.entity_index[h.to.id.as_str()];
                (h, holder, Vec::new())
            })
            .collect();
        if stakes.len() > 1 {
            let stakes: Vec<(&Hop<'r>, usize, Found<'r>)> = stakes
                .into_iter()
                .map(|(h, holder, _)| (h, holder, self.controllers(holder)))
                .collect();
            let mut parties: Vec<usize> = Vec::new();
            for (_, holder, theirs) in &stakes {
                for p in std::iter::once(*holder).chain(theirs.iter().map(|(w, _)| *w)) {
                    if !parties.contains(&p) {
                        parties.push(p);
                    }
                }
            }
            for party in parties {
                if party == at || out.iter().any(|(w, _)| *w == party) {
                    continue;
                }
                let held: Vec<&Hop<'r>> = stakes
                    .iter()
                    .filter(|(_, holder, theirs)| {
                        *holder == party || theirs.iter().any(|(w, _)| *w == party)
                    })
                    .map(|(h, _, _)| *h)
                    .collect();
                let total: f64 = held
                    .iter()
                    .filter_map(|h| h.relation.share.map(|s| s.percent))
                    .sum();
                if held.len() < 2 || total <= self.rules.control_above {
                    continue;
                }
                let step = Step::Sum {
                    of: &reg.entities[at],
                    by: &reg.entities[party],
                    total,
                    stakes: held.iter().map(|h| h.relation).collect(),
                };
                let theirs = self.controllers(party);
                add(&mut out, party, vec![step.clone()]);
                for (who, path) in theirs {
                    let mut p = vec![step.clone()];
                    p.extend(path);
                    add(&mut out, who, p);
                }
            }
        }
        self.stack.pop();
        self.memo.insert(at, out.clone());
        out
    }
}
