//! Screening against the registry: names and identifiers to entities, and
//! entities to the parties and designations behind them.

use std::collections::HashMap;

use derisk_core::{
    CountryCode, Decision, DesignationRef, Entity, EntityKind, Identifier, Name, NameKind,
    PathStep, RelationKind, ScorePart, Share, Verification,
};
use derisk_registry::{ControlRules, Registry, Step, Tie};

use crate::matcher::{Matcher, NameInput, PairKind, PreparedQuery, ScoreConfig, Scored, Scratch};
use crate::normalize::{Class, Normalized};

/// One record to screen.
#[derive(Clone, Copy, Debug, Default)]
pub struct Query<'q> {
    /// The organisation name as written.
    pub name: &'q str,
    /// Its country, if the input gives one.
    pub country: Option<CountryCode>,
    /// A registration number, LEI, VAT number, stock code or domain, if the
    /// input gives one.
    pub identifier: Option<&'q str>,
}

/// A registry entity that a query resembles.
#[derive(Clone, Debug)]
pub struct Hit<'r> {
    /// The entity.
    pub entity: &'r Entity,
    /// The registry name that matched best (the caption for an identifier
    /// match).
    pub name: &'r Name,
    /// Confidence in [0, 1].
    pub score: f64,
    /// `match` or `review`.
    pub decision: Decision,
    /// The parts the score was built from.
    pub parts: Vec<ScorePart>,
    /// The parts in one sentence.
    pub explanation: String,
    /// The identifier that is equal on both sides, if any.
    pub identifier: Option<&'r Identifier>,
    /// The control path from the entity up to its ultimate controller, or
    /// through the maker of its products (empty if no one controls or makes
    /// it in the registry).
    pub path: Vec<PathStep>,
    /// Designations in force on the entity, its controllers and its makers,
    /// nearest first.
    pub designations: Vec<DesignationRef>,
    /// Stakes that do not give control (below the control line, or of
    /// unknown size) held in the entity or its controllers by a designated
    /// party or a state organ, or by one they control, and not already on
    /// the control path: part of the answer, though not control.
    pub ties: Vec<TieRef>,
}

/// A tie that does not give control, as a hit shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct TieRef {
    /// The party held (the hit's entity or one of its controllers).
    pub held: derisk_core::EntityId,
    /// The holder.
    pub holder: derisk_core::EntityId,
    /// How it counts: `influence`, `minority` or `unknown-share`.
    pub tie: &'static str,
    /// The relation.
    pub via: RelationKind,
    /// The share, when known.
    pub share: Option<Share>,
    /// Since when, when known.
    pub start: Option<derisk_core::PartialDate>,
    /// The state organ behind the holder, if any.
    pub state: Option<derisk_core::EntityId>,
    /// The sources of the relation.
    pub sources: Vec<derisk_core::SourceId>,
}

impl TieRef {
    /// The tie in words: "not control: COSCO Shipping Ports Limited holds
    /// 35% of Euromax Terminal Rotterdam (influence), since …; state-owned
    /// through SASAC; sources: …".
    pub fn sentence(&self, registry: &Registry) -> String {
        let name = |id: &str| {
            registry
                .entity(id)
                .map_or(id, |e| e.caption.as_str())
                .to_owned()
        };
        let share = self.share.map_or_else(
            || "a stake of unknown size in".to_owned(),
            |s| format!("{s} of"),
        );
        let mut out = format!(
            "not control: {} holds {share} {} ({})",
            name(self.holder.as_str()),
            name(self.held.as_str()),
            self.tie
        );
        if let Some(start) = self.start {
            out.push_str(&format!(", since {start}"));
        }
        if let Some(state) = &self.state {
            out.push_str(&format!("; state-owned through {}", name(state.as_str())));
        }
        let sources: Vec<&str> = self.sources.iter().map(|s| s.as_str()).collect();
        out.push_str(&format!("; sources: {}", sources.join(", ")));
        out
    }
}

/// The result of screening one record.
#[derive(Clone, Debug)]
pub struct Screened<'r> {
    /// The query name as normalised.
    pub normalized: Normalized,
    /// Matches, best first.
    pub matches: Vec<Hit<'r>>,
}

/// The registry's names indexed for screening. Build once, screen many.
#[derive(Debug)]
pub struct Screener<'r> {
    registry: &'r Registry,
    matcher: Matcher,
    owners: Vec<&'r Entity>,
    names: Vec<&'r Name>,
    identifiers: HashMap<String, Vec<(u32, &'r Identifier)>>,
    control: Vec<Control>,
    config: ScoreConfig,
}

#[derive(Clone, Debug, Default)]
struct Control {
    path: Vec<PathStep>,
    designations: Vec<DesignationRef>,
    ties: Vec<TieRef>,
}

/// Folds an identifier for comparison: upper case, letters and digits only
/// (`NL 8123.45.678.B01` → `NL812345678B01`); domains lose `www.`.
pub fn fold_identifier(value: &str) -> String {
    let v = value.trim();
    let v = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
        .unwrap_or(v);
    let v = v.strip_prefix("www.").unwrap_or(v);
    v.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

impl<'r> Screener<'r> {
    /// Indexes every name of every entity except the authorities that keep
    /// lists; control paths follow the default [`ControlRules`].
    pub fn new(registry: &'r Registry, config: ScoreConfig) -> Screener<'r> {
        Screener::with_rules(registry, config, ControlRules::default())
    }

    /// As [`Screener::new`], with the control rules given.
    pub fn with_rules(
        registry: &'r Registry,
        config: ScoreConfig,
        rules: ControlRules,
    ) -> Screener<'r> {
        Screener::assemble(registry, config, rules, |inputs| Ok(Matcher::build(inputs)))
            .expect("a freshly built index fits its names")
    }

    /// As [`Screener::with_rules`], with a name index built before (read
    /// from a snapshot with [`Matcher::from_bytes`]). Refused when it does
    /// not index exactly this registry's names, owner by owner.
    pub fn with_index(
        registry: &'r Registry,
        matcher: Matcher,
        config: ScoreConfig,
        rules: ControlRules,
    ) -> Result<Screener<'r>, String> {
        Screener::assemble(registry, config, rules, |inputs| {
            if matcher.len() != inputs.len() || !matcher.owners().eq(inputs.iter().map(|n| n.owner))
            {
                return Err(format!(
                    "the index holds {} names, the registry {}, or their owners differ",
                    matcher.len(),
                    inputs.len()
                ));
            }
            Ok(matcher)
        })
    }

    /// The names, identifiers and control paths of `registry`, with the
    /// index `index` makes from the names.
    fn assemble(
        registry: &'r Registry,
        config: ScoreConfig,
        rules: ControlRules,
        index: impl FnOnce(&[NameInput<'_>]) -> Result<Matcher, String>,
    ) -> Result<Screener<'r>, String> {
        let owners: Vec<&Entity> = registry
            .entities()
            .iter()
            .filter(|e| e.kind != EntityKind::Authority)
            .collect();
        let mut names = Vec::new();
        let mut inputs = Vec::new();
        let mut identifiers: HashMap<String, Vec<(u32, &Identifier)>> = HashMap::new();
        for (i, e) in owners.iter().enumerate() {
            for n in &e.names {
                names.push(n);
                inputs.push(NameInput {
                    owner: i as u32,
                    name: &n.value,
                    country: e.country,
                    short_form: n.kind == NameKind::Abbreviation
                        || (n.kind == NameKind::Alias && bare_short_form(&n.value)),
                });
            }
            for id in &e.identifiers {
                let key = fold_identifier(&id.value);
                if key.len() >= 4 {
                    identifiers.entry(key).or_default().push((i as u32, id));
                }
            }
        }
        let matcher = index(&inputs)?;
        let control = owners
            .iter()
            .map(|e| control_of(registry, e, rules))
            .collect();
        Ok(Screener {
            registry,
            matcher,
            owners,
            names,
            identifiers,
            control,
            config,
        })
    }

    /// The thresholds in use.
    pub fn config(&self) -> &ScoreConfig {
        &self.config
    }

    /// The registry screened against.
    pub fn registry(&self) -> &'r Registry {
        self.registry
    }

    /// The underlying name index.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// Screens one record. `limit` caps the number of matches (best first);
    /// `None` keeps all that reach the review threshold.
    pub fn screen(
        &self,
        q: &Query<'_>,
        limit: Option<usize>,
        scratch: &mut Scratch,
    ) -> Screened<'r> {
        let prepared = PreparedQuery::new(q.name, q.country);
        let scored = self
            .matcher
            .search(&prepared, self.config.review_threshold, scratch);
        let mut matches: Vec<Hit<'r>> = Vec::new();
        for s in &scored {
            let (parts, explanation) = explain(s, &prepared);
            matches.push(self.hit(
                s.owner,
                self.names[s.name as usize],
                s.score,
                parts,
                explanation,
                None,
            ));
        }
        if let Some(id) = q.identifier {
            let key = fold_identifier(id);
            for &(owner, ident) in self.identifiers.get(&key).into_iter().flatten() {
                let part = ScorePart {
                    feature: "identifier".to_string(),
                    value: 1.0,
                    detail: format!("{} {} equal on both sides", ident.scheme, ident.value),
                };
                match matches
                    .iter_mut()
                    .find(|h| std::ptr::eq(h.entity, self.owners[owner as usize]))
                {
                    Some(h) => {
                        h.score = 1.0;
                        h.decision = Decision::Match;
                        h.explanation = format!("{}; {}", part.detail, h.explanation);
                        h.parts.insert(0, part);
                        h.identifier = Some(ident);
                    }
                    None => {
                        let caption = &self.owners[owner as usize].names[0];
                        let explanation = part.detail.clone();
                        matches.push(self.hit(
                            owner,
                            caption,
                            1.0,
                            vec![part],
                            explanation,
                            Some(ident),
                        ));
                    }
                }
            }
            matches.sort_by(|a, b| b.score.total_cmp(&a.score));
        }
        if let Some(limit) = limit {
            matches.truncate(limit);
        }
        Screened {
            normalized: prepared.normalized,
            matches,
        }
    }

    fn hit(
        &self,
        owner: u32,
        name: &'r Name,
        score: f64,
        parts: Vec<ScorePart>,
        explanation: String,
        identifier: Option<&'r Identifier>,
    ) -> Hit<'r> {
        let control = &self.control[owner as usize];
        Hit {
            entity: self.owners[owner as usize],
            name,
            score,
            decision: if score >= self.config.match_threshold {
                Decision::Match
            } else {
                Decision::Review
            },
            parts,
            explanation,
            identifier,
            path: control.path.clone(),
            designations: control.designations.clone(),
            ties: control.ties.clone(),
        }
    }
}

/// The path from `entity` up to its ultimate controller (or through the
/// maker of its products) and the designations in force along it, under
/// `rules`: what a screening hit on `entity` shows, for callers that link
/// to an entity by other means (a device's maker).
pub fn behind(
    registry: &Registry,
    entity: &Entity,
    rules: ControlRules,
) -> (Vec<PathStep>, Vec<DesignationRef>) {
    let c = control_of(registry, entity, rules);
    (c.path, c.designations)
}

/// The path from `e` up to its ultimate controller under `rules` (the
/// longest path, which reaches the top; a state organ preferred), or to
/// the maker of its products and on to the maker's controller when no one
/// controls it; and the designations in force on the entity, on every
/// controller, and on its makers and theirs. Stakes that do not give
/// control are not followed: a minority state shareholder's designations
/// are not the entity's.
fn control_of(registry: &Registry, e: &Entity, rules: ControlRules) -> Control {
    let Some(c) = registry.control(e.id.as_str(), rules) else {
        return Control::default();
    };
    let mut designations: Vec<DesignationRef> = Vec::new();
    let add = |id: &str, out: &mut Vec<DesignationRef>| {
        for d in registry.designations_of(id).filter(|d| rules.in_force(d)) {
            if !out.iter().any(|o| o.entity == d.entity && o.list == d.list) {
                out.push(DesignationRef {
                    entity: d.entity.clone(),
                    list: d.list.clone(),
                    start: d.start,
                    sources: d.sources.clone(),
                    verification: d.verification.clone(),
                });
            }
        }
    };
    add(e.id.as_str(), &mut designations);
    for k in &c.controllers {
        add(k.entity.id.as_str(), &mut designations);
    }
    let top = |c: &derisk_registry::Control<'_>| {
        c.controllers
            .iter()
            .filter(|k| k.ultimate)
            .max_by_key(|k| (k.entity.state.is_some(), k.path.len()))
            .map(|k| k.path.iter().map(step_of).collect::<Vec<PathStep>>())
    };
    let mut path = top(&c).unwrap_or_default();
    for h in c.holdings.iter().filter(|h| h.hop.tie == Tie::Maker) {
        add(h.hop.to.id.as_str(), &mut designations);
        let Some(made) = registry.control(h.hop.to.id.as_str(), rules) else {
            continue;
        };
        for k in &made.controllers {
            add(k.entity.id.as_str(), &mut designations);
        }
        if path.is_empty() {
            path.push(PathStep {
                entity: h.hop.to.id.clone(),
                via: h.hop.relation.kind,
                basis: Tie::Maker.as_str(),
                share: None,
                sources: h.hop.relation.sources.clone(),
                verification: h.hop.relation.verification.clone(),
            });
            path.extend(top(&made).unwrap_or_default());
        }
    }
    // Stakes and affiliations that are not control, held by a designated
    // party or a state organ.
    // A holder already on the control path says nothing more.
    let controlling: Vec<&str> = c
        .controllers
        .iter()
        .map(|k| k.entity.id.as_str())
        .chain(path.iter().map(|p| p.entity.as_str()))
        .collect();
    let mut ties: Vec<TieRef> = Vec::new();
    for t in c
        .holdings
        .iter()
        .filter(|h| {
            matches!(
                h.hop.tie,
                Tie::Influence | Tie::Minority | Tie::UnknownShare
            )
        })
        .filter(|h| !controlling.contains(&h.hop.to.id.as_str()))
        .filter(|h| {
            h.state.is_some()
                || h.hop.to.state.is_some()
                || registry
                    .designations_of(h.hop.to.id.as_str())
                    .any(|d| rules.in_force(d))
                || registry
                    .control(h.hop.to.id.as_str(), rules)
                    .is_some_and(|k| {
                        k.controllers.iter().any(|x| {
                            x.entity.state.is_some()
                                || registry
                                    .designations_of(x.entity.id.as_str())
                                    .any(|d| rules.in_force(d))
                        })
                    })
        })
        .map(|h| TieRef {
            held: h.hop.from.id.clone(),
            holder: h.hop.to.id.clone(),
            tie: h.hop.tie.as_str(),
            via: h.hop.relation.kind,
            share: h.hop.relation.share,
            start: h.hop.relation.start,
            state: h.state.map(|s| s.id.clone()),
            sources: h.hop.relation.sources.clone(),
        })
    {
        if !ties
            .iter()
            .any(|x| x.held == t.held && x.holder == t.holder)
        {
            ties.push(t);
        }
    }
    Control {
        path,
        designations,
        ties,
    }
}

/// A step of a control path as findings carry it.
fn step_of(s: &Step<'_>) -> PathStep {
    match s {
        Step::Link(h) => PathStep {
            entity: h.to.id.clone(),
            via: h.relation.kind,
            basis: h.tie.as_str(),
            share: h.relation.share,
            sources: h.relation.sources.clone(),
            verification: h.relation.verification.clone(),
        },
        Step::Sum {
            by, total, stakes, ..
        } => {
            let sources = Step::sources(std::slice::from_ref(s));
            let unverified: Vec<&str> = stakes
                .iter()
                .filter_map(|r| match &r.verification {
                    Verification::Unverified(reason) => Some(reason.as_str()),
                    Verification::Verified => None,
                })
                .collect();
            PathStep {
                entity: by.id.clone(),
                via: RelationKind::OwnedBy,
                basis: "sum",
                share: Some(Share {
                    percent: *total,
                    approximate: stakes
                        .iter()
                        .any(|r| r.share.is_some_and(|s| s.approximate)),
                }),
                sources,
                verification: if unverified.is_empty() {
                    Verification::Verified
                } else {
                    Verification::Unverified(unverified.join("; "))
                },
            }
        }
    }
}

/// A score rounded to three decimals, as outputs show it.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The score parts of a scored candidate, and one sentence saying the same.
pub fn explain(s: &Scored, q: &PreparedQuery) -> (Vec<ScorePart>, String) {
    let mut detail = String::new();
    name_detail(s, &mut detail);
    let mut parts = Vec::with_capacity(1 + s.adjustments.len());
    parts.push(ScorePart {
        feature: "name".to_string(),
        value: round3(s.name_similarity),
        detail,
    });
    for a in &s.adjustments {
        parts.push(ScorePart {
            feature: a.feature.to_string(),
            value: round3(a.value),
            detail: a.detail.clone(),
        });
    }
    let mut sentence = String::new();
    write_sentence(s, q, &parts[0].detail, &mut sentence);
    (parts, sentence)
}

/// The sentence of [`explain`] alone, for callers that show no parts
/// (`derisk compare`): the same text, without building the parts.
pub fn explain_sentence(s: &Scored, q: &PreparedQuery) -> String {
    let mut detail = String::new();
    name_detail(s, &mut detail);
    let mut sentence = String::with_capacity(detail.len() + 64);
    write_sentence(s, q, &detail, &mut sentence);
    sentence
}

/// The name part's detail: the word pairs, then the words left over.
fn name_detail(s: &Scored, out: &mut String) {
    use std::fmt::Write;
    for (i, p) in s.pairs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let (q, r) = (&p.query, &p.registry);
        let _ = match p.kind {
            PairKind::Equal => write!(out, "\"{q}\" = \"{r}\""),
            PairKind::Joined => write!(out, "\"{q}\" = \"{r}\" written together"),
            PairKind::Pinyin => write!(out, "\"{q}\" = \"{r}\" by pinyin"),
            PairKind::Gloss => write!(out, "\"{q}\" = \"{r}\" in translation"),
            PairKind::Sounds => write!(out, "\"{q}\" ~ \"{r}\" (another romanisation)"),
            PairKind::Initials => write!(out, "\"{q}\" ~ \"{r}\" (initials)"),
            PairKind::Abbreviated => write!(out, "\"{q}\" ~ \"{r}\" (abbreviated)"),
            PairKind::Edits(d) => write!(
                out,
                "\"{q}\" ~ \"{r}\" ({d} edit{})",
                if d == 1 { "" } else { "s" }
            ),
        };
        if p.class != Class::Distinctive {
            let _ = write!(out, ", {} word", p.class.as_str());
        }
    }
    let list = |items: &[crate::matcher::Leftover], out: &mut String| {
        for (i, l) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let t = &l.text;
            let _ = match l.class {
                _ if l.alias => write!(out, "\"{t}\" (the name's abbreviation, no cost)"),
                Class::Distinctive if l.ordinary => write!(out, "\"{t}\" (word)"),
                Class::Distinctive => write!(out, "\"{t}\""),
                c => write!(out, "\"{t}\" ({})", c.as_str()),
            };
        }
    };
    if !s.missing.is_empty() {
        out.push_str("; registry name also has ");
        list(&s.missing, out);
    }
    if !s.extra.is_empty() {
        out.push_str("; query also has ");
        list(&s.extra, out);
    }
}

/// The sentence of [`explain`], with the name part's `detail` already
/// written.
fn write_sentence(s: &Scored, q: &PreparedQuery, detail: &str, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "name {:.3}: {detail}", s.name_similarity);
    for a in &s.adjustments {
        let _ = write!(
            out,
            "; {} {:+.2} ({})",
            a.feature,
            round3(a.value),
            a.detail
        );
    }
    for (i, l) in q.normalized.legal_forms.iter().enumerate() {
        out.push_str(if i == 0 {
            "; set aside from the query: "
        } else {
            ", "
        });
        let _ = match l.how {
            Some(how) => write!(out, "legal form {} ({how}: \"{}\")", l.label, l.written),
            None => write!(out, "legal form {}", l.label),
        };
    }
    if q.normalized.truncated {
        let _ = write!(out, "; the query was {}", cut_note());
    }
}

/// What a name too long to read whole is told.
fn cut_note() -> String {
    format!(
        "cut: only its first {} characters and {} words are read",
        crate::fold::MAX_NAME_CHARS,
        crate::normalize::MAX_TOKENS
    )
}

/// Why a pair scored nothing, in one sentence that says what was compared:
/// a side with no words left once legal forms and punctuation are set
/// aside, or the words of both sides when none of them meets. `reference`
/// is the other name's tokens with their classes, `legal` its legal forms.
pub fn explain_none(q: &PreparedQuery, reference: &[(&str, Class)], legal: &[&str]) -> String {
    use std::fmt::Write;
    let describe = |tokens: &mut dyn Iterator<Item = (&str, Class)>,
                    legal: &mut dyn Iterator<Item = &str>,
                    truncated: bool,
                    who: &str,
                    out: &mut String| {
        let mut words = tokens.filter(|(_, c)| *c != Class::Stop).peekable();
        out.push_str(who);
        if words.peek().is_none() {
            out.push_str(" has no words to compare");
        } else {
            out.push_str(" has ");
            for (i, (t, _)) in words.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "\"{t}\"");
            }
        }
        let mut legal = legal.peekable();
        if legal.peek().is_some() {
            out.push_str(" (legal form ");
            for (i, l) in legal.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(l);
            }
            out.push_str(" set aside)");
        }
        if truncated {
            let _ = write!(out, " ({})", cut_note());
        }
    };
    let n = &q.normalized;
    let empty = !n.tokens.iter().any(|t| t.class != Class::Stop)
        || !reference.iter().any(|(_, c)| *c != Class::Stop);
    let mut out = String::with_capacity(128);
    out.push_str(if empty {
        "nothing compared: "
    } else {
        "no distinctive word in common: "
    });
    describe(
        &mut n.tokens.iter().map(|t| (t.text.as_str(), t.class)),
        &mut n.legal_forms.iter().map(|l| l.label),
        n.truncated,
        "the query",
        &mut out,
    );
    out.push_str("; ");
    describe(
        &mut reference.iter().copied(),
        &mut legal.iter().copied(),
        false,
        "the reference",
        &mut out,
    );
    out
}

/// An alias that is nothing but a short form ("DJI", "Z.T.E."): one word
/// of at most three letters or digits. Lists such as the US Consolidated
/// Screening List give these as aliases, not abbreviations.
fn bare_short_form(name: &str) -> bool {
    let mut words = name.split_whitespace();
    let one = words.next().is_some() && words.next().is_none();
    one && name.chars().filter(|c| c.is_alphanumeric()).count() <= 3
}
