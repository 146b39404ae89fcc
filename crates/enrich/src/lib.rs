//! Enrichment: tenant attribution (later Tor exits, countries, services)
