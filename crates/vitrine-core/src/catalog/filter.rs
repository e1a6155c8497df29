//! Meta's product filter rules (`filter={"retailer_id":{"eq":"sku-1"}}`, `{"and":[...]}`,
//! `{"or":[...]}`), evaluated against a product. Operators: eq, neq, lt, lte, gt, gte, contains,
//! i_contains, not_contains, i_not_contains, starts_with, i_starts_with, is_any, is_not_any.

use crate::error::ApiError;
use crate::model::Product;
use serde_json::Value;

/// A parsed rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    And(Vec<Rule>),
    Or(Vec<Rule>),
    Field { field: String, op: Op, value: Value },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    Contains,
    IContains,
    NotContains,
    INotContains,
    StartsWith,
    IStartsWith,
    IsAny,
    IsNotAny,
}

const FIELDS: &[&str] = &[
    "id",
    "retailer_id",
    "name",
    "description",
    "price",
    "sale_price",
    "currency",
    "availability",
    "condition",
    "brand",
    "category",
    "visibility",
    "review_status",
    "inventory",
    "url",
    "image_url",
];

fn bad(details: String) -> ApiError {
    ApiError::invalid_param(details).graph_scope()
}

fn op(name: &str) -> Option<Op> {
    Some(match name {
        "eq" => Op::Eq,
        "neq" => Op::Neq,
        "lt" => Op::Lt,
        "lte" => Op::Lte,
        "gt" => Op::Gt,
        "gte" => Op::Gte,
        "contains" => Op::Contains,
        "i_contains" => Op::IContains,
        "not_contains" => Op::NotContains,
        "i_not_contains" => Op::INotContains,
        "starts_with" => Op::StartsWith,
        "i_starts_with" => Op::IStartsWith,
        "is_any" => Op::IsAny,
        "is_not_any" => Op::IsNotAny,
        _ => return None,
    })
}

/// Parses a filter given as JSON (or a JSON string).
pub fn parse(v: &Value) -> Result<Rule, ApiError> {
    let v = match v {
        Value::String(s) => {
            serde_json::from_str(s).map_err(|e| bad(format!("filter: invalid JSON: {e}")))?
        }
        other => other.clone(),
    };
    parse_value(&v, 0)
}

fn parse_value(v: &Value, depth: usize) -> Result<Rule, ApiError> {
    if depth > 16 {
        return Err(bad("filter: nested too deeply".into()));
    }
    let Value::Object(map) = v else {
        return Err(bad("filter: a rule must be a JSON object".into()));
    };
    let mut rules = vec![];
    for (k, v) in map {
        match k.as_str() {
            "and" | "or" => {
                let Value::Array(items) = v else {
                    return Err(bad(format!("filter: {k} takes a list of rules")));
                };
                let inner = items
                    .iter()
                    .map(|i| parse_value(i, depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                rules.push(if k == "and" {
                    Rule::And(inner)
                } else {
                    Rule::Or(inner)
                });
            }
            field if FIELDS.contains(&field) => {
                let Value::Object(ops) = v else {
                    return Err(bad(format!(
                        "filter: {field} takes an operator object, like {{\"eq\": ...}}"
                    )));
                };
                for (name, value) in ops {
                    let op =
                        op(name).ok_or_else(|| bad(format!("filter: unknown operator {name}")))?;
                    if matches!(op, Op::IsAny | Op::IsNotAny) && !value.is_array() {
                        return Err(bad(format!("filter: {name} takes a list")));
                    }
                    rules.push(Rule::Field {
                        field: field.to_owned(),
                        op,
                        value: value.clone(),
                    });
                }
            }
            other => return Err(bad(format!("filter: unknown field {other}"))),
        }
    }
    Ok(if rules.len() == 1 {
        rules.remove(0)
    } else {
        Rule::And(rules)
    })
}

enum Val {
    Num(f64),
    Text(String),
    Null,
}

fn value_of(p: &Product, field: &str) -> Val {
    let text = |s: &str| Val::Text(s.to_owned());
    match field {
        "id" => text(p.id.as_str()),
        "retailer_id" => text(p.retailer_id.as_str()),
        "name" => text(&p.name),
        "description" => text(&p.description),
        "price" => Val::Num(p.price as f64),
        "sale_price" => p.sale_price.map_or(Val::Null, |s| Val::Num(s as f64)),
        "currency" => text(&p.currency),
        "availability" => text(p.availability.as_str()),
        "condition" => text(&p.condition),
        "brand" => p.brand.as_deref().map_or(Val::Null, text),
        "category" => p.category.as_deref().map_or(Val::Null, text),
        "visibility" => text(p.visibility.as_str()),
        "review_status" => text(p.review_status.as_str()),
        "inventory" => p.inventory.map_or(Val::Null, |i| Val::Num(i as f64)),
        "url" => p.url.as_deref().map_or(Val::Null, text),
        "image_url" => text(&p.image_url),
        _ => Val::Null,
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn as_num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn equals(actual: &Val, expected: &Value) -> bool {
    match actual {
        Val::Num(n) => as_num(expected) == Some(*n),
        Val::Text(t) => *t == as_text(expected),
        Val::Null => expected.is_null(),
    }
}

impl Rule {
    pub fn matches(&self, p: &Product) -> bool {
        match self {
            Rule::And(rules) => rules.iter().all(|r| r.matches(p)),
            Rule::Or(rules) => rules.iter().any(|r| r.matches(p)),
            Rule::Field { field, op, value } => {
                let actual = value_of(p, field);
                let text = match &actual {
                    Val::Text(t) => t.clone(),
                    Val::Num(n) => n.to_string(),
                    Val::Null => String::new(),
                };
                let needle = as_text(value);
                let cmp = |f: fn(f64, f64) -> bool| match (&actual, as_num(value)) {
                    (Val::Num(a), Some(b)) => f(*a, b),
                    (Val::Text(a), _) => f(a.as_str().cmp(needle.as_str()) as i32 as f64, 0.0),
                    _ => false,
                };
                match op {
                    Op::Eq => equals(&actual, value),
                    Op::Neq => !equals(&actual, value),
                    Op::Lt => cmp(|a, b| a < b),
                    Op::Lte => cmp(|a, b| a <= b),
                    Op::Gt => cmp(|a, b| a > b),
                    Op::Gte => cmp(|a, b| a >= b),
                    Op::Contains => text.contains(&needle),
                    Op::IContains => text.to_lowercase().contains(&needle.to_lowercase()),
                    Op::NotContains => !text.contains(&needle),
                    Op::INotContains => !text.to_lowercase().contains(&needle.to_lowercase()),
                    Op::StartsWith => text.starts_with(&needle),
                    Op::IStartsWith => text.to_lowercase().starts_with(&needle.to_lowercase()),
                    Op::IsAny => value
                        .as_array()
                        .is_some_and(|a| a.iter().any(|v| equals(&actual, v))),
                    Op::IsNotAny => value
                        .as_array()
                        .is_some_and(|a| !a.iter().any(|v| equals(&actual, v))),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules() {
        let demo = crate::seed::demo("http://x");
        let by = |f: Value| -> Vec<String> {
            let rule = parse(&f).unwrap();
            demo.products
                .iter()
                .filter(|p| rule.matches(p))
                .map(|p| p.retailer_id.to_string())
                .collect()
        };
        assert_eq!(
            by(json!({"retailer_id": {"eq": "gift-card-25"}})),
            vec!["gift-card-25"]
        );
        assert_eq!(
            by(json!(r#"{"retailer_id":{"eq":"gift-card-25"}}"#)),
            vec!["gift-card-25"]
        );
        assert_eq!(by(json!({"availability": {"eq": "out of stock"}})).len(), 2);
        assert_eq!(
            by(json!({"and": [{"category": {"eq": "Coffee"}}, {"price": {"lt": 1400}}]})),
            vec!["beans-house-blend-250g", "beans-decaf-250g"]
        );
        assert_eq!(by(json!({"or": [{"retailer_id": {"starts_with": "tee-"}}, {"name": {"i_contains": "HOODIE"}}]})).len(), 3);
        assert_eq!(
            by(json!({"retailer_id": {"is_any": ["gift-card-25", "nope"]}})),
            vec!["gift-card-25"]
        );
        assert!(parse(&json!({"colour": {"eq": "x"}})).is_err());
        assert!(parse(&json!({"name": {"like": "x"}})).is_err());
        assert!(parse(&json!("{oops")).is_err());
    }
}
