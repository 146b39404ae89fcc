//! The `leak` table: one row per ransomware leak-site post.
//!
//! A post names a victim a group claims to have breached. Trackers (ransomwatch,
//! ransomware.live, RansomLook) or kansoku's own crawler observe it; the `leaks` crate
//! normalises the group name, merges reposts and works out the victim's country, recording
//! how ([`CountrySource`]) so a reader can weigh the figure.

use std::sync::{Arc, LazyLock};

use arrow_array::builder::{
    BooleanBuilder, StringBuilder, TimestampMicrosecondBuilder, UInt32Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde::{Deserialize, Serialize};

use crate::Micros;

/// Which timestamp of a post counts as its time in reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeBasis {
    /// The group's own publication date, as the feed reported it.
    Published,
    /// When a tracker or crawler first saw the post (a scrape time: an upper bound of
    /// the publication time, since trackers visit sites periodically).
    #[default]
    Discovered,
}

impl TimeBasis {
    /// The value stored in the `time_basis` column.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeBasis::Published => "published",
            TimeBasis::Discovered => "discovered",
        }
    }
}

/// How a post's victim country was determined, strongest evidence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountrySource {
    /// The feed gave the country.
    Explicit,
    /// The country-code top-level domain of the victim's domain (`.co.jp` → JP).
    Cctld,
    /// Japanese script (kana or kanji) in the title or description → JP.
    JapaneseText,
    /// A user-supplied list mapping victim names to countries.
    NameList,
}

impl CountrySource {
    /// The value stored in the `country_source` column.
    pub fn as_str(self) -> &'static str {
        match self {
            CountrySource::Explicit => "explicit",
            CountrySource::Cctld => "cctld",
            CountrySource::JapaneseText => "japanese_text",
            CountrySource::NameList => "name_list",
        }
    }
}

/// One leak-site post, as stored in the `leak` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakPost {
    /// Normalised group name (`LockBit`, `BlackCat`), the same for every alias.
    pub group: String,
    /// The variant or site name the feed used when the group has several
    /// (`lockbit3`), so versions stay tellable apart.
    pub group_variant: Option<String>,
    /// Victim as the post names it (the post title, HTML entities decoded).
    pub victim: String,
    /// Registrable domain of the victim, when the post gives one (`example.co.jp`).
    pub victim_domain: Option<String>,
    /// When the group published the post, if the feed says (microseconds, UTC).
    pub published: Option<Micros>,
    /// When the post was first seen by a tracker or crawler (microseconds, UTC).
    pub discovered: Micros,
    /// Which of the two times is the post's time in reports.
    pub time_basis: TimeBasis,
    /// Victim country, ISO 3166-1 alpha-2 (`JP`), when it could be determined.
    pub country: Option<String>,
    /// How `country` was determined; `None` exactly when `country` is `None`.
    pub country_source: Option<CountrySource>,
    /// Whether the title or description contains Hiragana, Katakana or Kanji.
    pub has_japanese: bool,
    /// Post text, when the feed carries it.
    pub description: Option<String>,
    /// Link to the post on the leak site, when known.
    pub post_url: Option<String>,
    /// How many duplicate posts (reposts, the same post seen by another feed) were
    /// merged into this one.
    pub reposts: u32,
    /// Feed file or crawler site the post came from (the earliest, when merged).
    pub source: String,
}

impl LeakPost {
    /// The post's time in reports: `published` when `time_basis` says so and it is
    /// known, else `discovered`.
    pub fn time(&self) -> Micros {
        match (self.time_basis, self.published) {
            (TimeBasis::Published, Some(t)) => t,
            _ => self.discovered,
        }
    }
}

/// Column names of the `leak` table.
pub mod col {
    #![allow(missing_docs)]
    pub const GROUP: &str = "group";
    pub const GROUP_VARIANT: &str = "group_variant";
    pub const VICTIM: &str = "victim";
    pub const VICTIM_DOMAIN: &str = "victim_domain";
    pub const PUBLISHED: &str = "published";
    pub const DISCOVERED: &str = "discovered";
    pub const TIME_BASIS: &str = "time_basis";
    pub const COUNTRY: &str = "country";
    pub const COUNTRY_SOURCE: &str = "country_source";
    pub const HAS_JAPANESE: &str = "has_japanese";
    pub const DESCRIPTION: &str = "description";
    pub const POST_URL: &str = "post_url";
    pub const REPOSTS: &str = "reposts";
    pub const SOURCE: &str = "source";
}

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    use col::*;
    let ts = || DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let s = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        s(GROUP, false),
        s(GROUP_VARIANT, true),
        s(VICTIM, false),
        s(VICTIM_DOMAIN, true),
        Field::new(PUBLISHED, ts(), true),
        Field::new(DISCOVERED, ts(), false),
        s(TIME_BASIS, false),
        s(COUNTRY, true),
        s(COUNTRY_SOURCE, true),
        Field::new(HAS_JAPANESE, DataType::Boolean, false),
        s(DESCRIPTION, true),
        s(POST_URL, true),
        Field::new(REPOSTS, DataType::UInt32, false),
        s(SOURCE, false),
    ]))
});

/// The Arrow schema of the `leak` table (without the `day` partition column).
pub fn schema() -> SchemaRef {
    SCHEMA.clone()
}

/// Appends [`LeakPost`]s column by column and produces a `RecordBatch` in [`schema`].
pub struct LeakBatchBuilder {
    group: StringBuilder,
    group_variant: StringBuilder,
    victim: StringBuilder,
    victim_domain: StringBuilder,
    published: TimestampMicrosecondBuilder,
    discovered: TimestampMicrosecondBuilder,
    time_basis: StringBuilder,
    country: StringBuilder,
    country_source: StringBuilder,
    has_japanese: BooleanBuilder,
    description: StringBuilder,
    post_url: StringBuilder,
    reposts: UInt32Builder,
    source: StringBuilder,
    len: usize,
}

impl LeakBatchBuilder {
    /// A builder with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        let s = || StringBuilder::with_capacity(rows, rows * 16);
        let ts = || TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC");
        LeakBatchBuilder {
            group: s(),
            group_variant: s(),
            victim: StringBuilder::with_capacity(rows, rows * 32),
            victim_domain: s(),
            published: ts(),
            discovered: ts(),
            time_basis: s(),
            country: s(),
            country_source: s(),
            has_japanese: BooleanBuilder::with_capacity(rows),
            description: StringBuilder::with_capacity(rows, rows * 64),
            post_url: s(),
            reposts: UInt32Builder::with_capacity(rows),
            source: s(),
            len: 0,
        }
    }

    /// Rows appended since the last [`finish`](Self::finish).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no row has been appended since the last [`finish`](Self::finish).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends one row.
    pub fn push(&mut self, p: &LeakPost) {
        self.group.append_value(&p.group);
        self.group_variant.append_option(p.group_variant.as_deref());
        self.victim.append_value(&p.victim);
        self.victim_domain.append_option(p.victim_domain.as_deref());
        self.published.append_option(p.published);
        self.discovered.append_value(p.discovered);
        self.time_basis.append_value(p.time_basis.as_str());
        self.country.append_option(p.country.as_deref());
        self.country_source
            .append_option(p.country_source.map(CountrySource::as_str));
        self.has_japanese.append_value(p.has_japanese);
        self.description.append_option(p.description.as_deref());
        self.post_url.append_option(p.post_url.as_deref());
        self.reposts.append_value(p.reposts);
        self.source.append_value(&p.source);
        self.len += 1;
    }

    /// Produces the batch and resets the builder.
    pub fn finish(&mut self) -> RecordBatch {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.group.finish()),
            Arc::new(self.group_variant.finish()),
            Arc::new(self.victim.finish()),
            Arc::new(self.victim_domain.finish()),
            Arc::new(self.published.finish()),
            Arc::new(self.discovered.finish()),
            Arc::new(self.time_basis.finish()),
            Arc::new(self.country.finish()),
            Arc::new(self.country_source.finish()),
            Arc::new(self.has_japanese.finish()),
            Arc::new(self.description.finish()),
            Arc::new(self.post_url.finish()),
            Arc::new(self.reposts.finish()),
            Arc::new(self.source.finish()),
        ];
        self.len = 0;
        RecordBatch::try_new(schema(), columns)
            .expect("builder columns follow the schema by construction")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::TimestampMicrosecondType;

    #[test]
    fn batch_keeps_nulls_times_and_provenance_labels() {
        let mut b = LeakBatchBuilder::with_capacity(2);
        let jp = LeakPost {
            group: "LockBit".into(),
            group_variant: Some("lockbit3".into()),
            victim: "example-kogyo.co.jp".into(),
            victim_domain: Some("example-kogyo.co.jp".into()),
            published: Some(1_660_000_000_000_000),
            discovered: 1_660_000_100_000_000,
            time_basis: TimeBasis::Published,
            country: Some("JP".into()),
            country_source: Some(CountrySource::Cctld),
            has_japanese: false,
            reposts: 2,
            source: "posts.json".into(),
            ..Default::default()
        };
        b.push(&jp);
        b.push(&LeakPost {
            group: "Hive".into(),
            victim: "Rocky".into(),
            discovered: 1_656_787_557_960_856,
            source: "posts.json".into(),
            ..Default::default()
        });
        assert_eq!(b.len(), 2);
        let batch = b.finish();
        assert!(b.is_empty());
        assert_eq!(batch.num_columns(), schema().fields().len());
        assert_eq!(batch.num_rows(), 2);

        let published = batch.column_by_name(col::PUBLISHED).expect("published");
        let published = published.as_primitive::<TimestampMicrosecondType>();
        assert_eq!(published.value(0), 1_660_000_000_000_000);
        assert!(published.is_null(1));
        assert_eq!(
            published.data_type(),
            &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        );

        let basis = batch.column_by_name(col::TIME_BASIS).expect("time_basis");
        let basis = basis.as_string::<i32>();
        assert_eq!(basis.value(0), "published");
        assert_eq!(basis.value(1), "discovered");

        let source = batch.column_by_name(col::COUNTRY_SOURCE).expect("source");
        assert_eq!(source.as_string::<i32>().value(0), "cctld");
        assert!(source.is_null(1));
    }

    #[test]
    fn time_follows_the_basis() {
        let mut p = LeakPost {
            published: Some(10),
            discovered: 20,
            time_basis: TimeBasis::Published,
            ..Default::default()
        };
        assert_eq!(p.time(), 10);
        p.time_basis = TimeBasis::Discovered;
        assert_eq!(p.time(), 20);
    }
}
