//! A clearly labelled synthetic dataset for the demo: three months of web, WAF and firewall logs
