//! Amounts of money and payment deadlines, pulled out of the text as evidence for history
//! and reports ("30,000 JPY within 48 hours") and as the deadline claim family.

use std::cell::OnceCell;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::sieve::{self, AnchoredAt};

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

/// A number as amounts write it: "1,500", "1500" or "0.05", its whole part as group 1 and
/// its fraction as group 2. At most six thousands groups (a quintillion): no sum is
/// larger, and an unbounded run would be read again from every group's start, so
/// "1,111,111,…" thousands of groups long would cost the square of its length. Written
/// once for both patterns below, so the bound cannot differ between them.
const NUMBER_PATTERN: &str = r"([0-9]{1,3}(?:,[0-9]{3}){1,6}|[0-9]+)(?:\.([0-9]+))?";

/// A number at the start ("$" and the other signs written before it are found apart).
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^{NUMBER_PATTERN}")).expect("number pattern compiles"));

/// A number followed by its currency ("1,500円", "2000 USD", "1200$").
static AMOUNT_BEFORE_UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^{NUMBER_PATTERN} ?(万円|円|米ドル|ドル|ユーロ|USD|US dollars?|dollars?|\$|€|EUR|euros?|BTC|bitcoins?)(?:[^a-z]|$)"
    ))
    .expect("amount pattern compiles")
});

/// A count of hours or days ("48 hours", "5日以内"). A bare "N日" is a date ("11月3日")
/// as often as a span, and "N日後" a delivery as often as a threat, so "N日" counts only
/// after [`SPAN_LEAD_INS`].
static DEADLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^([0-9]{1,3}) ?(?:- ?)?(hours?|hrs?|business days?|working days?|days?|時間|営業日|日以内|日間|日|stunden|tage[n]?|horas|dias)(?:[^a-z]|$)",
    )
    .expect("deadline pattern compiles")
});

/// Words right before a bare "N日" that make it a span rather than a day of the month:
/// "期限は2日", "あと2日", "残り2日", "猶予は2日".
const SPAN_LEAD_INS: [&str; 6] = ["期限は", "期限:", "期限：", "あと", "残り", "猶予は"];

/// Currency signs and codes written before a number, longest first so "US$" is read
/// whole rather than as "$".
const SYMBOLS_BEFORE: [&str; 9] = ["US$", "USD", "EUR", "GBP", "JPY", "$", "€", "£", "¥"];

/// The currency sign or code written right before byte `at` (one space allowed between),
/// with the offset it starts at.
fn symbol_before(text: &str, at: usize) -> Option<(&str, usize)> {
    let before = text.get(..at)?;
    let before = before.strip_suffix(' ').unwrap_or(before);
    SYMBOLS_BEFORE.iter().find_map(|symbol| {
        let start = before.len().checked_sub(symbol.len())?;
        let written = before.get(start..)?;
        written.eq_ignore_ascii_case(symbol).then_some((written, start))
    })
}

/// Where the numbers of one text start (a digit after a non-digit), found once for both
/// amounts and deadlines. Both begin with a number or sit right after one, and digits are
/// rare in prose, so their patterns are tried only there instead of over every byte.
pub struct Numbers<'t> {
    text: &'t str,
    starts: Vec<usize>,
    /// The amounts, read on first request: rules and the verdict's evidence ask for them.
    amounts: OnceCell<Vec<Amount>>,
}

impl<'t> Numbers<'t> {
    pub fn find(text: &'t str) -> Self {
        // Most blocks of prose hold no digit at all; those are passed after one test.
        let starts = sieve::spots_beside(
            text.as_bytes(),
            |byte| byte.is_ascii_digit(),
            |previous, byte| byte.is_ascii_digit() & !previous.is_ascii_digit(),
        )
        .collect();
        Numbers { text, starts, amounts: OnceCell::new() }
    }

    /// Every amount of money: a sign or code before a number ("$1,500"), then a number
    /// before its unit ("30,000円").
    pub fn amounts(&self) -> &[Amount] {
        self.amounts.get_or_init(|| self.read_amounts())
    }

    fn read_amounts(&self) -> Vec<Amount> {
        let text = self.text;
        let mut amounts = Vec::new();
        let mut symbols_read = Vec::new();
        let mut number_at = AnchoredAt::new(&NUMBER, text);
        for &start in &self.starts {
            let Some((symbol, symbol_start)) = symbol_before(text, start) else {
                continue;
            };
            let (Some(end), Some((_, whole))) = (number_at.try_at(start), number_at.group(1)) else {
                continue;
            };
            symbols_read.push(symbol_start);
            let Some(value) = number(whole, number_at.group(2).map(|(_, fraction)| fraction)) else {
                continue;
            };
            let text = text.get(symbol_start..end).unwrap_or_default();
            amounts.push(Amount { value, currency: currency_code(symbol), text: text.to_string() });
        }
        self.each_match(&AMOUNT_BEFORE_UNIT, |start, found| {
            let (Some((_, whole)), Some((unit_start, unit))) = (found.group(1), found.group(3)) else {
                return;
            };
            // In "$100 $200" the second dollar sign belongs to 200, not to 100.
            // The starts were read in ascending order: a binary search keeps a text of
            // thousands of signs linear.
            if symbols_read.binary_search(&unit_start).is_ok() {
                return;
            }
            let Some(mut value) = number(whole, found.group(2).map(|(_, fraction)| fraction)) else {
                return;
            };
            if unit == "万円" {
                value *= 10_000.0;
            }
            let text = text.get(start..unit_start + unit.len()).unwrap_or_default().to_string();
            amounts.push(Amount { value, currency: currency_code(unit), text });
        });
        amounts
    }

    /// Every time limit ("48 hours", "2 days", "5日以内", "2営業日").
    pub fn deadlines(&self) -> Vec<Deadline> {
        let mut deadlines = Vec::new();
        self.each_match(&DEADLINE, |start, found| {
            let (Some((_, count)), Some((unit_start, unit))) = (found.group(1), found.group(2)) else {
                return;
            };
            let Ok(count) = count.parse::<u32>() else { return };
            if unit == "日" {
                let before = self.text.get(..start).unwrap_or_default().trim_end();
                if !SPAN_LEAD_INS.iter().any(|lead_in| before.ends_with(lead_in)) {
                    return;
                }
            }
            let lower = unit.to_lowercase();
            let hours_per =
                if lower.starts_with('h') || lower.starts_with("st") || lower == "時間" { 1 } else { 24 };
            if count > 0 {
                let text = self.text.get(start..unit_start + unit.len()).unwrap_or_default().to_string();
                deadlines.push(Deadline { hours: count.saturating_mul(hours_per), text });
            }
        });
        deadlines
    }

    /// Hands `read` each match of the `^`-anchored `pattern` at a number start, left to
    /// right, with the start; a match never begins inside the one before, as in a regex's
    /// own left-to-right search.
    fn each_match(&self, pattern: &'static Regex, mut read: impl FnMut(usize, &AnchoredAt<'t>)) {
        let mut found = AnchoredAt::new(pattern, self.text);
        let mut read_up_to = 0;
        for &start in &self.starts {
            if start < read_up_to {
                continue;
            }
            if let Some(end) = found.try_at(start) {
                read_up_to = end;
                read(start, &found);
            }
        }
    }
}

/// The most digits a sum's whole part has: as many as [`NUMBER_PATTERN`] reads with
/// commas, six thousands groups and up to three before them (under a sextillion). A longer
/// run is a code or an ID, and four hundred nines would read as infinity, which is larger
/// than any fortune a rule asks for.
const MAX_WHOLE_DIGITS: usize = 21;

/// The value of a number read as `whole` (digits and thousands commas) and `fraction`,
/// or `None` when the whole part is too long to be a sum.
fn number(whole: &str, fraction: Option<&str>) -> Option<f64> {
    let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
    if digits.len() > MAX_WHOLE_DIGITS {
        return None;
    }
    let text = match fraction {
        Some(f) => format!("{digits}.{f}"),
        None => digits,
    };
    Some(text.parse().unwrap_or(0.0))
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
        let numbers = Numbers::find("pay $1,500 or 2000 USD, 0.05 BTC, 3万円, ¥30,000, 399 € or 1200$ now");
        let amounts = numbers.amounts();
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
        let hours: Vec<u32> = Numbers::find("within 48 hours, 2 days, 5日以内, 2営業日, 50時間")
            .deadlines()
            .iter()
            .map(|d| d.hours)
            .collect();
        assert_eq!(hours, [48, 48, 120, 48, 50]);
    }

    #[test]
    fn a_bare_day_count_is_a_deadline_only_after_words_that_make_it_a_span() {
        let hours = |text: &str| Numbers::find(text).deadlines().iter().map(|d| d.hours).collect::<Vec<_>>();
        assert_eq!(hours("支払いの期限は2日です。"), [48]);
        assert_eq!(hours("あと 3日 で公開します"), [72]);
        assert!(hours("お届けは2日後の予定です").is_empty(), "a delivery date");
        assert!(hours("11月3日に会議があります").is_empty(), "a day of the month");
        assert!(hours("第2日目の資料").is_empty());
    }

    #[test]
    fn a_symbol_is_read_once() {
        let values: Vec<f64> =
            Numbers::find("send $100 $200 now").amounts().iter().map(|a| a.value).collect();
        assert_eq!(values, [100.0, 200.0]);
    }

    #[test]
    fn plain_numbers_are_neither() {
        assert!(Numbers::find("version 2.4 released with 300 fixes").amounts().is_empty());
        assert!(Numbers::find("chapter 12 of 300").deadlines().is_empty());
    }

    #[test]
    fn currencies_are_named_by_sign_code_or_word() {
        for (written, code) in [
            ("£", "GBP"),
            ("GBP", "GBP"),
            ("bitcoins", "BTC"),
            ("Bitcoin", "BTC"),
            ("euros", "EUR"),
            ("US dollars", "USD"),
            ("kr", "XXX"),
        ] {
            assert_eq!(currency_code(written), code, "{written}");
        }
    }

    #[test]
    fn man_yen_is_ten_thousand_yen_and_the_amount_quotes_its_unit() {
        let numbers = Numbers::find("送金額は30万円です");
        let amount = numbers.amounts().first().expect("an amount");
        assert_eq!((amount.value, amount.currency, amount.text.as_str()), (300_000.0, "JPY", "30万円"));
    }

    #[test]
    fn amounts_are_read_once_each_left_to_right() {
        let one = Numbers::find("pay 12,345円 now");
        assert_eq!(
            one.amounts().iter().map(|a| a.value).collect::<Vec<_>>(),
            [12_345.0],
            "no second amount inside"
        );
    }

    #[test]
    fn a_hostile_run_of_groups_or_signs_is_read_in_bounded_pieces() {
        // Thousands of groups with no unit name no sum; each start reads at most six groups
        // on (an unbounded group run read again from every start took seconds).
        let groups = format!("1{}", ",111".repeat(8_000));
        assert!(Numbers::find(&groups).amounts().is_empty());
        assert_eq!(Numbers::find("1,111 USD").amounts().first().map(|a| a.value), Some(1_111.0));
        let widest = "1,234,567,890,123,456,789 USD";
        assert_eq!(
            Numbers::find(widest).amounts().first().map(|a| a.value),
            Some(1.234_567_890_123_456_8e18)
        );
        // A run of digits longer than any sum is no amount, not an infinite one.
        for run in [format!("${}", "9".repeat(400)), format!("{} USD", "9".repeat(400))] {
            assert!(Numbers::find(&run).amounts().is_empty(), "{run}");
        }
        let longest = format!("${}", "9".repeat(MAX_WHOLE_DIGITS));
        let read = Numbers::find(&longest);
        assert!(matches!(read.amounts(), [one] if one.value.is_finite() && one.value <= 1e21));
        let grouped = "999,999,999,999,999,999,999 USD";
        assert_eq!(Numbers::find(grouped).amounts().len(), 1, "the widest number with commas is a sum");
        // Thousands of signs, each its own amount, each sign checked once.
        let signs = "$1 ".repeat(20_000);
        let amounts = Numbers::find(&signs);
        assert_eq!(amounts.amounts().len(), 20_000);
        assert!(amounts.amounts().iter().all(|a| a.value == 1.0 && a.currency == "USD"));
    }

    #[test]
    fn a_deadline_of_nothing_is_none_and_a_deadline_quotes_its_unit() {
        assert!(Numbers::find("within 0 hours").deadlines().is_empty());
        let one = Numbers::find("within 1 hour or else").deadlines();
        assert_eq!(one.iter().map(|d| (d.hours, d.text.as_str())).collect::<Vec<_>>(), [(1, "1 hour")]);
    }
}
