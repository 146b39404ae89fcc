//! Wires parse, enrich, detect and lake together for batch ingest and live sources
