//! `${…}` references inside string values: `${name}`, `${last.products[0]}`,
//! `${customers.alex.wa_id}`, `${order.items[-1].quantity}`. `\${` writes a literal `${`, so
//! `$${order.amount}` is a dollar sign and a value.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Field(String),
    Index(i64),
}

/// A reference: its root name and the path below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub root: String,
    pub path: Vec<Segment>,
    /// As written, without `${` and `}`.
    pub text: String,
}

enum Part {
    Literal(String),
    Ref(Reference),
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn parse_reference(text: &str) -> Result<Reference, String> {
    let bad = |why: &str| format!("'${{{text}}}' is not a valid reference: {why}");
    let mut chars = text.trim().chars().peekable();
    let mut root = String::new();
    match chars.peek() {
        Some(c) if is_ident_start(*c) => {}
        _ => return Err(bad("it must start with a name")),
    }
    while let Some(c) = chars.peek().copied().filter(|c| is_ident(*c)) {
        root.push(c);
        chars.next();
    }
    let mut path = vec![];
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut field = String::new();
                while let Some(c) = chars.peek().copied().filter(|c| is_ident(*c)) {
                    field.push(c);
                    chars.next();
                }
                if field.is_empty() {
                    return Err(bad("a name must follow '.'"));
                }
                path.push(Segment::Field(field));
            }
            '[' => {
                let mut index = String::new();
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    index.push(c);
                }
                let n: i64 = index
                    .trim()
                    .parse()
                    .map_err(|_| bad("an index must be a whole number, like [0] or [-1]"))?;
                path.push(Segment::Index(n));
            }
            other => return Err(bad(&format!("unexpected '{other}'"))),
        }
    }
    Ok(Reference {
        root,
        path,
        text: text.trim().to_owned(),
    })
}

fn parts(s: &str) -> Result<Vec<Part>, String> {
    let mut out = vec![];
    let mut literal = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        literal.push_str(&rest[..i]);
        let after = &rest[i..];
        let escaped = literal.ends_with('\\') && after.starts_with("${");
        if escaped {
            literal.pop();
            literal.push_str("${");
            rest = &after[2..];
        } else if let Some(tail) = after.strip_prefix("${") {
            let end = tail
                .find('}')
                .ok_or_else(|| format!("'{s}': '${{' without a closing '}}'"))?;
            if !literal.is_empty() {
                out.push(Part::Literal(std::mem::take(&mut literal)));
            }
            out.push(Part::Ref(parse_reference(&tail[..end])?));
            rest = &tail[end + 1..];
        } else {
            literal.push('$');
            rest = &after[1..];
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        out.push(Part::Literal(literal));
    }
    Ok(out)
}

/// The references a string makes, in order.
pub fn references(s: &str) -> Result<Vec<Reference>, String> {
    Ok(parts(s)?
        .into_iter()
        .filter_map(|p| match p {
            Part::Ref(r) => Some(r),
            Part::Literal(_) => None,
        })
        .collect())
}

/// Looks a reference up in `scope` (an object of roots).
pub fn lookup<'a>(scope: &'a Value, r: &Reference) -> Result<&'a Value, String> {
    let mut v = scope
        .get(&r.root)
        .ok_or_else(|| format!("${{{}}}: nothing is called '{}' yet", r.text, r.root))?;
    for seg in &r.path {
        v = match seg {
            Segment::Field(f) => v.get(f.as_str()),
            Segment::Index(i) => v.as_array().and_then(|a| {
                let len = a.len() as i64;
                let at = if *i < 0 { len + i } else { *i };
                usize::try_from(at).ok().and_then(|at| a.get(at))
            }),
        }
        .ok_or_else(|| {
            format!(
                "${{{}}}: there is no such value (in {})",
                r.text,
                short(&v.to_string())
            )
        })?;
    }
    Ok(v)
}

fn short(s: &str) -> String {
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// A value as text: strings as they are, other values as JSON.
pub fn to_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `s` with every reference replaced by its value in `scope`.
pub fn render(s: &str, scope: &Value) -> Result<String, String> {
    let mut out = String::new();
    for p in parts(s)? {
        match p {
            Part::Literal(l) => out.push_str(&l),
            Part::Ref(r) => out.push_str(&to_text(lookup(scope, &r)?)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_paths_indices_and_escapes() {
        let scope = json!({
            "last": { "products": ["a", "b", "c"], "wamid": "wamid.X" },
            "total": 2550,
            "customers": { "alex": { "wa_id": "155" } },
        });
        assert_eq!(
            render(
                "first ${last.products[0]}, last ${ last.products[-1] }",
                &scope
            )
            .unwrap(),
            "first a, last c"
        );
        assert_eq!(render("${total} cents", &scope).unwrap(), "2550 cents");
        assert_eq!(render("${customers.alex.wa_id}", &scope).unwrap(), "155");
        assert_eq!(render("\\${not} and $5", &scope).unwrap(), "${not} and $5");
        assert_eq!(render("$${total}.00", &scope).unwrap(), "$2550.00");
        assert_eq!(render(r"\$${total}", &scope).unwrap(), r"\$2550");
        assert_eq!(
            render("${nope}", &scope).unwrap_err(),
            "${nope}: nothing is called 'nope' yet"
        );
        assert_eq!(
            render("${last.products[7]}", &scope).unwrap_err(),
            "${last.products[7]}: there is no such value (in [\"a\",\"b\",\"c\"])"
        );
        assert_eq!(
            references("${a.b[x]}").unwrap_err(),
            "'${a.b[x]}' is not a valid reference: an index must be a whole number, like [0] or [-1]"
        );
        assert_eq!(
            references("${a").unwrap_err(),
            "'${a': '${' without a closing '}'"
        );
    }
}
