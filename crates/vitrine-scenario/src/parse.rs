//! Reading a scenario file: YAML into the types, then the checks serde cannot make (references
//! to names defined earlier, regular expressions, customers), each error with its file, line
//! and column, before anything runs.
//!
//! Its length: one check per reference kind, each reporting with the same position helpers.

use crate::expr;
use crate::*;
use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ParseError {}

/// The roots every reference may use besides variables and saved values.
pub const BUILTIN_ROOTS: &[&str] = &["last", "customer", "customers", "sandbox", "run"];

/// Parses and checks a scenario file. `file` names it in errors.
pub fn parse(file: &str, src: &str) -> Result<ScenarioFile, ParseError> {
    let de = serde_norway::Deserializer::from_str(src);
    let parsed: ScenarioFile = serde_norway::with::singleton_map_recursive::deserialize(de)
        .map_err(|e| {
            let (line, column) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((1, 1));
            // serde_norway writes " at line L column C" into its messages; the position is
            // given separately.
            let text = e.to_string();
            let message = regex::Regex::new(r" at line \d+ column \d+,?")
                .map(|re| re.replace_all(&text, "").into_owned())
                .unwrap_or(text);
            ParseError {
                file: file.to_owned(),
                line,
                column,
                message,
            }
        })?;
    Checker { file, src, from: 0 }.check(&parsed)?;
    Ok(parsed)
}

struct Checker<'a> {
    file: &'a str,
    src: &'a str,
    /// Where the scenario being checked starts in `src` (errors point at the first occurrence
    /// of what they name from there).
    from: usize,
}

/// What a step or value may refer to at one point of a scenario.
struct Known {
    names: BTreeSet<String>,
    customers: Vec<String>,
}

impl Known {
    fn allows(&self, root: &str) -> bool {
        BUILTIN_ROOTS.contains(&root)
            || root
                .strip_prefix("last_")
                .is_some_and(|t| MessageType::ALL.iter().any(|k| k.as_str() == t))
            || self.names.contains(root)
    }
}

impl Checker<'_> {
    /// The 1-based line and column of byte `offset`.
    fn position(&self, offset: usize) -> (usize, usize) {
        let before = &self.src[..offset.min(self.src.len())];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rfind('\n')
            .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
            + 1;
        (line, column)
    }

    /// An error at the first occurrence of `needle` in the current scenario (else anywhere,
    /// else the scenario's start).
    fn error_at(&self, needle: &str, message: String) -> ParseError {
        let offset = self.src[self.from..]
            .find(needle)
            .map(|i| i + self.from)
            .or_else(|| self.src.find(needle))
            .unwrap_or(self.from);
        let (line, column) = self.position(offset);
        ParseError {
            file: self.file.to_owned(),
            line,
            column,
            message,
        }
    }

    fn check(&mut self, file: &ScenarioFile) -> Result<(), ParseError> {
        if file.scenarios.is_empty() {
            return Err(self.error_at("scenarios", "the file has no scenarios".to_owned()));
        }
        let file_vars: BTreeSet<String> = file.vars.keys().cloned().collect();
        let default_customer = vec!["customer".to_owned()];
        {
            let known = Known {
                names: file_vars.clone(),
                customers: default_customer.clone(),
            };
            if let Some(within) = &file.defaults.within {
                self.within(within)?;
            }
            for f in &file.fixtures {
                self.fixture(f, &known)?;
            }
        }
        let mut seen = BTreeSet::new();
        for scenario in &file.scenarios {
            let name_at = self
                .src
                .find(&format!("name: {}", scenario.name))
                .or_else(|| self.src.find(&scenario.name))
                .unwrap_or(0);
            self.from = name_at;
            if scenario.name.trim().is_empty() {
                return Err(self.error_at("name:", "a scenario needs a name".to_owned()));
            }
            if !seen.insert(scenario.name.clone()) {
                return Err(self.error_at(
                    &scenario.name,
                    format!(
                        "two scenarios are called '{}'; names must differ",
                        scenario.name
                    ),
                ));
            }
            if scenario.steps.is_empty() {
                return Err(self.error_at(
                    "steps",
                    format!("scenario '{}' has no steps", scenario.name),
                ));
            }
            let mut customers = vec![];
            for c in &scenario.customers {
                if customers.contains(&c.id) {
                    return Err(self.error_at(
                        &format!("id: {}", c.id),
                        format!("two customers are called '{}'", c.id),
                    ));
                }
                customers.push(c.id.clone());
            }
            if customers.is_empty() {
                customers = default_customer.clone();
            }
            let mut known = Known {
                names: file_vars
                    .iter()
                    .chain(scenario.vars.keys())
                    .cloned()
                    .collect(),
                customers,
            };
            for f in &scenario.fixtures {
                self.fixture(f, &known)?;
            }
            for step in &scenario.steps {
                self.step(step, &mut known)?;
            }
        }
        Ok(())
    }

    fn text(&self, s: &str, known: &Known) -> Result<(), ParseError> {
        let refs = expr::references(s).map_err(|m| self.error_at(s, m))?;
        for r in refs {
            if !known.allows(&r.root) {
                return Err(self.error_at(
                    &format!("${{{}", r.text),
                    format!(
                        "${{{}}} refers to '{}', which is not a variable, a saved value or a capture defined before this step",
                        r.text, r.root
                    ),
                ));
            }
        }
        Ok(())
    }

    fn texts<'s>(
        &self,
        items: impl IntoIterator<Item = &'s String>,
        known: &Known,
    ) -> Result<(), ParseError> {
        for s in items {
            self.text(s, known)?;
        }
        Ok(())
    }

    fn customer(&self, c: &Option<String>, key: &str, known: &Known) -> Result<(), ParseError> {
        if let Some(id) = c {
            if !known.customers.contains(id) {
                return Err(self.error_at(
                    &format!("{key}: {id}"),
                    format!(
                        "no customer '{id}' in this scenario (customers: {})",
                        known.customers.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn save(&self, name: &Option<String>, known: &mut Known) -> Result<(), ParseError> {
        if let Some(n) = name {
            let valid = n
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !valid || BUILTIN_ROOTS.contains(&n.as_str()) || n.starts_with("last_") {
                return Err(self.error_at(
                    &format!("save_as: {n}"),
                    format!("'{n}' cannot be a saved name: use letters, digits and _, not a built-in name ({})", BUILTIN_ROOTS.join(", ")),
                ));
            }
            known.names.insert(n.clone());
        }
        Ok(())
    }

    fn within(&self, w: &Within) -> Result<(), ParseError> {
        if let Within::Clock(c) = w {
            if c.wall.is_some() == c.sandbox.is_some() {
                return Err(self.error_at(
                    "within",
                    "within takes one of wall or sandbox, e.g. {sandbox: 2s}".to_owned(),
                ));
            }
        }
        Ok(())
    }

    fn fixture(&self, f: &Fixture, known: &Known) -> Result<(), ParseError> {
        match f {
            Fixture::Product(p) => {
                self.text(&p.retailer_id, known)?;
                if !p.delete && p.retailer_id.trim().is_empty() {
                    return Err(self.error_at("retailer_id", "retailer_id is empty".to_owned()));
                }
            }
            Fixture::CommerceSettings(c) => {
                if c.is_cart_enabled.is_none() && c.is_catalog_visible.is_none() {
                    return Err(self.error_at(
                        "commerce_settings",
                        "commerce_settings needs is_cart_enabled or is_catalog_visible".to_owned(),
                    ));
                }
            }
            Fixture::Throughput(t) => {
                let given = [t.level.is_some(), t.mps.is_some(), t.unlimited.is_some()]
                    .iter()
                    .filter(|g| **g)
                    .count();
                if given != 1 {
                    return Err(self.error_at(
                        "throughput",
                        "throughput takes one of level, mps or unlimited".to_owned(),
                    ));
                }
            }
            Fixture::Clock(_) => {}
        }
        Ok(())
    }

    fn text_match(&self, m: &TextMatch, known: &mut Known) -> Result<(), ParseError> {
        match m {
            TextMatch::Exact(s) => self.text(s, known),
            TextMatch::Rule(r) => {
                let given: Vec<&String> = [&r.equals, &r.contains, &r.starts_with, &r.matches]
                    .into_iter()
                    .flatten()
                    .collect();
                if given.is_empty() {
                    return Err(self.error_at(
                        "text",
                        "a text rule needs one of equals, contains, starts_with or matches"
                            .to_owned(),
                    ));
                }
                self.texts(given, known)?;
                if let Some(pattern) = &r.matches {
                    // References are filled in before the expression is compiled; check it
                    // with a stand-in for each.
                    let mut probe = pattern.clone();
                    for r in expr::references(pattern).map_err(|m| self.error_at(pattern, m))? {
                        probe = probe.replace(&format!("${{{}}}", r.text), "x");
                    }
                    let re = regex::Regex::new(&probe).map_err(|e| {
                        self.error_at(
                            pattern,
                            format!("'{pattern}' is not a valid regular expression: {e}"),
                        )
                    })?;
                    for name in re.capture_names().flatten() {
                        known.names.insert(name.to_owned());
                    }
                }
                Ok(())
            }
        }
    }

    fn step(&self, step: &Step, known: &mut Known) -> Result<(), ParseError> {
        match step {
            Step::Say(Say::Text(t)) => self.text(t, known)?,
            Step::Say(Say::Full(s)) => {
                self.text(&s.text, known)?;
                self.texts(&s.reply_to, known)?;
                self.customer(&s.customer, "as", known)?;
                self.save(&s.save_as, known)?;
            }
            Step::Ask(a) => {
                self.texts([&a.product, &a.text], known)?;
                self.texts(&a.message, known)?;
                self.customer(&a.customer, "as", known)?;
                self.save(&a.save_as, known)?;
            }
            Step::Tap(Tap::Title(t)) => self.text(t, known)?,
            Step::Tap(Tap::Full(t)) => {
                if t.title.is_some() == t.id.is_some() {
                    return Err(self.error_at("tap", "tap takes one of title or id".to_owned()));
                }
                self.texts(t.title.iter().chain(&t.id).chain(&t.message), known)?;
                self.customer(&t.customer, "as", known)?;
                self.save(&t.save_as, known)?;
            }
            Step::Open(Open::Product(p)) => self.text(p, known)?,
            Step::Open(Open::Full(o)) => {
                self.text(&o.product, known)?;
                self.customer(&o.customer, "as", known)?;
                self.save(&o.save_as, known)?;
            }
            Step::Add(CartAdd::Product(p)) | Step::Remove(CartItem::Product(p)) => {
                self.text(p, known)?
            }
            Step::Add(CartAdd::Full(q)) | Step::SetQuantity(q) => {
                self.text(&q.product, known)?;
                if let Some(n) = q.quantity {
                    if !(1..=99).contains(&n) && matches!(step, Step::Add(_)) {
                        return Err(self.error_at(
                            "quantity",
                            format!("quantity {n} is out of range: a cart line holds 1 to 99"),
                        ));
                    }
                }
                self.customer(&q.customer, "as", known)?;
            }
            Step::Remove(CartItem::Full(i)) => {
                self.text(&i.product, known)?;
                self.customer(&i.customer, "as", known)?;
            }
            Step::SendCart(s) => {
                if let Some(s) = s {
                    self.texts(&s.note, known)?;
                    self.customer(&s.customer, "as", known)?;
                    self.save(&s.save_as, known)?;
                }
            }
            Step::Pay(p) => {
                if let Some(p) = p {
                    self.texts(p.message.iter().chain(&p.method), known)?;
                    if let Some(m) = &p.method {
                        if !["upi", "card", "wallet", "netbanking"].contains(&m.as_str()) {
                            return Err(self.error_at(
                                &format!("method: {m}"),
                                format!(
                                    "payment method '{m}': use upi, card, wallet or netbanking"
                                ),
                            ));
                        }
                    }
                    self.customer(&p.customer, "as", known)?;
                    self.save(&p.save_as, known)?;
                }
            }
            Step::Location(l) => {
                self.texts(l.name.iter().chain(&l.address).chain(&l.reply_to), known)?;
                self.customer(&l.customer, "as", known)?;
                self.save(&l.save_as, known)?;
            }
            Step::React(r) => {
                self.texts(std::iter::once(&r.emoji).chain(&r.message), known)?;
                self.customer(&r.customer, "as", known)?;
            }
            Step::Browse(v) | Step::ViewCart(v) => {
                if let Some(v) = v {
                    self.customer(&v.customer, "as", known)?;
                    self.save(&v.save_as, known)?;
                }
            }
            Step::Read(a) => {
                if let Some(a) = a {
                    self.customer(&a.customer, "as", known)?;
                }
            }
            Step::Expect(e) => {
                if let Some(w) = &e.within {
                    self.within(w)?;
                }
                for m in [&e.text, &e.header, &e.footer].into_iter().flatten() {
                    self.text_match(m, known)?;
                }
                match &e.products {
                    Some(ProductMatch::Exactly(ids)) => self.texts(ids, known)?,
                    Some(ProductMatch::Rule(r)) => {
                        if r.all.is_none()
                            && r.any.is_none()
                            && r.none.is_none()
                            && r.count.is_none()
                        {
                            return Err(self.error_at(
                                "products",
                                "products needs a list or one of all, any, none, count".to_owned(),
                            ));
                        }
                        for list in [&r.all, &r.any, &r.none].into_iter().flatten() {
                            self.texts(list, known)?;
                        }
                    }
                    None => {}
                }
                for list in [&e.buttons, &e.rows].into_iter().flatten() {
                    self.texts(list, known)?;
                }
                self.texts(e.template.iter().chain(&e.reply_to), known)?;
                self.customer(&e.customer, "to", known)?;
                self.save(&e.save_as, known)?;
            }
            Step::ExpectRead(r) => {
                if let Some(r) = r {
                    if let Some(w) = &r.within {
                        self.within(w)?;
                    }
                    self.customer(&r.customer, "as", known)?;
                }
            }
            Step::ExpectNothing(Quiet::Full(q)) => self.customer(&q.customer, "to", known)?,
            Step::ExpectNothing(Quiet::For(_)) | Step::Wait(_) | Step::Clock(_) => {}
            Step::Set(vars) => {
                self.texts(vars.values(), known)?;
                known.names.extend(vars.keys().cloned());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> String {
        parse("shop.yaml", src).unwrap_err().to_string()
    }

    #[test]
    fn reads_a_full_scenario() {
        let src = r#"
vars:
  greeting: Hi
scenarios:
  - name: order two summer items
    customers:
      - id: alex
        name: Alex
        devices: [{app_version: 2.24.1.0, platform: ios}]
    steps:
      - say: ${greeting}
      - expect:
          type: product_list
          products: {all: [tee-classic-white], none: [scarf-wool-preview]}
          within: {sandbox: 2s}
      - add: {product: "${last_product_list.products[0]}", quantity: 2}
      - send_cart: {note: after 6pm, save_as: order}
      - expect:
          text: {matches: 'Total: \$(?P<total>[0-9.]+)'}
          reply_to: ${order.wamid}
      - say: I paid ${total}
      - tap: Yes
      - expect_nothing: 1s
      - clock: {advance: 24h}
      - send_cart:
"#;
        let f = parse("shop.yaml", src).unwrap();
        let s = &f.scenarios[0];
        assert_eq!(s.steps.len(), 10);
        assert_eq!(s.steps[0], Step::Say(Say::Text("${greeting}".to_owned())));
        assert_eq!(s.steps[9], Step::SendCart(None));
        assert!(s.is_exclusive(&f));
        // It writes back the way it reads.
        let again = parse("again.yaml", &to_yaml(&f).unwrap()).unwrap();
        assert_eq!(again, f);
    }

    #[test]
    fn bad_files_name_the_file_line_and_column() {
        assert_eq!(
            err("scenarios:\n  - name: a\n    steps:\n      - sya: hi\n"),
            "shop.yaml:4:9: scenarios[0].steps[0]: unknown variant `sya`, expected one of `say`, `ask`, `tap`, `open`, `browse`, `view_cart`, `add`, `set_quantity`, `remove`, `send_cart`, `pay`, `location`, `react`, `read`, `expect`, `expect_read`, `expect_nothing`, `wait`, `clock`, `set`"
        );
        assert_eq!(
            err("scenarios:\n  - name: a\n    steps:\n      - wait: 3 parsecs\n"),
            "shop.yaml:4:9: scenarios[0].steps[0]: '3 parsecs' is not a duration (unknown time unit \"parsecs\", supported units: ns, us/µs, ms, sec, min, hours, days, weeks, months, years (and few variations)); write for example 500ms, 2s, 1m 30s or 24h"
        );
        assert_eq!(
            err("scenarios:\n  - name: a\n    steps:\n      - expect:\n          typ: text\n"),
            "shop.yaml:5:11: scenarios[0].steps[0].expect: unknown field `typ`, expected one of `type`, `text`, `header`, `footer`, `products`, `buttons`, `rows`, `template`, `reply_to`, `within`, `to`, `save_as`"
        );
        assert_eq!(
            err("scenarios:\n  - name: a\n    steps:\n      - expect: {type: txt}\n"),
            "shop.yaml:4:24: scenarios[0].steps[0].expect.type: unknown variant `txt`, expected one of `text`, `catalog_message`, `product`, `product_list`, `button`, `list`, `template`, `order_details`, `order_status`, `image`, `video`, `audio`, `document`, `sticker`, `location`, `contacts`, `reaction`, `cta_url`, `location_request_message`"
        );
        assert_eq!(
            err("scenarios:\n  - name: a\n    steps: [\n"),
            "shop.yaml:4:1: did not find expected node content while parsing a flow node"
        );
        assert_eq!(
            err("scenarios:\n  - name: a\n    steps:\n      - say: hi\n      - add: ${order.items[0]}\n"),
            "shop.yaml:5:14: ${order.items[0]} refers to 'order', which is not a variable, a saved value or a capture defined before this step"
        );
        assert_eq!(
            err("scenarios:\n  - name: a\n    steps:\n      - expect: {text: {matches: 'Total (\\d+'}}\n"),
            "shop.yaml:4:35: '(\\d+' is not a valid regular expression: regex parse error:\n    Total (\\d+\n          ^\nerror: unclosed group"
                .replace("'(\\d+'", "'Total (\\d+'")
                .as_str()
        );
        assert_eq!(
            err("scenarios:\n  - name: a\n    customers: [{id: alex}]\n    steps:\n      - say: {text: hi, as: bob}\n"),
            "shop.yaml:5:25: no customer 'bob' in this scenario (customers: alex)"
        );
        assert_eq!(
            err("scenarios:\n  - name: a\n    steps: []\n"),
            "shop.yaml:3:5: scenario 'a' has no steps"
        );
        assert_eq!(
            err("scenarios:\n  - name: a\n    steps:\n      - expect: {within: {wall: 1s, sandbox: 1s}}\n"),
            "shop.yaml:4:18: within takes one of wall or sandbox, e.g. {sandbox: 2s}"
        );
    }

    #[test]
    fn the_schema_names_every_step() {
        let schema = schema();
        let text = schema.to_string();
        for step in [
            "say",
            "tap",
            "send_cart",
            "expect_nothing",
            "expect_read",
            "clock",
        ] {
            assert!(text.contains(&format!("\"{step}\"")), "{step} missing");
        }
        assert_eq!(schema["title"], "Vitrine scenario file");
    }

    #[test]
    fn the_readme_example_reads() {
        let readme = include_str!("../../../README.md");
        let start = readme
            .find("### Scenario files\n\n```yaml\n")
            .expect("the README's scenario example");
        let body = &readme[start..];
        let body = &body[body.find("```yaml\n").unwrap() + 8..];
        let example = &body[..body.find("```").unwrap()];
        parse("README.md", example).unwrap();
        // CI plays it against the example bot.
        assert_eq!(
            example,
            include_str!("../../../examples/shop-bot/scenarios/order.yaml"),
            "the README's example and examples/shop-bot/scenarios/order.yaml differ"
        );
    }

    #[test]
    fn the_committed_schema_is_the_current_one() {
        let current = format!("{}\n", serde_json::to_string_pretty(&schema()).unwrap());
        assert!(
            current == include_str!("../../../docs/scenario.schema.json"),
            "docs/scenario.schema.json is stale: run `vitrine scenario schema > docs/scenario.schema.json`"
        );
    }
}
