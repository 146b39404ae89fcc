//! Generic blocks for sections that need no layout of their own.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Text, Value};

/// A table. Cells are typed [`Value`]s so numbers and dates follow the locale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Caption above the table.
    pub title: Option<Text>,
    /// Column headings.
    pub columns: Vec<Column>,
    /// Rows; a row shorter than `columns` is padded with [`Value::Missing`].
    pub rows: Vec<Vec<Value>>,
    /// Small print under the table (method, data licence).
    pub footnote: Option<Text>,
    /// SQL behind the table.
    pub queries: Vec<String>,
}

/// A table column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Heading.
    pub header: Text,
    /// Alignment of the cells.
    pub align: Align,
}

impl Column {
    /// A column whose heading is the locale key `key`.
    pub fn new(key: &str, align: Align) -> Column {
        Column {
            header: Text::label(key),
            align,
        }
    }
}

/// Cell alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
    /// Short markers.
    Center,
}

/// A chart with a caption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartFigure {
    /// Caption.
    pub title: Option<Text>,
    /// What to draw.
    pub chart: ChartData,
    /// SQL behind the chart.
    pub queries: Vec<String>,
}

/// The data of a chart; Markdown shows it as a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChartData {
    /// Stacked bars per day (e.g. inbound traffic per service).
    DailyStacked {
        /// The days, oldest first.
        days: Vec<NaiveDate>,
        /// One series per stack layer; `values[i]` belongs to `days[i]`.
        series: Vec<ChartSeries>,
        /// Y-axis label.
        y_label: Text,
    },
    /// Grouped vertical bars (e.g. incidents by type and year).
    Bars {
        /// One group per label along the x axis.
        labels: Vec<Text>,
        /// One bar per series in each group; `values[i]` belongs to `labels[i]`.
        series: Vec<ChartSeries>,
        /// Y-axis label.
        y_label: Text,
    },
    /// Shares of a whole (e.g. victim countries).
    Pie {
        /// Slices, largest first.
        slices: Vec<Slice>,
    },
}

/// One series of a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartSeries {
    /// Stable id (for CSS and tests), e.g. `telnet`.
    pub id: String,
    /// Legend label.
    pub label: Text,
    /// Values; `None` draws nothing (no observation), unlike 0.
    pub values: Vec<Option<f64>>,
}

/// One slice of a pie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slice {
    /// Legend label.
    pub label: Text,
    /// Size (any unit; shares are computed).
    pub value: f64,
}

/// Text that is not a figure: method notes, advice, warnings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// How the note is set off.
    pub tone: Tone,
    /// Optional heading.
    pub title: Option<Text>,
    /// Paragraphs.
    pub paragraphs: Vec<Text>,
}

/// How a [`Note`] is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// Plain explanation.
    Info,
    /// Something to do.
    Advice,
    /// Something urgent.
    Warning,
}
