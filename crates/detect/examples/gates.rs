//! Debug: prints how each rule is gated (temporary).
fn main() {
    let rules = kansoku_detect::RuleSet::builtin().expect("builtin");
    rules.debug_gates();
    println!("short needles: {:?}", rules.debug_short_needles());
}
