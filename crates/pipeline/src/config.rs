//! `kansoku.toml` ([`Config`], from `kansoku-config`) and what ingest compiles from it
//! ([`Context`]: the tenant map, the rules, the enrichment settings).

use std::sync::Arc;

use kansoku_detect::{LoadOptions, RuleSet};
use kansoku_enrich::tenant::TenantMap;

pub use kansoku_config::*;

/// Compiled settings shared by ingest workers.
#[derive(Clone)]
pub struct Context {
    /// Tenant attribution.
    pub tenants: TenantMap,
    /// Detection rules.
    pub rules: Arc<RuleSet>,
    /// Rule files that were skipped, and why.
    pub rule_warnings: Vec<String>,
    /// Networks, firewall time zone and mappings, geo table.
    pub enrich: Arc<crate::enrichment::Settings>,
}

impl Context {
    /// Compiles what ingest needs from `config`: the tenant map, the rules (built-in pack,
    /// then `[detect]` folders) and the enrichment settings.
    pub fn new(config: &Config) -> Result<Context, ConfigError> {
        let tenants = TenantMap::new(config.tenants.clone())?;
        let opts = LoadOptions {
            rule_dirs: config.detect.rules.clone(),
            sigma_dirs: config.detect.sigma.clone(),
            strict: config.detect.strict,
            crs: config
                .detect
                .crs_dir()
                .map(|dir| kansoku_detect::crs::CrsOptions {
                    dir,
                    paranoia_level: config.detect.crs_paranoia_level,
                    threshold: config.detect.crs_threshold,
                }),
            ..LoadOptions::default()
        };
        let (rules, warnings) =
            RuleSet::load(&opts).map_err(|e| ConfigError::Rules(e.to_string()))?;
        Ok(Context {
            tenants,
            rules: Arc::new(rules),
            rule_warnings: warnings.iter().map(|w| w.to_string()).collect(),
            enrich: Arc::new(crate::enrichment::Settings::new(config)?),
        })
    }
}
