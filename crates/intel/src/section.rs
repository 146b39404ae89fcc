//! The report's intel section: how many of the period's attacks came from sources that
//! lists imported with `kansoku intel import` already named at the time, and per list.
//! Built from the generic blocks of the report model, so no renderer changes.

use kansoku_report::model::{Align, Block, Column, Note, Section, Table, Text, Tone, Value};

use crate::matches::KnownAttacks;

/// The section, or `None` when no indicator was ever imported (`lists` = 0).
pub fn intel_section(k: &KnownAttacks, lists: usize) -> Option<Section> {
    if lists == 0 {
        return None;
    }
    let share = if k.attacks == 0 {
        0.0
    } else {
        100.0 * k.known as f64 / k.attacks as f64
    };
    let note = Note {
        tone: Tone::Info,
        title: None,
        paragraphs: vec![
            Text::template(
                "intel.known",
                [
                    ("known", Value::Count(k.known)),
                    ("attacks", Value::Count(k.attacks)),
                    ("share", Value::Percent(share)),
                    ("known_sources", Value::Count(k.known_sources)),
                    ("sources", Value::Count(k.sources)),
                    ("lists", Value::Count(lists as u64)),
                ],
            ),
            Text::label("intel.method"),
        ],
    };
    let mut blocks = vec![Block::Note(note)];
    if !k.by_list.is_empty() {
        blocks.push(Block::Table(Table {
            title: None,
            columns: vec![
                Column::new("intel.list", Align::Left),
                Column::new("intel.attacks", Align::Right),
                Column::new("intel.sources", Align::Right),
            ],
            rows: k
                .by_list
                .iter()
                .map(|(l, a, s)| vec![Value::Text(l.clone()), Value::Count(*a), Value::Count(*s)])
                .collect(),
            footnote: None,
            queries: Vec::new(),
        }));
    }
    Some(Section::new(
        "intel-known-sources",
        "chapter.intel",
        Text::label("section.intel_known"),
        blocks,
    ))
}
