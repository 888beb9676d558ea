//! What the report calls the things it counts, in each language (pure, data as tables):
//! the kinds of threat, the coins, the period and its days, and sums of money in the way
//! each currency is written (`¥150,000`, `$1,700`, `€1,234.50`, `0.05 BTC`), never
//! `150000.00 JPY`.
//!
//! What comes from the database (a category or coin this version does not know, a
//! currency code) is shown as it is, escaped by the caller.

use std::borrow::Cow;

use chrono::Datelike;

use super::render::Lang;
use super::weekly::Period;
use crate::clock;

/// A word in English and in Japanese, under the key the store records.
struct Named {
    key: &'static str,
    en: &'static str,
    ja: &'static str,
}

impl Named {
    fn in_lang(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Ja => self.ja,
        }
    }
}

/// The categories a threat is recorded under (`store::Category`).
const CATEGORIES: &[Named] = &[
    Named { key: "extortion", en: "Extortion (sextortion)", ja: "脅迫（セクストーション）" },
    Named { key: "phishing", en: "Phishing", ja: "フィッシング" },
    Named { key: "malware", en: "Malware", ja: "マルウェア" },
    Named { key: "other", en: "Other spam", ja: "その他の迷惑メール" },
];

/// The coins a payment address is recorded under (`detect::wallet::Coin`).
const COINS: &[Named] = &[
    Named { key: "bitcoin", en: "Bitcoin", ja: "ビットコイン" },
    Named { key: "litecoin", en: "Litecoin", ja: "ライトコイン" },
    Named { key: "ethereum", en: "Ethereum", ja: "イーサリアム" },
    Named { key: "monero", en: "Monero", ja: "モネロ" },
];

fn lookup<'a>(table: &[Named], key: &'a str, lang: Lang) -> Cow<'a, str> {
    table.iter().find(|n| n.key == key).map_or(Cow::Borrowed(key), |n| Cow::Borrowed(n.in_lang(lang)))
}

/// A threat category's name (`extortion` → 脅迫（セクストーション）).
pub fn category(key: &str, lang: Lang) -> Cow<'_, str> {
    lookup(CATEGORIES, key, lang)
}

/// A coin's name (`bitcoin` → ビットコイン).
pub fn coin(key: &str, lang: Lang) -> Cow<'_, str> {
    lookup(COINS, key, lang)
}

/// "3 mails" / "1 mail" / "3 通".
pub fn mails(count: u32, lang: Lang) -> String {
    match (lang, count) {
        (Lang::En, 1) => "1 mail".to_string(),
        (Lang::En, n) => format!("{n} mails"),
        (Lang::Ja, n) => format!("{n} 通"),
    }
}

/// The period's name: its ISO week ("2026-W47", 2026年第47週) or, for another span, its
/// label in English and its days in Japanese.
pub fn period(period: &Period, lang: Lang) -> String {
    match lang {
        Lang::En => period.label.clone(),
        Lang::Ja => match Period::iso_week(&period.label) {
            Ok(week) if week == *period => {
                let (year, number) = period.label.split_once("-W").unwrap_or_default();
                format!("{year}年第{}週", number.trim_start_matches('0'))
            }
            _ => format!("{}〜{}", date(period.start, lang), date(period.end - 1, lang)),
        },
    }
}

/// A day: 2026-11-16, or 2026年11月16日（月）.
pub fn date(unix: i64, lang: Lang) -> String {
    match lang {
        Lang::En => clock::day_string(unix),
        Lang::Ja => {
            let day = clock::utc(unix).date_naive();
            format!("{}年{}月{}日（{}）", day.year(), day.month(), day.day(), weekday_ja(day.weekday()))
        }
    }
}

/// A day of the per-day chart, given as "2026-11-16": as it is, or 11月16日（月）.
pub fn chart_day(day: &str, lang: Lang) -> Cow<'_, str> {
    match (lang, chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")) {
        (Lang::Ja, Ok(date)) => {
            Cow::Owned(format!("{}月{}日（{}）", date.month(), date.day(), weekday_ja(date.weekday())))
        }
        _ => Cow::Borrowed(day),
    }
}

fn weekday_ja(day: chrono::Weekday) -> &'static str {
    ["月", "火", "水", "木", "金", "土", "日"].get(day.num_days_from_monday() as usize).copied().unwrap_or("")
}

/// How a currency's sums are written.
struct Currency {
    code: &'static str,
    symbol: &'static str,
    /// The symbol before the number (`$1,700`) or after it (`0.05 BTC`).
    before: bool,
    /// Digits after the point at most; none are written for a whole sum, and trailing
    /// zeros are dropped (`$1,700`, `$1,700.50`, `0.05 BTC`).
    decimals: usize,
}

/// The currencies the money rules recognise (`detect::money`).
const CURRENCIES: &[Currency] = &[
    Currency { code: "JPY", symbol: "¥", before: true, decimals: 0 },
    Currency { code: "USD", symbol: "$", before: true, decimals: 2 },
    Currency { code: "EUR", symbol: "€", before: true, decimals: 2 },
    Currency { code: "GBP", symbol: "£", before: true, decimals: 2 },
    Currency { code: "BTC", symbol: " BTC", before: false, decimals: 8 },
];

/// A sum of money as its currency is written: `¥150,000`, `$1,700`, `0.05 BTC`; a
/// currency not in the table as `1,234.5 XYZ` (its code as recorded: escape it).
pub fn money(code: &str, value: f64) -> String {
    match CURRENCIES.iter().find(|c| c.code == code) {
        Some(c) if c.before => format!("{}{}", c.symbol, number(value, c.decimals)),
        Some(c) => format!("{}{}", number(value, c.decimals), c.symbol),
        None => format!("{} {code}", number(value, 2)),
    }
}

/// `value` with at most `decimals` digits after the point (trailing zeros dropped) and
/// its whole part grouped by thousands with commas.
fn number(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "?".to_string();
    }
    let fixed = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = fixed.split_once('.').unwrap_or((fixed.as_str(), ""));
    let fraction = fraction.trim_end_matches('0');
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if value < 0.0 && fixed.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    if fraction.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped}.{fraction}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_written_as_their_currency_is() {
        assert_eq!(money("JPY", 150_000.0), "¥150,000");
        assert_eq!(money("JPY", 1_234.6), "¥1,235", "yen has no smaller unit");
        assert_eq!(money("USD", 1_700.0), "$1,700");
        assert_eq!(money("USD", 1_700.5), "$1,700.5");
        assert_eq!(money("USD", 999.999), "$1,000");
        assert_eq!(money("EUR", 1_234.25), "€1,234.25");
        assert_eq!(money("GBP", 12.0), "£12");
        assert_eq!(money("BTC", 0.05), "0.05 BTC");
        assert_eq!(money("BTC", 1.234_567_891), "1.23456789 BTC");
        assert_eq!(money("XYZ", 1_234_567.0), "1,234,567 XYZ");
        assert_eq!(money("USD", f64::NAN), "$?");
        assert_eq!(money("USD", 0.0), "$0");
        assert_eq!(money("USD", -5.0), "$-5");
    }

    #[test]
    fn kinds_and_coins_are_named_in_each_language() {
        assert_eq!(category("extortion", Lang::Ja), "脅迫（セクストーション）");
        assert_eq!(category("phishing", Lang::En), "Phishing");
        assert_eq!(category("new-kind", Lang::Ja), "new-kind", "unknown keys as recorded");
        assert_eq!(coin("bitcoin", Lang::Ja), "ビットコイン");
        assert_eq!(
            (mails(1, Lang::En), mails(3, Lang::En), mails(3, Lang::Ja)),
            ("1 mail".into(), "3 mails".into(), "3 通".into())
        );
        for table in [CATEGORIES, COINS] {
            assert!(table.iter().all(|n| !n.ja.is_ascii()), "every Japanese name is Japanese");
        }
    }

    #[test]
    fn periods_and_days_are_named_in_japanese() {
        let week = Period::iso_week("2026-W07").expect("a week");
        assert_eq!(period(&week, Lang::Ja), "2026年第7週");
        assert_eq!(period(&week, Lang::En), "2026-W07");
        let since = Period { label: "since 7d".into(), ..week.clone() };
        assert_eq!(period(&since, Lang::Ja), "2026年2月9日（月）〜2026年2月15日（日）");
        assert_eq!(date(week.start, Lang::En), "2026-02-09");
        assert_eq!(chart_day("2026-11-16", Lang::Ja), "11月16日（月）");
        assert_eq!(chart_day("2026-11-16", Lang::En), "2026-11-16");
        assert_eq!(chart_day("garbage", Lang::Ja), "garbage");
    }
}
