//! Localisable text and typed values.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Text shown in the report: a locale key, verbatim text, or a locale template with
/// arguments. Verbatim text is never trusted: renderers escape it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Text {
    /// A key of the locale files (`section.hourly`); a missing key shows as itself.
    Label {
        /// Dotted locale key.
        key: String,
    },
    /// Text shown as is (escaped).
    Plain {
        /// The text.
        text: String,
    },
    /// A locale template whose `{name}` placeholders take the formatted `args`.
    Template {
        /// Dotted locale key of the template.
        key: String,
        /// Placeholder values.
        args: BTreeMap<String, Value>,
    },
}

impl Text {
    /// A locale key.
    pub fn label(key: impl Into<String>) -> Text {
        Text::Label { key: key.into() }
    }

    /// Verbatim (untrusted) text.
    pub fn plain(text: impl Into<String>) -> Text {
        Text::Plain { text: text.into() }
    }

    /// A locale template with arguments.
    pub fn template<K: Into<String>>(
        key: &str,
        args: impl IntoIterator<Item = (K, Value)>,
    ) -> Text {
        Text::Template {
            key: key.to_owned(),
            args: args.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        }
    }
}

/// A typed value, formatted by the renderer for the report's language and time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    /// Untrusted text from a log or feed (escaped).
    Text(String),
    /// Untrusted literal shown in monospace: a path, an address, a host (escaped).
    Code(String),
    /// A locale key (a category label, a service name).
    Label(String),
    /// A count (thousands separators per locale).
    Count(u64),
    /// A number, shown with up to two decimals.
    Number(f64),
    /// A percentage in percent units (12.5 shows as 12.5%).
    Percent(f64),
    /// A UTC instant in microseconds since the epoch, shown in the report's time zone.
    Time(i64),
    /// A calendar date in the report's time zone.
    Date(NaiveDate),
    /// No observation: shown as "—", never as 0.
    Missing,
}
