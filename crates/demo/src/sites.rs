//! The demo's tenants: which site each one runs, how busy it is and which log it keeps.

use kansoku_event::Category;

use crate::request::Server;
use crate::traffic::Diurnal;

/// The log a tenant's site produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogKind {
    /// A web server's combined access log (every request).
    Combined(Server),
    /// A ModSecurity v3 JSON audit log (only requests a rule flagged).
    ModsecJson,
    /// AWS WAF JSON logs (every request, allowed or blocked).
    AwsWaf,
}

impl LogKind {
    /// The manifest's format name.
    pub(crate) fn format(self) -> &'static str {
        match self {
            LogKind::Combined(_) => "combined",
            LogKind::ModsecJson => "modsec-json",
            LogKind::AwsWaf => "aws-waf",
        }
    }
}

/// Which pages a site has, for ordinary traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pages {
    /// An online shop.
    Shop,
    /// A corporate web site.
    Corporate,
    /// A customer portal (single-page app with an API).
    Portal,
    /// An API with no ordinary traffic in its log.
    None,
}

/// One monitored tenant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site {
    /// Tenant id in the lake.
    pub tenant: &'static str,
    /// Virtual host.
    pub host: &'static str,
    /// The log it keeps.
    pub log: LogKind,
    /// Daily and weekly shape of its visitors.
    pub diurnal: Diurnal,
    /// Page views per day on average, at scale 1.
    pub pageviews_per_day: f64,
    /// Its share of the internet's background attacks.
    pub attack_share: f64,
    /// Its pages.
    pub pages: Pages,
    /// Offset of its visitors in the visitor numbering, so sites share only some.
    pub visitor_offset: u32,
}

impl Site {
    /// Whether this site's log can show an attack of this category at all. A
    /// ModSecurity audit log holds only what a CRS rule flagged, and no CRS rule flags
    /// a bare request for an Oracle console or an IIS admin directory.
    pub(crate) fn logs(&self, cat: Category) -> bool {
        self.log != LogKind::ModsecJson
            || !matches!(cat, Category::AdminIis | Category::AdminOracle)
    }

    /// Whether this tenant's log file for month `index` of `count` is gzipped: as with
    /// logrotate, past months are compressed and the current one is not. The ModSecurity
    /// log is never compressed, the AWS WAF export always (S3 delivers gzip).
    pub(crate) fn gzipped(&self, index: usize, count: usize) -> bool {
        match self.log {
            LogKind::Combined(Server::Nginx) => index + 1 < count,
            LogKind::Combined(Server::Apache) => index == 0,
            LogKind::ModsecJson => false,
            LogKind::AwsWaf => true,
        }
    }
}

/// The tenant that suffers the targeted campaign.
pub(crate) const SHOP: Site = Site {
    tenant: "shop-example",
    host: "shop.example.jp",
    log: LogKind::Combined(Server::Nginx),
    diurnal: Diurnal::Shop,
    pageviews_per_day: 620.0,
    attack_share: 0.35,
    pages: Pages::Shop,
    visitor_offset: 0,
};

/// The tenant that gets the Nikto scan.
pub(crate) const CORP: Site = Site {
    tenant: "corp-example",
    host: "corp.example.jp",
    log: LogKind::Combined(Server::Apache),
    diurnal: Diurnal::Office,
    pageviews_per_day: 330.0,
    attack_share: 0.25,
    pages: Pages::Corporate,
    visitor_offset: 5_000,
};

/// An API behind ModSecurity.
pub(crate) const API: Site = Site {
    tenant: "api-example",
    host: "api.example.jp",
    log: LogKind::ModsecJson,
    diurnal: Diurnal::Portal,
    pageviews_per_day: 0.0,
    attack_share: 0.20,
    pages: Pages::None,
    visitor_offset: 10_000,
};

/// A customer portal behind AWS WAF.
pub(crate) const PORTAL: Site = Site {
    tenant: "portal-example",
    host: "portal.example.com",
    log: LogKind::AwsWaf,
    diurnal: Diurnal::Portal,
    pageviews_per_day: 190.0,
    attack_share: 0.20,
    pages: Pages::Portal,
    visitor_offset: 15_000,
};

/// Every tenant, in the order their files are written.
pub(crate) const SITES: [Site; 4] = [SHOP, CORP, API, PORTAL];
