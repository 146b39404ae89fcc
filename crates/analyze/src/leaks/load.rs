//! Reading leak posts back from the lake's `leak` table.

use datafusion::prelude::SessionContext;
use kansoku_event::leak::{CountrySource, LeakPost, TimeBasis};

use crate::AnalyzeError;
use crate::query::{self, ts};

/// The SQL that loads the posts whose report time falls in `[from, to)` (UTC
/// microseconds). The table is partitioned by `discovered`, never earlier than a post's
/// report time, so days before `from` are pruned.
pub fn posts_sql(from: i64, to: i64) -> String {
    let day = |us: i64| {
        chrono::DateTime::from_timestamp_micros(us)
            .map_or_else(String::new, |t| t.format("%Y-%m-%d").to_string())
    };
    format!(
        "SELECT \"group\", group_variant, victim, victim_domain, \
         arrow_cast(published, 'Int64') AS published, arrow_cast(discovered, 'Int64') AS discovered, \
         time_basis, country, country_source, has_japanese, description, post_url, reposts, source \
         FROM leak \
         WHERE day >= '{}' \
         AND (CASE WHEN time_basis = 'published' AND published IS NOT NULL THEN published ELSE discovered END) >= {} \
         AND (CASE WHEN time_basis = 'published' AND published IS NOT NULL THEN published ELSE discovered END) < {} \
         ORDER BY discovered, \"group\", victim",
        day(from),
        ts(from),
        ts(to)
    )
}

fn country_source(s: &str) -> Option<CountrySource> {
    match s {
        "explicit" => Some(CountrySource::Explicit),
        "cctld" => Some(CountrySource::Cctld),
        "japanese_text" => Some(CountrySource::JapaneseText),
        "name_list" => Some(CountrySource::NameList),
        _ => None,
    }
}

/// Posts whose report time is in `[from, to)`, in time order of discovery.
pub async fn load_posts(
    ctx: &SessionContext,
    from: i64,
    to: i64,
) -> Result<Vec<LeakPost>, AnalyzeError> {
    let batches = query::run(ctx, &posts_sql(from, to)).await?;
    let s = |i| query::strings(&batches, i);
    let (group, variant, victim, domain) = (s(0)?, s(1)?, s(2)?, s(3)?);
    let published_null = s(4)?;
    let published = query::ints(&batches, 4)?;
    let discovered = query::ints(&batches, 5)?;
    let (basis, country, csource) = (s(6)?, s(7)?, s(8)?);
    let has_japanese = s(9)?;
    let (description, post_url) = (s(10)?, s(11)?);
    let reposts = query::ints(&batches, 12)?;
    let source = s(13)?;
    let mut posts = Vec::with_capacity(group.len());
    for i in 0..group.len() {
        posts.push(LeakPost {
            group: group[i].clone().unwrap_or_default(),
            group_variant: variant[i].clone(),
            victim: victim[i].clone().unwrap_or_default(),
            victim_domain: domain[i].clone(),
            published: published_null[i].as_ref().map(|_| published[i]),
            discovered: discovered[i],
            time_basis: if basis[i].as_deref() == Some("published") {
                TimeBasis::Published
            } else {
                TimeBasis::Discovered
            },
            country: country[i].clone(),
            country_source: csource[i].as_deref().and_then(country_source),
            has_japanese: has_japanese[i].as_deref() == Some("true"),
            description: description[i].clone(),
            post_url: post_url[i].clone(),
            reposts: u32::try_from(reposts[i]).unwrap_or(0),
            source: source[i].clone().unwrap_or_default(),
        });
    }
    Ok(posts)
}
