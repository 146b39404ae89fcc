//! Runs Debian's CRS on one request and prints what matched:
//! `cargo run -p kansoku-crs --example crs-request -- [PL] METHOD URI [BODY] [UA]`.

use kansoku_crs::{Crs, LoadOptions, Request, Scratch};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (pl, args) = match args.first().and_then(|a| a.parse::<u8>().ok()) {
        Some(pl) => (pl, &args[1..]),
        None => (1, &args[..]),
    };
    let [method, uri, rest @ ..] = args else {
        eprintln!("usage: crs-request [PL] METHOD URI [BODY] [USER-AGENT]");
        std::process::exit(2);
    };
    let opts = LoadOptions {
        paranoia_level: pl,
        ..LoadOptions::default()
    };
    let crs = match Crs::load(std::path::Path::new(kansoku_crs::DEBIAN_CRS), &opts) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("crs-request: {e}");
            std::process::exit(1);
        }
    };
    let mut headers: Vec<(&[u8], &[u8])> = vec![(b"Host", b"localhost")];
    if let Some(ua) = rest.get(1) {
        headers.push((b"User-Agent", ua.as_bytes()));
    }
    let req = Request {
        method: method.as_bytes(),
        uri: uri.as_bytes(),
        protocol: b"HTTP/1.1",
        headers,
        body: rest.first().filter(|b| !b.is_empty()).map(|b| b.as_bytes()),
        remote_addr: b"127.0.0.1",
        status: None,
    };
    let v = crs.evaluate(&req, &mut Scratch::default());
    for m in &v.matches {
        println!("{} {} [{}] {}", m.id, m.msg, m.var, m.data);
    }
    println!("score {} attack {}", v.score, v.attack);
}
