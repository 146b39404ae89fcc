//! Reading what kansoku observed over a period from the lake (DataFusion), through the
//! privacy filter, into an [`IndicatorSet`].

use std::collections::{BTreeMap, HashMap};

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, TimeUnit, TimestampMicrosecondType};
use datafusion::prelude::SessionContext;
use kansoku_event::Micros;

use crate::IntelError;
use crate::model::{
    AgentIndicator, IndicatorSet, LeakObservation, PathIndicator, SourceIndicator, Tlp,
};
use crate::privacy::Privacy;

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Start of the period, inclusive.
    pub from: Micros,
    /// End of the period, exclusive.
    pub to: Micros,
    /// Only this tenant's attacks.
    pub tenant: Option<String>,
    /// Only requests with a detection of at least this severity rank (see [`severity_rank`]).
    pub min_severity: Option<u8>,
    /// Severity rank of each rule id; ids missing here count as `medium`.
    pub rule_severity: HashMap<String, u8>,
    /// Sharing level.
    pub tlp: Tlp,
    /// The reporting organisation.
    pub organisation: String,
    /// Validity of an exported source after its last sighting, microseconds.
    pub valid_for: Micros,
    /// At most this many attack paths (the most requested).
    pub max_paths: usize,
    /// What stays inside.
    pub privacy: Privacy,
    /// When the export is made (the STIX `created` time).
    pub now: Micros,
}

/// Rank of a severity name: info 0, low 1, medium 2, high 3, critical 4.
pub fn severity_rank(name: &str) -> Option<u8> {
    match name.trim().to_ascii_lowercase().as_str() {
        "info" | "informational" => Some(0),
        "low" => Some(1),
        "medium" => Some(2),
        "high" => Some(3),
        "critical" => Some(4),
        _ => None,
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn ts_literal(t: Micros) -> String {
    format!("arrow_cast({t}, 'Timestamp(Microsecond, Some(\"UTC\"))')")
}

/// `day >= … AND col >= … AND day <= … AND col < …` for the period.
pub(crate) fn window(column: &str, from: Micros, to: Micros) -> String {
    let day = utc_day;
    format!(
        "day >= '{}' AND day <= '{}' AND {column} >= {} AND {column} < {}",
        day(from),
        day(to),
        ts_literal(from),
        ts_literal(to)
    )
}

fn utc_day(t: Micros) -> String {
    chrono::DateTime::from_timestamp_micros(t)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}

/// The column `name` as optional strings.
pub(crate) fn strings(batch: &RecordBatch, name: &str) -> Result<Vec<Option<String>>, IntelError> {
    let col = column(batch, name)?;
    let col = cast(&col, &DataType::Utf8).map_err(datafusion::error::DataFusionError::from)?;
    let a = col.as_string::<i32>();
    Ok((0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i).to_string()))
        .collect())
}

/// The column `name` as optional microsecond timestamps.
pub(crate) fn times(batch: &RecordBatch, name: &str) -> Result<Vec<Option<Micros>>, IntelError> {
    let col = column(batch, name)?;
    let col = cast(
        &col,
        &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
    )
    .map_err(datafusion::error::DataFusionError::from)?;
    let a = col.as_primitive::<TimestampMicrosecondType>();
    Ok((0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect())
}

fn column(batch: &RecordBatch, name: &str) -> Result<ArrayRef, IntelError> {
    batch.column_by_name(name).cloned().ok_or_else(|| {
        IntelError::Query(datafusion::error::DataFusionError::Plan(format!(
            "no column {name} in the answer"
        )))
    })
}

fn split(s: &Option<String>) -> Vec<String> {
    s.as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// Builds the indicator set of the period from the lake's `http` and `leak` tables.
pub async fn collect(
    ctx: &SessionContext,
    opts: &ExportOptions,
) -> Result<IndicatorSet, IntelError> {
    let mut set = IndicatorSet {
        organisation: opts.organisation.clone(),
        from: opts.from,
        to: opts.to,
        created: opts.now,
        tlp: opts.tlp,
        valid_for: opts.valid_for,
        ..IndicatorSet::default()
    };
    let mut where_ = format!(
        "cardinality(categories) > 0 AND {}",
        window("ts", opts.from, opts.to)
    );
    if let Some(t) = &opts.tenant {
        where_.push_str(&format!(" AND tenant = {}", quote(t)));
    }
    let sql = format!(
        "SELECT ts, src_ip, array_to_string(categories, ',') AS categories, \
         array_to_string(rule_ids, ',') AS rule_ids, tool, tor_exit, path, user_agent \
         FROM http WHERE {where_} ORDER BY ts"
    );
    let batches = ctx.sql(&sql).await?.collect().await?;
    let mut sources: BTreeMap<String, SourceIndicator> = BTreeMap::new();
    let mut paths: BTreeMap<String, PathIndicator> = BTreeMap::new();
    let mut agents: BTreeMap<(String, String), AgentIndicator> = BTreeMap::new();
    for batch in &batches {
        let ts = times(batch, "ts")?;
        let ip = strings(batch, "src_ip")?;
        let cats = strings(batch, "categories")?;
        let rules = strings(batch, "rule_ids")?;
        let tool = strings(batch, "tool")?;
        let path = strings(batch, "path")?;
        let ua = strings(batch, "user_agent")?;
        let tor = batch
            .column_by_name("tor_exit")
            .map(|c| c.as_boolean().clone());
        for i in 0..batch.num_rows() {
            let Some(t) = ts[i] else { continue };
            if let Some(min) = opts.min_severity {
                let top = split(&rules[i])
                    .iter()
                    .map(|r| opts.rule_severity.get(r).copied().unwrap_or(2))
                    .max()
                    .unwrap_or(2);
                if top < min {
                    continue;
                }
            }
            let categories = split(&cats[i]);
            if let Some(ip) = &ip[i] {
                match opts.privacy.address(ip) {
                    Some(why) => *set.withheld.entry(why).or_default() += 1,
                    None => {
                        let s = sources
                            .entry(ip.clone())
                            .or_insert_with(|| SourceIndicator {
                                ip: ip.clone(),
                                first_seen: t,
                                last_seen: t,
                                ..SourceIndicator::default()
                            });
                        s.first_seen = s.first_seen.min(t);
                        s.last_seen = s.last_seen.max(t);
                        s.count += 1;
                        for c in &categories {
                            *s.categories.entry(c.clone()).or_default() += 1;
                        }
                        if tor.as_ref().is_some_and(|a| a.is_valid(i) && a.value(i)) {
                            s.tor_exit = true;
                        }
                        if let Some(tool) = &tool[i] {
                            s.tools.insert(tool.clone());
                        }
                    }
                }
            }
            if let Some(p) = path[i].as_deref().filter(|p| !p.is_empty()) {
                match opts.privacy.text(p) {
                    Some(why) => *set.withheld.entry(why).or_default() += 1,
                    None => {
                        let e = paths.entry(p.to_string()).or_insert_with(|| PathIndicator {
                            path: p.to_string(),
                            first_seen: t,
                            last_seen: t,
                            ..PathIndicator::default()
                        });
                        e.first_seen = e.first_seen.min(t);
                        e.last_seen = e.last_seen.max(t);
                        e.count += 1;
                        e.categories.extend(categories.iter().cloned());
                    }
                }
            }
            if let (Some(tool), Some(ua)) = (&tool[i], &ua[i]) {
                match opts.privacy.text(ua) {
                    Some(why) => *set.withheld.entry(why).or_default() += 1,
                    None => {
                        let e = agents.entry((tool.clone(), ua.clone())).or_insert_with(|| {
                            AgentIndicator {
                                tool: tool.clone(),
                                user_agent: ua.clone(),
                                first_seen: t,
                                last_seen: t,
                                count: 0,
                            }
                        });
                        e.first_seen = e.first_seen.min(t);
                        e.last_seen = e.last_seen.max(t);
                        e.count += 1;
                    }
                }
            }
        }
    }
    set.sources = sources.into_values().collect();
    let mut paths: Vec<PathIndicator> = paths.into_values().collect();
    paths.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.path.cmp(&b.path)));
    paths.truncate(opts.max_paths);
    paths.sort_by(|a, b| a.path.cmp(&b.path));
    set.paths = paths;
    set.agents = agents.into_values().collect();
    set.leaks = collect_leaks(ctx, opts, &mut set.withheld).await?;
    Ok(set)
}

async fn collect_leaks(
    ctx: &SessionContext,
    opts: &ExportOptions,
    withheld: &mut BTreeMap<&'static str, u64>,
) -> Result<Vec<LeakObservation>, IntelError> {
    if !ctx.table_exist("leak").unwrap_or(false) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT \"group\" AS grp, victim, published, discovered, country FROM leak WHERE {} \
         ORDER BY discovered, grp, victim",
        window("discovered", opts.from, opts.to)
    );
    let mut out = Vec::new();
    for batch in ctx.sql(&sql).await?.collect().await? {
        let group = strings(&batch, "grp")?;
        let victim = strings(&batch, "victim")?;
        let published = times(&batch, "published")?;
        let discovered = times(&batch, "discovered")?;
        let country = strings(&batch, "country")?;
        for i in 0..batch.num_rows() {
            let (Some(g), Some(v), Some(d)) = (&group[i], &victim[i], discovered[i]) else {
                continue;
            };
            if let Some(why) = opts.privacy.text(v) {
                *withheld.entry(why).or_default() += 1;
                continue;
            }
            out.push(LeakObservation {
                group: g.clone(),
                victim: v.clone(),
                published: published[i],
                discovered: d,
                country: country[i].clone(),
            });
        }
    }
    Ok(out)
}
