//! Address checksums: Base58Check (legacy Bitcoin and Litecoin addresses) and
//! bech32/bech32m (SegWit and Taproot). A checksum-valid string is a real payment address
//! with near certainty; a look-alike without one is only a pattern.

use sha2::{Digest, Sha256};

const BASE58_ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BECH32_ALPHABET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const BECH32_CONST: u32 = 1;
const BECH32M_CONST: u32 = 0x2bc8_30a3;

/// True when `c` can appear in a Base58 string.
pub fn is_base58(c: u8) -> bool {
    // The alphabet is the ASCII letters and digits without 0, O, I and l.
    c.is_ascii_alphanumeric() && !matches!(c, b'0' | b'O' | b'I' | b'l')
}

/// True when `c` (lower case) can appear in the data part of a bech32 string.
pub fn is_bech32(c: u8) -> bool {
    // The alphabet is the lower-case letters and digits without 1, b, i and o.
    (c.is_ascii_lowercase() || c.is_ascii_digit()) && !matches!(c, b'1' | b'b' | b'i' | b'o')
}

/// Decodes Base58Check and returns the version byte when the string is a 25-byte payload
/// (version, 20-byte hash, 4-byte checksum) whose checksum matches.
pub fn base58check_version(address: &str) -> Option<u8> {
    let mut bytes = [0u8; 25];
    for c in address.bytes() {
        let mut carry = BASE58_ALPHABET.iter().position(|&a| a == c)? as u32;
        for byte in bytes.iter_mut().rev() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        if carry != 0 {
            return None;
        }
    }
    let leading_ones = address.bytes().take_while(|&c| c == b'1').count();
    let leading_zeros = bytes.iter().take_while(|&&b| b == 0).count();
    // Each leading '1' stands for one leading zero byte, no more and no fewer.
    if leading_ones != leading_zeros {
        return None;
    }
    let (payload, checksum) = bytes.split_at(21);
    let digest = Sha256::digest(Sha256::digest(payload));
    (digest.get(..4) == Some(checksum)).then(|| payload.first().copied()).flatten()
}

/// The two checksum flavours of BIP-173 and BIP-350.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bech32Variant {
    Bech32,
    Bech32m,
}

/// Verifies a lower-case bech32 string `hrp1data` and returns its human-readable part,
/// witness version and variant when the checksum holds and the variant fits the version
/// (version 0 uses bech32, later versions bech32m).
pub fn bech32_segwit(address: &str) -> Option<(&str, u8, Bech32Variant)> {
    let separator = address.rfind('1')?;
    let hrp = address.get(..separator)?;
    let data = address.get(separator + 1..)?;
    if hrp.is_empty() || data.len() < 7 || address.len() > 90 {
        return None;
    }
    let values: Vec<u8> = data
        .bytes()
        .map(|c| BECH32_ALPHABET.iter().position(|&a| a == c).map(|p| p as u8))
        .collect::<Option<_>>()?;
    let mut checked: Vec<u8> = hrp.bytes().map(|c| c >> 5).collect();
    checked.push(0);
    checked.extend(hrp.bytes().map(|c| c & 31));
    checked.extend_from_slice(&values);
    let variant = match polymod(&checked) {
        BECH32_CONST => Bech32Variant::Bech32,
        BECH32M_CONST => Bech32Variant::Bech32m,
        _ => return None,
    };
    let version = *values.first()?;
    let fits = match version {
        0 => variant == Bech32Variant::Bech32,
        1..=16 => variant == Bech32Variant::Bech32m,
        _ => false,
    };
    fits.then_some((hrp, version, variant))
}

fn polymod(values: &[u8]) -> u32 {
    const GENERATOR: [u32; 5] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3];
    let mut checksum: u32 = 1;
    for &value in values {
        let top = checksum >> 25;
        checksum = ((checksum & 0x01ff_ffff) << 5) ^ u32::from(value);
        for (bit, generator) in GENERATOR.iter().enumerate() {
            if (top >> bit) & 1 == 1 {
                checksum ^= generator;
            }
        }
    }
    checksum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_tests_agree_with_the_alphabets() {
        for c in 0..=u8::MAX {
            assert_eq!(is_base58(c), BASE58_ALPHABET.contains(&c), "{c}");
            assert_eq!(is_bech32(c), BECH32_ALPHABET.contains(&c), "{c}");
        }
    }

    #[test]
    fn base58check_accepts_real_addresses_and_rejects_a_changed_character() {
        assert_eq!(base58check_version("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"), Some(0x00));
        assert_eq!(base58check_version("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"), Some(0x05));
        assert_eq!(base58check_version("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"), None);
        assert_eq!(base58check_version("1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf"), None);
        assert_eq!(base58check_version("0OIl"), None);
    }

    #[test]
    fn bech32_and_bech32m_are_told_apart_by_witness_version() {
        let v0 = bech32_segwit("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
        assert_eq!(v0, Some(("bc", 0, Bech32Variant::Bech32)));
        let taproot = bech32_segwit("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0");
        assert_eq!(taproot, Some(("bc", 1, Bech32Variant::Bech32m)));
        assert_eq!(bech32_segwit("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"), None);
        assert_eq!(bech32_segwit("bc1"), None);
    }

    /// The bounds of a bech32 string: at most 90 characters, at least a version and a
    /// checksum after the separator. (Each string here has a valid checksum, made for
    /// the test, so only the bounds decide.)
    #[test]
    fn bech32_strings_are_held_to_their_length_bounds() {
        let at_most =
            "bc1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq755kml";
        assert_eq!(at_most.len(), 90);
        assert_eq!(bech32_segwit(at_most), Some(("bc", 0, Bech32Variant::Bech32)));
        let too_long =
            "bc1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqrwe2fc";
        assert_eq!(too_long.len(), 91);
        assert_eq!(bech32_segwit(too_long), None);
        assert_eq!(
            bech32_segwit("bc1q9zpgru"),
            Some(("bc", 0, Bech32Variant::Bech32)),
            "a version and a checksum"
        );
        assert_eq!(bech32_segwit("br1qv2gva"), None, "a checksum alone, though it starts like version 0");
    }
}
