//! Prices: minor units inside, `"12.99 USD"` in feeds and batches, `"$12.99"` when read back.

use crate::model::{currency_exponent, format_major};

/// `"12.99 USD"` (or `"12.99USD"`, `"USD 12.99"`) → (1299, "USD").
pub fn parse_feed_price(s: &str) -> Option<(i64, String)> {
    let s = s.trim();
    let (amount, currency) = match s.rsplit_once(' ') {
        Some((a, c)) if c.len() == 3 && c.chars().all(|c| c.is_ascii_alphabetic()) => (a.trim(), c),
        _ => match s.split_once(' ') {
            Some((c, a)) if c.len() == 3 && c.chars().all(|c| c.is_ascii_alphabetic()) => {
                (a.trim(), c)
            }
            // A glued code ("12.99USD"): the last three characters, split on a char boundary
            // whatever comes before them ("€12" has no code and must not be cut inside "€").
            _ => match s.char_indices().rev().nth(2) {
                Some((at, _)) if at > 0 && s[at..].chars().all(|c| c.is_ascii_alphabetic()) => {
                    (s[..at].trim(), &s[at..])
                }
                _ => return None,
            },
        },
    };
    let currency = currency.to_ascii_uppercase();
    Some((parse_major(amount, &currency)?, currency))
}

/// `"12.99"` in `currency` → minor units.
pub fn parse_major(amount: &str, currency: &str) -> Option<i64> {
    let amount = amount.replace(',', "");
    let exp = currency_exponent(currency) as usize;
    let (whole, frac) = amount.split_once('.').unwrap_or((&amount, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > exp
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac_val: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<exp$}").parse().ok()?
    };
    whole
        .checked_mul(10i64.pow(exp as u32))?
        .checked_add(frac_val)
}

fn symbol(currency: &str) -> Option<&'static str> {
    Some(match currency {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "INR" => "₹",
        "BRL" => "R$",
        "JPY" => "¥",
        "MXN" => "MX$",
        "CAD" => "CA$",
        "AUD" => "A$",
        "IDR" => "Rp",
        "NGN" => "₦",
        _ => return None,
    })
}

/// The read-side price string: `"$12.99"`, `"₹1,210.00"`; `"12.99 XYZ"` without a known symbol.
pub fn format_price(minor: i64, currency: &str) -> String {
    let major = format_major(minor, currency);
    match symbol(currency) {
        Some(sym) => {
            let (whole, frac) = major
                .split_once('.')
                .map_or((major.as_str(), None), |(w, f)| (w, Some(f)));
            let (sign, digits) = whole.strip_prefix('-').map_or(("", whole), |d| ("-", d));
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            match frac {
                Some(f) => format!("{sign}{sym}{grouped}.{f}"),
                None => format!("{sign}{sym}{grouped}"),
            }
        }
        None => format!("{major} {currency}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_prices() {
        assert_eq!(parse_feed_price("12.99 USD"), Some((1299, "USD".into())));
        assert_eq!(parse_feed_price("12 usd"), Some((1200, "USD".into())));
        assert_eq!(
            parse_feed_price("1,210.00 INR"),
            Some((121_000, "INR".into()))
        );
        assert_eq!(parse_feed_price("1500 JPY"), Some((1500, "JPY".into())));
        assert_eq!(parse_feed_price("12.999 USD"), None);
        assert_eq!(parse_feed_price("twelve USD"), None);
        assert_eq!(parse_feed_price("12.99"), None);
        assert_eq!(parse_feed_price("12.99USD"), Some((1299, "USD".into())));
    }

    #[test]
    fn non_ascii_prices_are_refused_not_a_panic() {
        for s in [
            "€12",
            "1€2",
            "€5",
            "12€",
            "€",
            "12 €UR",
            "１２ USD",
            "12.99 ÜSD",
            "€€€€",
        ] {
            assert_eq!(parse_feed_price(s), None, "{s}");
        }
        assert_eq!(parse_major("1€2", "USD"), None);
        assert_eq!(parse_major("€", "EUR"), None);
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_is_refused(s in "\\PC{0,24}") {
            let _ = parse_feed_price(&s);
            let _ = parse_major(&s, "USD");
        }

        #[test]
        fn every_price_reads_back(minor in 0i64..1_000_000_000_000, cur in "(USD|EUR|INR|JPY|XYZ)") {
            let text = format!("{} {cur}", crate::model::format_major(minor, &cur));
            proptest::prop_assert_eq!(parse_feed_price(&text), Some((minor, cur.clone())));
        }
    }

    #[test]
    fn read_side_prices() {
        assert_eq!(format_price(1299, "USD"), "$12.99");
        assert_eq!(format_price(500, "USD"), "$5.00");
        assert_eq!(format_price(121_000, "INR"), "₹1,210.00");
        assert_eq!(format_price(123_456_789, "USD"), "$1,234,567.89");
        assert_eq!(format_price(1500, "JPY"), "¥1,500");
        assert_eq!(format_price(1299, "XYZ"), "12.99 XYZ");
    }
}
