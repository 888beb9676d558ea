//! Amounts of money and payment deadlines, pulled out of the text as evidence for history
//! and reports ("30,000 JPY within 48 hours") and as the deadline claim family.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

/// A sum of money named in the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Amount {
    pub value: f64,
    /// ISO 4217 code, or BTC.
    pub currency: &'static str,
    pub text: String,
}

/// A time limit named in the text, in hours.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deadline {
    pub hours: u32,
    pub text: String,
}

static AMOUNT_AFTER_SYMBOL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(US\$|\$|USD|€|EUR|£|GBP|¥|JPY) ?([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")
        .expect("amount pattern compiles")
});

static AMOUNT_BEFORE_UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))? ?(万円|円|米ドル|ドル|ユーロ|USD|US dollars?|dollars?|\$|€|EUR|euros?|BTC|bitcoins?)(?:[^a-z]|$)",
    )
    .expect("amount pattern compiles")
});

static DEADLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)([0-9]{1,3}) ?(?:- ?)?(hours?|hrs?|business days?|working days?|days?|時間|営業日|日以内|日間|stunden|tage[n]?|horas|dias)(?:[^a-z]|$)",
    )
    .expect("deadline pattern compiles")
});

/// Every amount of money in `text`.
pub fn find_amounts(text: &str) -> Vec<Amount> {
    let mut amounts = Vec::new();
    let mut symbols_read = Vec::new();
    for caps in AMOUNT_AFTER_SYMBOL.captures_iter(text) {
        let (Some(symbol), Some(whole)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        symbols_read.push(symbol.start());
        let currency = currency_code(symbol.as_str());
        let value = number(whole.as_str(), caps.get(3).map(|m| m.as_str()));
        amounts.push(Amount { value, currency, text: caps.get(0).map_or("", |m| m.as_str()).to_string() });
    }
    for caps in AMOUNT_BEFORE_UNIT.captures_iter(text) {
        let (Some(whole), Some(unit)) = (caps.get(1), caps.get(3)) else {
            continue;
        };
        // In "$100 $200" the second dollar sign belongs to 200, not to 100.
        if symbols_read.contains(&unit.start()) {
            continue;
        }
        let mut value = number(whole.as_str(), caps.get(2).map(|m| m.as_str()));
        if unit.as_str() == "万円" {
            value *= 10_000.0;
        }
        let text = text.get(whole.start()..unit.end()).unwrap_or_default().to_string();
        amounts.push(Amount { value, currency: currency_code(unit.as_str()), text });
    }
    amounts
}

/// Every time limit in `text` ("48 hours", "2 days", "5日以内", "2営業日").
pub fn find_deadlines(text: &str) -> Vec<Deadline> {
    DEADLINE
        .captures_iter(text)
        .filter_map(|caps| {
            let count: u32 = caps.get(1)?.as_str().parse().ok()?;
            let unit = caps.get(2)?.as_str().to_lowercase();
            let hours_per =
                if unit.starts_with('h') || unit.starts_with("st") || unit == "時間" { 1 } else { 24 };
            let whole = caps.get(0)?;
            let text = text.get(whole.start()..caps.get(2)?.end())?.to_string();
            (count > 0).then_some(Deadline { hours: count.saturating_mul(hours_per), text })
        })
        .collect()
}

fn number(whole: &str, fraction: Option<&str>) -> f64 {
    let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
    let text = match fraction {
        Some(f) => format!("{digits}.{f}"),
        None => digits,
    };
    text.parse().unwrap_or(0.0)
}

fn currency_code(symbol: &str) -> &'static str {
    let lower = symbol.to_lowercase();
    match lower.as_str() {
        "$" | "us$" | "usd" | "ドル" | "米ドル" => "USD",
        "€" | "eur" | "ユーロ" => "EUR",
        "£" | "gbp" => "GBP",
        "¥" | "jpy" | "円" | "万円" => "JPY",
        "btc" => "BTC",
        other if other.starts_with("bitcoin") => "BTC",
        other if other.starts_with("euro") => "EUR",
        other if other.contains("dollar") => "USD",
        _ => "XXX",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_english_and_japanese_notation() {
        let amounts = find_amounts("pay $1,500 or 2000 USD, 0.05 BTC, 3万円, ¥30,000, 399 € or 1200$ now");
        let pairs: Vec<(f64, &str)> = amounts.iter().map(|a| (a.value, a.currency)).collect();
        let expected = [
            (1500.0, "USD"),
            (2000.0, "USD"),
            (0.05, "BTC"),
            (30000.0, "JPY"),
            (399.0, "EUR"),
            (1200.0, "USD"),
        ];
        for expected in expected {
            assert!(pairs.contains(&expected), "{expected:?} missing from {pairs:?}");
        }
    }

    #[test]
    fn deadlines_are_converted_to_hours() {
        let hours: Vec<u32> = find_deadlines("within 48 hours, 2 days, 5日以内, 2営業日, 50時間")
            .iter()
            .map(|d| d.hours)
            .collect();
        assert_eq!(hours, [48, 48, 120, 48, 50]);
    }

    #[test]
    fn a_symbol_is_read_once() {
        let values: Vec<f64> = find_amounts("send $100 $200 now").iter().map(|a| a.value).collect();
        assert_eq!(values, [100.0, 200.0]);
    }

    #[test]
    fn plain_numbers_are_neither() {
        assert!(find_amounts("version 2.4 released with 300 fixes").is_empty());
        assert!(find_deadlines("chapter 12 of 300").is_empty());
    }
}
