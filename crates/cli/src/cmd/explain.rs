//! `kansoku explain`: for one log line, which rule matched which decoded substring.

use anyhow::Context as _;
use kansoku_parse::{Format, detect_format};
use kansoku_pipeline::{Config, Context};

use crate::cli::ExplainArgs;

pub fn run(config: &Config, args: ExplainArgs) -> anyhow::Result<u8> {
    let line = args.line.as_bytes();
    let format = match (&args.format, &args.log_format) {
        (Some(name), _) => Format::from_name(name)?,
        (None, Some(fmt)) => Format::from_log_format(fmt)?,
        (None, None) => detect_format(&[line])
            .context("could not recognise the line's format; pass --format or --log-format")?,
    };
    let mut parser = format.parser()?;
    let mut parsed = Vec::new();
    parser.feed(line, 1, &mut parsed);
    parser.finish(&mut parsed);
    let record = parsed.pop().context("the line holds no record")?;
    let mut req = record
        .record
        .map_err(|e| anyhow::anyhow!("the line does not parse as {}: {e}", format.name()))?;
    let ctx = Context::new(config)?;
    let mut matcher = ctx.rules.matcher();
    let hits = matcher.explain(&req);
    matcher.apply(&mut req);
    crate::output::say(format!("format: {}", format.name()));
    crate::output::say(format!(
        "request: {} {} {}",
        req.method.as_deref().unwrap_or("-"),
        req.path.as_deref().unwrap_or("-"),
        req.query
            .as_deref()
            .map(|q| format!("?{q}"))
            .unwrap_or_default()
    ));
    if hits.is_empty() {
        crate::output::say("no rule matched");
        return Ok(crate::exit::OK);
    }
    for h in &hits {
        crate::output::say(format!(
            "{} [{}] in {} after {}: matched {:?} in {:?}",
            h.rule_id,
            h.category,
            h.zone,
            if h.transforms.is_empty() {
                "none".to_string()
            } else {
                h.transforms.join(", ")
            },
            h.matched,
            h.decoded
        ));
    }
    crate::output::say(format!(
        "categories: {}; tool: {}",
        req.categories.join(", "),
        req.tool.as_deref().unwrap_or("-")
    ));
    Ok(crate::exit::OK)
}
