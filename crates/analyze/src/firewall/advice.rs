//! The exposure advice: one box per kind of advice (databases, UDP reflectors, …), each
//! listing the services of that kind seen in the period with their counts and trend.
//!
//! Services share a text when they share a reason not to face the internet
//! (`kansoku_enrich::service`'s advice key), so ten exposed services read as a few boxes
//! rather than ten near-identical ones.

use kansoku_report::model::{Block, Note, Section, Text, Tone, Value};

use super::{CHAPTER, Traffic};

/// The services of one kind of advice, in the order they are listed.
struct Group<'a> {
    advice: &'static str,
    services: Vec<&'a Traffic>,
}

impl Group<'_> {
    fn reachable(&self) -> bool {
        self.services.iter().any(|t| t.allowed > 0)
    }

    fn rising(&self) -> bool {
        self.services.iter().any(|t| rising(t))
    }

    fn total(&self) -> u64 {
        self.services.iter().map(|t| t.total).sum()
    }
}

fn rising(t: &Traffic) -> bool {
    t.trend.is_some_and(|f| f.rising)
}

/// Services that should never face the internet, grouped by advice; `services` come
/// sorted by traffic, most first.
fn groups(services: &[Traffic]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group> = Vec::new();
    for t in services {
        let Some(advice) = t.known.filter(|s| s.never_exposed).and_then(|s| s.advice) else {
            continue;
        };
        match groups.iter_mut().find(|g| g.advice == advice) {
            Some(g) => g.services.push(t),
            None => groups.push(Group {
                advice,
                services: vec![t],
            }),
        }
    }
    // What the reader must act on leads: a service the firewall let through, then one
    // whose traffic rises, then the most traffic. Within a box, rising services first
    // (the sort is stable, so traffic order holds among equals).
    for g in &mut groups {
        g.services.sort_by_key(|t| !rising(t));
    }
    groups.sort_by(|a, b| {
        (b.reachable(), b.rising(), b.total()).cmp(&(a.reachable(), a.rising(), a.total()))
    });
    groups
}

fn trend(t: &Traffic) -> Value {
    Value::Label(
        match t.trend {
            Some(f) if f.rising => "firewall.advice_rising",
            Some(_) => "firewall.advice_flat",
            None => "firewall.advice_untested",
        }
        .into(),
    )
}

pub(super) fn advice_section(services: &[Traffic]) -> Section {
    let mut blocks: Vec<Block> = groups(services)
        .into_iter()
        .map(|g| {
            let mut paragraphs: Vec<Text> = g
                .services
                .iter()
                .map(|t| {
                    Text::template(
                        "firewall.advice_service",
                        [
                            ("service", Value::Code(t.label())),
                            ("connections", Value::Count(t.total)),
                            ("allowed", Value::Count(t.allowed)),
                            ("trend", trend(t)),
                        ],
                    )
                })
                .collect();
            paragraphs.push(Text::label(format!("advice.{}.why", g.advice)));
            paragraphs.push(Text::label(format!("advice.{}.todo", g.advice)));
            if g.reachable() {
                paragraphs.push(Text::label("firewall.reachable"));
            }
            Block::Note(Note {
                tone: if g.reachable() {
                    Tone::Warning
                } else {
                    Tone::Advice
                },
                title: Some(Text::label(format!("advice.{}.title", g.advice))),
                paragraphs,
            })
        })
        .collect();
    if blocks.is_empty() {
        blocks.push(Block::Note(Note {
            tone: Tone::Info,
            title: None,
            paragraphs: vec![Text::label("firewall.none_exposed")],
        }));
    }
    Section::new(
        "exposure-advice",
        CHAPTER,
        Text::label("section.exposure_advice"),
        blocks,
    )
}
