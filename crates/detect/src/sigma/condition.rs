//! The Sigma condition grammar: `or` < `and` < `not` < atoms; atoms are identifiers,
//! parenthesised conditions, and `1 of`/`any of`/`all of` over a wildcard name or `them`.

use std::collections::BTreeMap;

use crate::model::Expr;

fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        match c {
            '(' | ')' | '|' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                out.push(c.to_string());
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((pre, post)) => {
            name.len() >= pre.len() + post.len()
                && name.starts_with(pre)
                && glob_rest(post, &name[pre.len()..])
        }
    }
}

fn glob_rest(pattern: &str, rest: &str) -> bool {
    if !pattern.contains('*') {
        return rest.ends_with(pattern);
    }
    (0..=rest.len())
        .filter(|&i| rest.is_char_boundary(i))
        .any(|i| glob(pattern, &rest[i..]))
}

struct Parser<'a> {
    toks: Vec<String>,
    pos: usize,
    searches: &'a BTreeMap<String, Expr>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.pos).map(String::as_str)
    }

    fn next(&mut self) -> Option<String> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut terms = vec![self.and()?];
        while self.peek().is_some_and(|t| t.eq_ignore_ascii_case("or")) {
            self.pos += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::Or(terms)
        })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut terms = vec![self.not()?];
        while self.peek().is_some_and(|t| t.eq_ignore_ascii_case("and")) {
            self.pos += 1;
            terms.push(self.not()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    fn not(&mut self) -> Result<Expr, String> {
        if self.peek().is_some_and(|t| t.eq_ignore_ascii_case("not")) {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        let tok = self.next().ok_or("condition ends too early")?;
        if tok == "(" {
            let e = self.or()?;
            return match self.next().as_deref() {
                Some(")") => Ok(e),
                _ => Err("unbalanced parentheses in condition".into()),
            };
        }
        if tok == "|" {
            return Err("unsupported feature: aggregation (`| count()` …) in condition".into());
        }
        let quant = tok.to_ascii_lowercase();
        if (quant == "1" || quant == "all" || quant == "any") && self.peek() == Some("of") {
            self.pos += 1;
            let target = self.next().ok_or("`of` without a target")?;
            let matched: Vec<Expr> = self
                .searches
                .iter()
                .filter(|(name, _)| {
                    if target == "them" {
                        !name.starts_with('_')
                    } else {
                        glob(&target, name)
                    }
                })
                .map(|(_, e)| e.clone())
                .collect();
            if matched.is_empty() {
                return Err(format!(
                    "condition names no search identifier matching `{target}`"
                ));
            }
            return Ok(if quant == "all" {
                Expr::And(matched)
            } else {
                Expr::Or(matched)
            });
        }
        self.searches
            .get(&tok)
            .cloned()
            .ok_or_else(|| format!("condition names unknown search identifier `{tok}`"))
    }
}

/// Parses a condition over the named searches.
pub fn parse(text: &str, searches: &BTreeMap<String, Expr>) -> Result<Expr, String> {
    let mut p = Parser {
        toks: tokens(text),
        pos: 0,
        searches,
    };
    let e = p.or()?;
    match p.peek() {
        None => Ok(e),
        Some("|") => Err("unsupported feature: aggregation (`| count()` …) in condition".into()),
        Some(t) => Err(format!("unexpected `{t}` in condition")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar_handles_quantifiers_not_and_parentheses() {
        let mut s = BTreeMap::new();
        for (i, n) in ["selection_a", "selection_b", "filter_x", "keywords"]
            .iter()
            .enumerate()
        {
            s.insert(n.to_string(), Expr::Check(i));
        }
        let e = parse("(1 of selection_* or keywords) and not filter_x", &s).expect("parses");
        let want = Expr::And(vec![
            Expr::Or(vec![
                Expr::Or(vec![Expr::Check(0), Expr::Check(1)]),
                Expr::Check(3),
            ]),
            Expr::Not(Box::new(Expr::Check(2))),
        ]);
        assert_eq!(e, want);
        assert!(parse("all of them", &s).is_ok());
        assert!(parse("selection | count() > 5", &s).is_err());
        assert!(parse("nosuch", &s).is_err());
    }
}
