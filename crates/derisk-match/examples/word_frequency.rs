//! Folds a word-frequency dump into `data/lexicon/word-frequency.txt`.
//!
//! Reads lines `language<TAB>word<TAB>zipf` (what `scripts/word-frequency`
//! exports from the wordfreq lists) and writes, sorted, every word that folds
//! to one token of three or more ASCII letters, with its highest Zipf
//! frequency times ten: the list `derisk-match` reads to tell ordinary words
//! from coined names. Folding is the matcher's own, so the list meets names
//! exactly as they are normalised.
//!
//!     cargo run --release -p derisk-match --example word_frequency -- dump.tsv > out.txt

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};

fn main() -> std::io::Result<()> {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: word_frequency DUMP.tsv > word-frequency.txt");
        std::process::exit(2);
    };
    let mut best: BTreeMap<String, u8> = BTreeMap::new();
    let mut langs: BTreeMap<String, usize> = BTreeMap::new();
    for (n, line) in BufReader::new(std::fs::File::open(&path)?)
        .lines()
        .enumerate()
    {
        let line = line?;
        let mut parts = line.split('\t');
        let (Some(lang), Some(word), Some(zipf)) = (parts.next(), parts.next(), parts.next())
        else {
            eprintln!(
                "{path}:{}: expected language, word and Zipf frequency",
                n + 1
            );
            std::process::exit(2);
        };
        let Ok(zipf) = zipf.parse::<f64>() else {
            eprintln!("{path}:{}: {zipf:?} is not a number", n + 1);
            std::process::exit(2);
        };
        let folded = derisk_match::normalize::fold_words(word);
        let [one] = folded.as_slice() else { continue };
        if one.len() < 3 || !one.bytes().all(|b| b.is_ascii_lowercase()) {
            continue;
        }
        *langs.entry(lang.to_string()).or_default() += 1;
        let z = (zipf * 10.0).round().clamp(0.0, 255.0) as u8;
        let e = best.entry(one.clone()).or_insert(0);
        *e = (*e).max(z);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(
        out,
        "# Ordinary words: every word of the wordfreq 3.1 'best' lists (https://github.com/rspeer/wordfreq,"
    )?;
    writeln!(
        out,
        "# Robyn Speer, 2022) at a Zipf frequency of 3.5 or more (about once in 300,000 words) in one of"
    )?;
    writeln!(
        out,
        "# {} languages ({}), folded as derisk-match folds names,",
        langs.len(),
        langs.keys().cloned().collect::<Vec<_>>().join(" ")
    )?;
    writeln!(
        out,
        "# with the highest frequency times ten. Data licence: CC BY-SA 4.0, as the wordfreq data it is derived from."
    )?;
    writeln!(out, "# Regenerate with scripts/word-frequency.")?;
    for (w, z) in &best {
        writeln!(out, "{w}\t{z}")?;
    }
    eprintln!("{} words", best.len());
    Ok(())
}
