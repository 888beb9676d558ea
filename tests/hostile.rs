//! Hostile and broken input: every case gets a verdict or a clear error, never a panic,
//! and stays within bounds.

use scamguard::detect::{Thresholds, classify};
use scamguard::mail;

fn survives(raw: &[u8]) {
    if let Ok(email) = mail::parse(raw) {
        let verdict = classify(&email, &Thresholds::default());
        assert!(verdict.score.is_finite());
    }
}

#[test]
fn truncated_and_garbage_input() {
    let fixture =
        std::fs::read(super::fixtures().join("ja_extortion_html_fullwidth_zero_width.eml")).expect("fixture");
    for cut in (0..fixture.len()).step_by(97) {
        survives(fixture.get(..cut).unwrap_or_default());
    }
    survives(b"\0\0\0\xff\xfe");
    survives(b"Subject: \xff\xfe\x00 broken\r\nFrom: \"\x00\" <@@@>\r\n\r\nbody \x00 with NUL");
    survives(b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\n\x82\xa0\x82\xa2");
    survives(b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!");
    survives(b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=4=\r\n=");
}

#[test]
fn deep_nesting_and_many_parts() {
    let mut deep = String::new();
    for level in 0..1000 {
        deep.push_str(&format!("Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n"));
    }
    deep.push_str("Content-Type: text/plain\r\n\r\npay bitcoin\r\n");
    survives(deep.as_bytes());

    let mut many = String::from("Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n");
    for i in 0..10_000 {
        many.push_str(&format!("--x\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n"));
    }
    many.push_str("--x--\r\n");
    survives(many.as_bytes());
}

#[test]
fn fifty_megabyte_message_is_bounded() {
    let mut raw = b"From: a@b.example\r\nSubject: big\r\nContent-Type: text/plain\r\n\r\n".to_vec();
    raw.extend(
        std::iter::repeat_n(
            b"I hacked your device 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 ".as_slice(),
            1_000_000,
        )
        .flatten(),
    );
    assert!(raw.len() > 50_000_000);
    let email = mail::parse(&raw).expect("parses");
    assert!(email.text.len() <= mail::MAX_TEXT_BYTES + 1, "text kept is bounded: {}", email.text.len());
    let verdict = classify(&email, &Thresholds::default());
    assert!(verdict.evidence.wallets.iter().any(|w| w.checksum_valid));
}

#[test]
fn one_megabyte_header_line() {
    let mut raw = b"Subject: ".to_vec();
    raw.extend(std::iter::repeat_n(b'a', 1 << 20));
    raw.extend_from_slice(b"\r\nFrom: x@y.example\r\n\r\nbody");
    survives(&raw);
}
