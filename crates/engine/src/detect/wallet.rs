//! Finds cryptocurrency payment addresses in normalised text, including the ones scammers
//! break up to slip past filters: split by spaces or line breaks, glued to kana, inside
//! 「」 or after a full-width colon (both already plain after normalisation).

use serde::Serialize;

use super::checksum::{base58check_version, bech32_segwit, is_base58, is_bech32};
use super::sieve;

/// Which coin an address belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Coin {
    Bitcoin,
    Litecoin,
    Ethereum,
    Monero,
}

/// A payment address found in the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WalletAddress {
    pub coin: Coin,
    /// The address with any splitting removed.
    pub address: String,
    /// True when a checksum proved it (Base58Check or bech32); Ethereum and Monero
    /// addresses are matched by shape only.
    pub checksum_valid: bool,
    /// True when it was written split up (spaces or line breaks inside it).
    pub split: bool,
}

/// Longest bech32 address we look for (P2WSH/Taproot on mainnet, with the `bc1` prefix).
const MAX_BECH32_LEN: usize = 63;
const MAX_BASE58_LEN: usize = 35;
const MIN_BASE58_LEN: usize = 26;
/// The most separator characters tolerated between two pieces of a split address.
const MAX_GAP: usize = 2;
/// A split is only followed once this many characters were read, so ordinary words
/// ("Let me know") are not strung together into a candidate.
const MIN_PIECE_BEFORE_GAP: usize = 4;
/// A Base58 address (its first character aside for L and M) carries a digit all but once
/// in 260; words strung together rarely do, and skipping them keeps the checksum work off
/// ordinary prose. More would cost real addresses: three digits missed about 3% of
/// Bitcoin's and 10% of Litecoin's.
const MIN_BASE58_DIGITS: usize = 1;
/// How far those digits can lie from the start: the longest address with a gap of
/// [`MAX_GAP`] after every character.
const BASE58_DIGIT_REACH: usize = MAX_BASE58_LEN * (1 + MAX_GAP);

/// Every payment address in `text`, checksum-verified ones first in order of appearance,
/// then (with `with_shapes`) matches by shape only. Each address is reported once.
pub fn find_wallets(text: &str, with_shapes: bool) -> Vec<WalletAddress> {
    let bytes = text.as_bytes();
    let mut verified: Vec<WalletAddress> = Vec::new();
    let mut shaped: Vec<WalletAddress> = Vec::new();
    let mut scratch = Collected::default();
    // Every address starts a word with bc1, ltc1, or 1, 3, L or M and a Base58 character
    // (the shape-only ones with 0x, or 4 or 8 and a digit, A or B). The sieve tests each
    // pair of bytes for such a beginning, which prose rarely has ("b" or "l" alone starts
    // words in every line), and reports the byte after it; whether a word starts there is
    // checked for the few it finds.
    let begins_address = |byte: u8, next: u8| {
        let bech32 = (((byte | 0x20) == b'b') & ((next | 0x20) == b'c'))
            | (((byte | 0x20) == b'l') & ((next | 0x20) == b't'));
        let base58 = ((byte == b'1') | (byte == b'3') | (byte == b'L') | (byte == b'M')) & is_base58(next);
        let ethereum = (byte == b'0') & (next == b'x');
        let monero =
            ((byte == b'4') | (byte == b'8')) & (next.is_ascii_digit() | (next == b'A') | (next == b'B'));
        bech32 | base58 | (with_shapes & (ethereum | monero))
    };
    let starts_word = |start: usize| {
        start.checked_sub(1).and_then(|p| bytes.get(p)).is_none_or(|b| !b.is_ascii_alphanumeric())
    };
    let mut seconds = sieve::spots(bytes, begins_address);
    while let Some(second) = seconds.next() {
        let Some(start) = second.checked_sub(1).filter(|&start| starts_word(start)) else { continue };
        if let Some((wallet, end)) = verified_at(bytes, start, &mut scratch) {
            add_once(&mut verified, wallet);
            // Past the address: its next byte pairs with the one after it.
            seconds.skip_to(end + 1);
        } else if with_shapes && let Some((coin, address)) = shape_at(text, start) {
            shaped.push(WalletAddress {
                coin,
                address: address.to_string(),
                checksum_valid: false,
                split: false,
            });
        }
    }
    for wallet in shaped {
        add_once(&mut verified, wallet);
    }
    verified
}

/// Adds `wallet` to `found` unless the same address is there already.
fn add_once(found: &mut Vec<WalletAddress>, wallet: WalletAddress) {
    if !found.iter().any(|w| w.address == wallet.address) {
        found.push(wallet);
    }
}

/// An address matched by its shape alone at byte `start`: Ethereum (0x and 40 hex
/// digits), Monero (95 Base58 characters after 4 or 8), or a Bitcoin address whose
/// checksum failed, which counts only where it stands apart as scam templates set it (after
/// a space, colon, `=`, `「` or `(`, and before a space, `」`, `)` or punctuation).
fn shape_at(text: &str, start: usize) -> Option<(Coin, &str)> {
    let bytes = text.as_bytes();
    let rest = bytes.get(start..)?;
    let run = |from: usize, accept: fn(u8) -> bool| {
        rest.get(from..).map_or(0, |r| r.iter().take_while(|&&b| accept(b)).count())
    };
    let is_word = |at: usize| rest.get(at).is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_');
    let after_underscore = start.checked_sub(1).and_then(|p| bytes.get(p)) == Some(&b'_');
    let word = |len: usize| text.get(start..start + len);

    if rest.starts_with(b"0x") {
        let len = 2 + run(2, |b| b.is_ascii_hexdigit());
        return (len == 42 && !is_word(len) && !after_underscore)
            .then(|| word(len))
            .flatten()
            .map(|w| (Coin::Ethereum, w));
    }
    if matches!(rest.first(), Some(b'4' | b'8')) {
        let second_fits = matches!(rest.get(1), Some(b'0'..=b'9' | b'A' | b'B'));
        let len = 2 + run(2, is_base58);
        return (second_fits && len == 95 && !is_word(len) && !after_underscore)
            .then(|| word(len))
            .flatten()
            .map(|w| (Coin::Monero, w));
    }
    let before = text.get(..start)?;
    if !(before.is_empty() || before.ends_with([' ', '\n', ':', '=', '「', '『', '('])) {
        return None;
    }
    let len = if rest.starts_with(b"bc1") {
        let data = run(3, is_bech32);
        (25..=60).contains(&data).then_some(3 + data)?
    } else if matches!(rest.first(), Some(b'1' | b'3')) {
        let data = run(1, is_base58);
        (25..=34).contains(&data).then_some(1 + data)?
    } else {
        return None;
    };
    let after = text.get(start + len..)?;
    let closed = after.is_empty() || after.starts_with([' ', '\n', '」', '』', ')', '.', ',']);
    closed.then(|| word(len)).flatten().map(|w| (Coin::Bitcoin, w))
}

/// Tries to read a checksum-valid address starting at byte `start`; returns it with the
/// byte offset just past it.
fn verified_at(bytes: &[u8], start: usize, scratch: &mut Collected) -> Option<(WalletAddress, usize)> {
    let rest = bytes.get(start..)?;
    let lower_prefix =
        |p: &[u8]| rest.len() >= p.len() && rest.get(..p.len()).is_some_and(|r| r.eq_ignore_ascii_case(p));
    if lower_prefix(b"bc1") || lower_prefix(b"ltc1") {
        let prefix_len = if lower_prefix(b"bc1") { 3 } else { 4 };
        collect(rest, prefix_len, MAX_BECH32_LEN, |c| is_bech32(c.to_ascii_lowercase()), scratch);
        let Collected { chars, ends } = &*scratch;
        let lowered: String = chars.iter().map(|c| c.to_ascii_lowercase() as char).collect();
        for len in [MAX_BECH32_LEN, 62, 43, 42] {
            let Some(candidate) = lowered.get(..len) else {
                continue;
            };
            if let Some((hrp, _, _)) = bech32_segwit(candidate) {
                let coin = if hrp == "bc" {
                    Coin::Bitcoin
                } else if hrp == "ltc" {
                    Coin::Litecoin
                } else {
                    continue;
                };
                return Some(finish(coin, candidate.to_string(), ends, len, start));
            }
        }
        return None;
    }
    let first = *rest.first()?;
    if !matches!(first, b'1' | b'3' | b'L' | b'M') {
        return None;
    }
    // Most words starting so are prose ("Meeting", "Let"): an address, even split, has
    // its digits within a few dozen bytes, so look for them before collecting.
    let reach = rest.get(..BASE58_DIGIT_REACH).unwrap_or(rest);
    if reach.iter().filter(|b| b.is_ascii_digit()).count() < MIN_BASE58_DIGITS {
        return None;
    }
    collect(rest, 0, MAX_BASE58_LEN, is_base58, scratch);
    let Collected { chars, ends } = &*scratch;
    if chars.len() < MIN_BASE58_LEN || chars.iter().filter(|c| c.is_ascii_digit()).count() < MIN_BASE58_DIGITS
    {
        return None;
    }
    for len in (MIN_BASE58_LEN..=chars.len().min(MAX_BASE58_LEN)).rev() {
        let candidate: String = chars.get(..len)?.iter().map(|&c| c as char).collect();
        // The version byte fixes the first character (0x00 is 1, 0x05 is 3, 0x30 L, 0x32 M).
        let coin = match base58check_version(&candidate) {
            Some(0x00 | 0x05) => Coin::Bitcoin,
            Some(0x30 | 0x32) => Coin::Litecoin,
            _ => continue,
        };
        return Some(finish(coin, candidate, ends, len, start));
    }
    None
}

fn finish(coin: Coin, address: String, ends: &[usize], len: usize, start: usize) -> (WalletAddress, usize) {
    let end = ends.get(len - 1).copied().unwrap_or(len);
    let split = end != len;
    (WalletAddress { coin, address, checksum_valid: true, split }, start + end)
}

/// Address characters read from the text, and for each the offset just past it; kept
/// between candidates so reading one allocates nothing.
#[derive(Default)]
struct Collected {
    chars: Vec<u8>,
    ends: Vec<usize>,
}

/// Reads up to `max` address characters from `bytes` into `into`, the first `prefix_len`
/// taken as they are, stepping over short runs of spaces between pieces.
fn collect(bytes: &[u8], prefix_len: usize, max: usize, accept: impl Fn(u8) -> bool, into: &mut Collected) {
    let Collected { chars, ends } = into;
    chars.clear();
    ends.clear();
    let mut i = 0;
    while chars.len() < max {
        let Some(&c) = bytes.get(i) else { break };
        if chars.len() < prefix_len || accept(c) {
            chars.push(c);
            ends.push(i + 1);
            i += 1;
            continue;
        }
        // Past the gap the next round takes the piece that resumes, or stops at what does not.
        let gap = bytes.get(i..).map_or(0, |r| r.iter().take_while(|b| **b == b' ' || **b == b'\n').count());
        if gap == 0 || gap > MAX_GAP || chars.len() < MIN_PIECE_BEFORE_GAP {
            break;
        }
        i += gap;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::normalize::normalize;

    const LEGACY: &str = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
    const SEGWIT: &str = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
    const TAPROOT: &str = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0";

    /// The checksum-verified addresses found in `text` once normalised, with their coins.
    fn verified_coins(text: &str) -> Vec<(Coin, String)> {
        find_wallets(&normalize(text), true)
            .into_iter()
            .filter(|w| w.checksum_valid)
            .map(|w| (w.coin, w.address))
            .collect()
    }

    fn verified(text: &str) -> Vec<String> {
        verified_coins(text).into_iter().map(|(_, address)| address).collect()
    }

    #[test]
    fn plain_addresses_of_each_kind_are_verified() {
        assert_eq!(verified(&format!("send to {LEGACY} now")), [LEGACY]);
        assert_eq!(verified(&format!("BTC: {SEGWIT}.")), [SEGWIT]);
        assert_eq!(verified(&format!("wallet {TAPROOT} and")), [TAPROOT]);
    }

    #[test]
    fn litecoin_and_script_addresses_are_verified_with_their_coin() {
        // Generated for these tests: Base58Check with Litecoin's versions 0x30 (L) and 0x32
        // (M) and Bitcoin's 0x05 (3), and bech32 with the `ltc` prefix.
        for (coin, address) in [
            (Coin::Litecoin, "LWAkRq5rfHHkj8vPZakGRzyVJS7wkf7PC6"),
            // "Lt" also begins the bech32 prefix's shape: the sieve must still report it.
            (Coin::Litecoin, "LTNV9v3RJs3EC29dKFYHu9mxD86yXQVNfv"),
            (Coin::Litecoin, "MJqxQ3gS5eDWN1CZcRQuQFX4ZSdqCudHnr"),
            (Coin::Litecoin, "ltc1q0q8yrnsr9j3n7zqyrjz6qtwa0dhunzxucatj6h"),
            (Coin::Bitcoin, "3Cdp6AGU8XN5ZVvfWYRZacGfEk3PAvCbTW"),
        ] {
            assert_eq!(
                verified_coins(&format!("pay to {address} today")),
                [(coin, address.to_string())],
                "{address}"
            );
        }
    }

    #[test]
    fn addresses_with_a_single_digit_are_verified() {
        // Generated for this test: a random address has so few digits about once in 40
        // (Bitcoin) or once in 30 (Litecoin, whose L is no digit).
        for address in ["1PsRoJRzwWQdpjAmLXwAHjuBYLYPgpGbiY", "LaHPZXUvnzvYZctHxVtBdQJ4YPFmtjhEtC"] {
            assert_eq!(verified(&format!("send {address} now")), [address]);
        }
    }

    #[test]
    fn a_split_address_whose_digits_come_late_is_still_found() {
        // Its first digit is its 29th character: split with two spaces before every
        // character past the fourth, that digit lies 78 bytes in.
        let late = "LVDmqcDEjVfrrjUjzmgaKupvMrzr9o9ppt";
        let (head, tail) = late.split_at(4);
        let spread: String = tail.chars().map(|c| format!("  {c}")).collect();
        let found = find_wallets(&format!("send {head}{spread} now"), true);
        assert!(found.first().is_some_and(|w| w.address == late && w.checksum_valid && w.split), "{found:?}");
    }

    #[test]
    fn split_wrapped_full_width_and_zero_width_addresses_are_found() {
        assert_eq!(verified("B T C: bc1qw508d6q ejxtdg4y5r3 zarvary0c5xw7kv8f3t4 (copy it)"), [SEGWIT]);
        assert_eq!(verified("bc1qw508d6qejxtdg4y5\nr3zarvary0c5xw7kv8f3t4"), [SEGWIT]);
        assert_eq!(
            verified("ｂｃ１ｑｗ５０８ｄ６ｑｅｊｘｔｄｇ４ｙ５ｒ３ｚａｒｖａｒｙ０ｃ５ｘｗ７ｋｖ８ｆ３ｔ４"),
            [SEGWIT]
        );
        assert_eq!(verified("1A1zP1eP5QGe\u{200B}fi2DMPTfTL5SLmv7DivfNa"), [LEGACY]);
        let split = find_wallets(&normalize("1A1zP1eP5Q Gefi2DMPTfTL5SLmv7DivfNa"), true);
        assert!(split.first().is_some_and(|w| w.checksum_valid && w.split));
        // Three spaces (as typed, before normalising) part two words, not two pieces.
        assert!(find_wallets(&format!("{}   {}", &LEGACY[..10], &LEGACY[10..]), true).is_empty());
    }

    #[test]
    fn japanese_context_colon_brackets_and_kana_do_not_hide_an_address() {
        assert_eq!(verified(&format!("ビットコインアドレス：{LEGACY}")), [LEGACY]);
        assert_eq!(verified(&format!("「{SEGWIT}」に送金")), [SEGWIT]);
        assert_eq!(verified(&format!("こちら{LEGACY}です")), [LEGACY]);
    }

    #[test]
    fn a_changed_character_is_only_a_pattern() {
        let wallets = find_wallets("wallet: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb here", true);
        assert_eq!(wallets.len(), 1);
        assert!(!wallets.iter().any(|w| w.checksum_valid));
    }

    #[test]
    fn ethereum_and_monero_are_matched_by_shape() {
        let eth = "0x52908400098527886E0F7030069857D2E4169EE7";
        let wallets = find_wallets(&format!("ETH {eth}"), true);
        assert_eq!(wallets.first().map(|w| w.coin), Some(Coin::Ethereum));
        let monero = format!("4{}", "A".repeat(94));
        let wallets = find_wallets(&format!("XMR: {monero}."), true);
        assert_eq!(
            wallets.iter().map(|w| (w.coin, w.address.len())).collect::<Vec<_>>(),
            [(Coin::Monero, 95)]
        );
        for other in [format!("8B{}", "c".repeat(93)), format!("47{}", "d".repeat(93))] {
            let wallets = find_wallets(&format!("XMR: {other}."), true);
            assert_eq!(wallets.iter().map(|w| w.coin).collect::<Vec<_>>(), [Coin::Monero], "{other}");
        }
        assert!(
            find_wallets(&format!("XMR: {monero}A"), true).is_empty(),
            "96 characters are not an address"
        );
        assert!(find_wallets(&format!("ETH {eth}_v2"), true).is_empty(), "an identifier, not an address");
        assert!(
            find_wallets(&format!("ETH {eth}"), false).is_empty(),
            "shapes only where a currency is named"
        );
    }

    #[test]
    fn unverified_bitcoin_shapes_count_only_where_they_stand_apart() {
        let bad_legacy = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb";
        let bad_segwit = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5";
        let both = find_wallets(&format!("to {bad_legacy} {bad_segwit}"), true);
        assert_eq!(both.iter().map(|w| w.address.as_str()).collect::<Vec<_>>(), [bad_legacy, bad_segwit]);
        assert!(both.iter().all(|w| !w.checksum_valid && w.coin == Coin::Bitcoin));
        assert_eq!(find_wallets(&format!("「{bad_legacy}」"), true).len(), 1);
        assert!(find_wallets(&format!("#{bad_legacy} "), true).is_empty(), "not after a delimiter");
        let run_on = find_wallets(&format!(" {bad_legacy}xy"), true);
        assert!(run_on.is_empty(), "runs on into a word: {run_on:?}");
    }

    #[test]
    fn ordinary_numbers_and_words_are_not_addresses() {
        assert!(
            find_wallets("Order 1234567 shipped on 3 March, ref 1000 items, bc1 is a label", true).is_empty()
        );
        // Hex numbers are not Ethereum addresses unless exactly 40 digits long.
        assert!(find_wallets("Windows error 0x80070005, then 0x1F.", true).is_empty());
    }
}
