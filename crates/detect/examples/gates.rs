//! Debug: prints how each rule is gated (temporary).
fn main() {
    let rules = kansoku_detect::RuleSet::builtin().expect("builtin");
    rules.debug_gates();
}
