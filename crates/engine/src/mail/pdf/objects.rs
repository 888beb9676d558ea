//! The objects that indirect references name (`/URI 12 0 R`): a lure can keep its address
//! in an object of its own, away from the key a scan looks for. Only string objects are
//! looked up, and only the few referenced from a link key, in plain objects (`12 0 obj`)
//! and in the object streams already inflated for the scan. No chains are followed: a
//! reference to a reference is nothing.

use std::collections::HashMap;

use memchr::memmem;

use super::syntax::{self, Value};

/// How far before an `obj` keyword its `N G` is read: two numbers and the space between.
const NUMBERS_REACH: usize = 32;

/// Reads the strings of the objects numbered in `wanted` defined in plain `bytes` into
/// `out`; a later definition replaces an earlier one, as an incremental update does.
pub fn in_file(bytes: &[u8], wanted: &[u32], out: &mut HashMap<u32, Vec<u8>>) {
    for at in memmem::find_iter(bytes, b"obj") {
        let before = bytes.get(at.saturating_sub(NUMBERS_REACH)..at).unwrap_or_default();
        let Some(number) = object_number(before) else { continue };
        let after = bytes.get(at + b"obj".len()..).unwrap_or_default();
        // "endobj" and "/ObjStm" hold the letters too, but no number comes before them.
        if wanted.contains(&number)
            && let Value::String(string) = syntax::value_at(after)
        {
            out.insert(number, string);
        }
    }
}

/// The object number of `N G` closing `before` (the text before an `obj` keyword).
fn object_number(before: &[u8]) -> Option<u32> {
    let (_generation, before) = trailing_integer(before.trim_ascii_end())?;
    let trimmed = before.trim_ascii_end();
    if trimmed.len() == before.len() {
        return None;
    }
    let (number, before) = trailing_integer(trimmed)?;
    before.last().is_none_or(|b| !b.is_ascii_alphanumeric()).then_some(number)
}

/// The unsigned integer closing `bytes` (at most nine digits) and what comes before it.
fn trailing_integer(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let digits = bytes.iter().rev().take(10).take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let (before, number) = bytes.split_at(bytes.len() - digits);
    Some((syntax::integer(number)?.0, before))
}

/// Reads the strings of the objects numbered in `wanted` held in an inflated object
/// stream into `out`. Its header (`/N` pairs of object number and offset) comes before
/// byte `first`, and each offset counts from `first` (PDF 1.7 §7.5.7).
pub fn in_stream(data: &[u8], first: usize, wanted: &[u32], out: &mut HashMap<u32, Vec<u8>>) {
    let mut header = data.get(..first).unwrap_or_default().trim_ascii_start();
    while let Some((number, rest)) = syntax::integer(header)
        && let Some((offset, rest)) = syntax::integer(rest)
    {
        header = rest;
        let at = first.saturating_add(offset as usize);
        if wanted.contains(&number)
            && let Some(object) = data.get(at..)
            && let Value::String(string) = syntax::value_at(object)
        {
            out.insert(number, string);
        }
    }
}

/// The `/First` entry of an object stream's dictionary: where its objects start.
pub fn first_offset(dictionary: &[u8]) -> Option<usize> {
    let (_, _, end) = syntax::names(dictionary).find(|(name, _, _)| name.is(b"First"))?;
    let (first, _) = syntax::integer(dictionary.get(end..)?.trim_ascii_start())?;
    Some(first as usize)
}
