//! Rules for text written to slip past filters: invisible characters inside words, letters
//! borrowed from other alphabets, Japanese spaced out character by character, and
//! look-alike spellings ("Iog in", "PayPaI"), links hidden in a full stop. Readers see
//! ordinary words, so nothing legitimate has a reason to write them that way.

use std::sync::LazyLock;

use crate::mail::normalize::Disguises;

use super::{Facts, Signal, SignalId, levels};

use crate::detect::sieve;
use crate::detect::tables::DISGUISED_TARGETS;
use crate::detect::tables::brands::BRANDS;

/// Hidden characters inside subject or sender-name words ("I\u{E0139}RS Tax Office",
/// struck-through "P̶e̶n̶d̶i̶n̶g̶"). Two are enough: a typo does not produce them.
const MIN_HIDDEN_IN_HEADERS: usize = 2;
/// In the body a few can come from copy-and-paste; a scam breaking its keywords up has
/// many more.
const MIN_HIDDEN_IN_BODY: usize = 5;
/// Fewer letters of text than this beside pictures: the message is in the pictures. A
/// newsletter told in pictures still carries sentences and a footer (an address, a way
/// to unsubscribe); no training ham shows pictures with under 150.
const MAX_LETTERS_BESIDE_PICTURES: usize = 80;
/// Hidden letters that are filler rather than a preview line.
const MIN_HIDDEN_FILLER: usize = 300;
/// Borrowed letters: a name or subject written in small capitals has many; a stray
/// Greek letter in a formula has one.
const MIN_LOOKALIKES_IN_HEADERS: usize = 3;
const MIN_LOOKALIKES_IN_BODY: usize = 8;
/// Spaced-out Japanese: a decorative heading ("お 知 ら せ") has a few; a mail that
/// breaks up every brand name and keyword has many.
const MIN_SPACED_IN_HEADERS: usize = 4;
const MIN_SPACED_IN_BODY: usize = 12;

/// Invisible characters (zero-width, soft hyphens, combining overlays, tag characters)
/// inside words: keyword-filter evasion. Supports any category.
pub fn hidden_characters(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let email = facts.email;
    let (headers, body) = (email.disguised_headers.hidden, email.disguised_body.hidden);
    if headers >= MIN_HIDDEN_IN_HEADERS {
        let evidence = format!("{headers} hidden characters inside subject or sender words");
        out.push(Signal::at(SignalId::HiddenCharacters, &levels::HIDDEN_IN_HEADERS, evidence));
    } else if body >= MIN_HIDDEN_IN_BODY {
        let evidence = format!("{body} hidden characters inside body words");
        out.push(Signal::at(SignalId::HiddenCharacters, &levels::HIDDEN_IN_BODY, evidence));
    }
}

/// Hidden HTML text glued into visible words: filler in a microscopic font or a
/// `display:none` element between the letters of each word, so a filter reads salad and
/// the reader reads the lure. Newsletters hide a preview line, but between tags, never
/// inside a word. Supports any category.
pub fn hidden_text_in_words(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let cuts = facts.email.html_marks.words_cut_by_hidden_text;
    if cuts >= MIN_HIDDEN_IN_BODY {
        let evidence = format!("{cuts} words cut by hidden text");
        out.push(Signal::new(SignalId::HiddenTextInWords, evidence));
    }
}

/// Hidden filler: far more text hidden in the HTML than the reader is shown. Word salad
/// in a zero-size or `display:none` element, beside a message told in pictures, is there
/// to be read by filters only. A newsletter's hidden preview line is a sentence.
pub fn hidden_filler(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let hidden = facts.email.html_marks.hidden_letters;
    if hidden < MIN_HIDDEN_FILLER {
        return;
    }
    // Counted only here, for the few mails hiding that much.
    let visible = crate::mail::letters_in(&facts.email.text);
    if hidden > visible * 2 {
        let evidence = format!("{hidden} hidden letters beside {visible} shown");
        out.push(Signal::new(SignalId::HiddenFiller, evidence));
    }
}

/// A message told in pictures: a picture that is itself the link, and almost no text
/// in the HTML around it. A filter reading words finds none; the reader sees a bank's
/// letter drawn as an image and clicks it. A text/plain alternative is not counted: mail
/// apps show the HTML, and filler there is what dodges a filter. A picture that is no
/// link (a signature logo, a photo) is no lure. Supports any category.
pub fn picture_instead_of_text(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let marks = &facts.email.html_marks;
    if marks.linked_pictures > 0 && marks.shown_letters < MAX_LETTERS_BESIDE_PICTURES {
        let (pictures, shown) = (marks.linked_pictures, marks.shown_letters);
        let evidence = format!("{pictures} linked pictures beside {shown} letters of text");
        out.push(Signal::new(SignalId::PictureInsteadOfText, evidence));
    }
}

/// Text pushed out of view: a spacer many screens tall ("height: 470500px") between the
/// short lure the reader sees and a long, harmless text (often a copied newsletter) that
/// only a filter reads to the end. No layout needs an element ten thousand pixels high.
pub fn text_pushed_out_of_view(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if facts.email.html_marks.pushes_text_out_of_view {
        out.push(Signal::new(SignalId::TextPushedOutOfView, "an element many screens tall"));
    }
}

/// A link whose whole text is a punctuation mark: a full stop that is a link is one no
/// reader means to click. Spam hangs a big site's address on it to look like mail that
/// links there, or names a form "." so the lure's link shows as nothing. Buttons and
/// "Read more »" carry words; a link made of a picture has no text at all.
pub fn link_behind_punctuation(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if let Some(link) = facts.email.links.iter().find(|link| is_only_punctuation(&link.text)) {
        let evidence =
            format!("\"{}\" is a link to {}", link.text.trim(), crate::mail::truncate(&link.href, 80));
        out.push(Signal::new(SignalId::LinkBehindPunctuation, evidence));
    }
}

/// Whether `text` shows nothing but sentence punctuation (invisible characters aside).
fn is_only_punctuation(text: &str) -> bool {
    let mut shown =
        text.chars().filter(|c| !c.is_whitespace() && !crate::mail::normalize::is_invisible(*c)).peekable();
    shown.peek().is_some()
        && shown.all(|c| {
            matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | '`' | '-' | '_' | '。' | '、' | '・')
        })
}

/// Latin words written with letters of other alphabets: Cyrillic or Greek twins
/// ("Вitсоin"), small capitals ("ᴘᴀʏᴍᴇɴᴛ ᴅᴇᴄʟɪɴᴇᴅ"), mathematical letters ("𝐏𝐚𝐲").
/// They read as the word to a person and as nothing to a filter.
pub fn disguised_letters(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let count = |d: &Disguises| d.lookalikes;
    disguise_signal(facts, count, (MIN_LOOKALIKES_IN_HEADERS, MIN_LOOKALIKES_IN_BODY), out, |n, place| {
        (
            SignalId::DisguisedLetters,
            format!("{n} letters from other alphabets inside Latin words of the {place}"),
        )
    });
}

/// Japanese written with a space after every character ("三 井 住 友 カ ー ド"), which
/// breaks brand names and keywords apart for a filter and not for a reader.
pub fn spaced_out_letters(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let count = |d: &Disguises| d.spaced;
    disguise_signal(facts, count, (MIN_SPACED_IN_HEADERS, MIN_SPACED_IN_BODY), out, |n, place| {
        (SignalId::SpacedOutLetters, format!("{n} Japanese characters spaced out one by one in the {place}"))
    });
}

/// One signal for a kind of disguise when the headers or the body carry enough of it.
fn disguise_signal(
    facts: &Facts<'_>,
    count: impl Fn(&Disguises) -> usize,
    (min_headers, min_body): (usize, usize),
    out: &mut Vec<Signal>,
    describe: impl Fn(usize, &str) -> (SignalId, String),
) {
    let email = facts.email;
    let (headers, body) = (count(&email.disguised_headers), count(&email.disguised_body));
    let found = if headers >= min_headers {
        Some((&levels::DISGUISED_IN_HEADERS, describe(headers, "subject or sender name")))
    } else if body >= min_body {
        Some((&levels::DISGUISED_IN_BODY, describe(body, "body")))
    } else {
        None
    };
    if let Some((level, (id, evidence))) = found {
        out.push(Signal::at(id, level, evidence));
    }
}

/// Look-alike spellings of security words and brand names in the subject, sender name or
/// text: a capital I for an l ("Iog in", "PayPaI"), an l for a capital I ("User lD"), a
/// zero for an o ("Micr0soft"). Each is a word a filter looks for, spelled so it does not
/// find it.
pub fn confusable_spelling(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let email = facts.email;
    let texts = [&email.normalized_subject, &email.normalized_sender_name, &email.normalized_text];
    let found: Vec<String> =
        texts.iter().flat_map(|text| disguised_words(text)).fold(Vec::new(), |mut distinct, word| {
            if !distinct.contains(&word) {
                distinct.push(word);
            }
            distinct
        });
    if !found.is_empty() {
        let evidence = found.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
        out.push(Signal::new(SignalId::ConfusableSpelling, evidence));
    }
}

/// Where a look-alike character can sit, as a pair of neighbouring bytes: a capital I
/// beside a lower-case letter, an l beside a capital, a 0 or 1 beside a letter. Finding
/// these first keeps the word-by-word reading off the rest of the text, which is nearly
/// all of it.
fn confusable_spot(previous: u8, current: u8) -> bool {
    let (p, c) = (previous, current);
    // `&` and `|`, not `&&` and `||`: without branches the sieve tests sixteen pairs at once.
    (p.is_ascii_lowercase() & (c == b'I'))
        | ((p == b'I') & c.is_ascii_lowercase())
        | ((p == b'l') & c.is_ascii_uppercase())
        | (p.is_ascii_uppercase() & (c == b'l'))
        | (p.is_ascii_alphabetic() & ((c == b'0') | (c == b'1')))
        | (((p == b'0') | (p == b'1')) & c.is_ascii_alphabetic())
}

/// The words of `text` that become a [`DISGUISED_WORDS`] word once their look-alike
/// characters are read as what they imitate, as "written (meant)".
fn disguised_words(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    // Every spot pairs a capital (I, or the capital beside an l) or a 0 or 1 with a
    // letter; keying on those rather than on l, which fills ordinary prose, lets more
    // blocks be passed after the one test.
    let key = |b: u8| b.is_ascii_uppercase() | (b == b'0') | (b == b'1');
    let mut spots = sieve::spots_beside(bytes, key, confusable_spot);
    while let Some(spot) = spots.next() {
        // Both bytes of a spot are letters or digits, so the word around either is the same.
        let start = bytes.get(..spot).and_then(|b| b.iter().rposition(|c| !c.is_ascii_alphanumeric()));
        let start = start.map_or(0, |p| p + 1);
        let end = bytes.get(spot..).and_then(|b| b.iter().position(|c| !c.is_ascii_alphanumeric()));
        let end = end.map_or(bytes.len(), |p| spot + p);
        spots.skip_to(end);
        let Some(word) = text.get(start..end) else { continue };
        if looks_like_hex(word) {
            continue;
        }
        let plain = word.to_ascii_lowercase();
        // A 1 stands for an l ("PayPa1") or an i ("B1nance"); each reading is tried.
        let as_i = word.contains('1').then(|| read_confusables(word, b'i')).flatten();
        let readings = [read_confusables(word, b'l'), as_i];
        let meant = readings.into_iter().flatten().find(|meant| {
            // A whole word ("Iog"), or a long one run together with others ("TrustwaIIetTeam").
            DISGUISED_WORDS.iter().any(|target| {
                meant == target || (target.len() >= 5 && meant.contains(target) && !plain.contains(target))
            })
        });
        if let Some(meant) = meant {
            found.push(format!("{word} ({meant})"));
        }
    }
    found
}

/// A hash, colour or identifier in hexadecimal ("3fad0be91c", "#ad0be7"): its zeros and
/// ones are digits, whatever word its letters happen to spell. A short word of only zeros
/// and ones among hex letters ("Ad0be") is still read.
fn looks_like_hex(word: &str) -> bool {
    let other_digit = word.bytes().any(|b| b.is_ascii_digit() && b != b'0' && b != b'1');
    word.bytes().all(|b| b.is_ascii_hexdigit()) && (word.len() >= 8 || other_digit)
}

/// What a look-alike spelling can stand for: the words of [`DISGUISED_TARGETS`] and every
/// brand's one-word Latin names of four letters or more ("C0STC0", "WaImart"). A shorter
/// name ("au", "nhk") is too often an ordinary abbreviation.
static DISGUISED_WORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let brand_names = BRANDS.iter().flat_map(|brand| brand.aliases.iter().copied());
    let one_word = |name: &&str| name.len() >= 4 && name.bytes().all(|b| b.is_ascii_lowercase());
    let mut words: Vec<&str> =
        DISGUISED_TARGETS.iter().copied().chain(brand_names.filter(one_word)).collect();
    words.sort_unstable();
    words.dedup();
    words
});

/// What a word with look-alike characters imitates, lower-cased, or `None` when there is
/// nothing to read differently. A capital I between lower-case letters (or starting a
/// lower-case word) stands for an l; an l among capitals stands for an I; digits among
/// letters stand for the letter they resemble, a 1 for `one` (an l or an i).
fn read_confusables(word: &str, one: u8) -> Option<String> {
    let letters = word.bytes().filter(u8::is_ascii_alphabetic).count();
    let lower = word.bytes().filter(u8::is_ascii_lowercase).count();
    let upper = letters - lower;
    let swap = |b: u8| match b {
        // "PayPaI", "waIIet", "Iog": an I where the rest of the word is lower case.
        b'I' if lower > 0 && lower >= upper => Some(b'l'),
        // "lD": an l where the rest of the word is capitals.
        b'l' if lower == 1 && upper >= 1 => Some(b'i'),
        b'0' if letters >= 2 => Some(b'o'),
        b'1' if letters >= 2 => Some(one),
        _ => None,
    };
    if word.len() < 2 || !word.bytes().any(|b| swap(b).is_some()) {
        return None;
    }
    Some(word.bytes().map(|b| char::from(swap(b).unwrap_or(b).to_ascii_lowercase())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::{email, fired, html_email};

    #[test]
    fn hidden_characters_in_the_subject_or_body_fire() {
        let subject = email("From: a@b.example\r\nSubject: =?UTF-8?Q?P=CC=B6e=CC=B6n=CC=B6ding?=", "hello");
        assert_eq!(fired(hidden_characters, &subject), [SignalId::HiddenCharacters]);
        let body = email("From: a@b.example", "B\u{200B}i\u{200B}t\u{200B}c\u{200B}o\u{200B}i\u{200B}n");
        assert_eq!(fired(hidden_characters, &body), [SignalId::HiddenCharacters]);
        let padding = email("From: a@b.example", "Preview text \u{200C}\u{034F} \u{200C}\u{034F} \u{200C}");
        assert!(fired(hidden_characters, &padding).is_empty());
    }

    #[test]
    fn hidden_text_cutting_words_fires_but_a_hidden_preview_line_does_not() {
        let tiny = |filler: &str| format!("<span style=\"font-size: 0.000004vw\">{filler}</span>");
        let cut = format!(
            "<p>Pro{}tect your de{}vice, ke{}ep fu{}nds sa{}fe</p>",
            tiny("chanteuse"),
            tiny("noblesse"),
            tiny("espagnol"),
            tiny("Estuaire"),
            tiny("Fouquet")
        );
        assert_eq!(fired(hidden_text_in_words, &html_email(&cut)), [SignalId::HiddenTextInWords]);
        let preview = "<div style=\"display:none\">Our autumn sale starts today</div><p>Hello, friends</p>\
            <span style=\"display:none\">preview</span><p>Unsubscribe</p>";
        assert!(fired(hidden_text_in_words, &html_email(preview)).is_empty());
        let few = format!("<p>Pro{}tect a{}nd</p>", tiny("x"), tiny("y"));
        assert!(fired(hidden_text_in_words, &html_email(&few)).is_empty());
    }

    #[test]
    fn hidden_filler_fires_when_hidden_text_outweighs_what_is_shown() {
        let salad = "Call park out she wife face mean. Invitation excellence imprudence. ".repeat(8);
        let pictures = format!(
            "<a href='https://x.example/'><img src='https://x.example/a.png'></a>\
             <i style='font-size:0px'>{salad}</i>"
        );
        assert_eq!(fired(hidden_filler, &html_email(&pictures)), [SignalId::HiddenFiller]);
        let newsletter = format!(
            "<div style='display:none'>This week: autumn recipes</div><p>{}</p>",
            "Our autumn recipes use pumpkins, apples and pears from the market. ".repeat(8)
        );
        assert!(fired(hidden_filler, &html_email(&newsletter)).is_empty());
        let padded_preview = format!(
            "<a href='https://shop.example/'><img src='https://shop.example/sale.png'></a><p>Sale today</p>\
             <div style='display:none'>Up to half off this weekend{}</div>",
            "&zwnj;&nbsp;".repeat(300)
        );
        assert!(fired(hidden_filler, &html_email(&padded_preview)).is_empty(), "padding is not filler");
        let mobile_copy = format!("<p>{salad}</p><div style='display:none'>{salad}</div>");
        assert!(fired(hidden_filler, &html_email(&mobile_copy)).is_empty(), "a hidden copy is not filler");
    }

    #[test]
    fn hidden_filler_fires_from_twice_as_many_hidden_letters_as_shown() {
        // 350 hidden letters: filler from the threshold of 300 on.
        let hidden = format!("<i style='font-size:0px'>{}</i>", "fghij ".repeat(70));
        let with_shown = |letters: usize| {
            let shown = "abcde ".repeat(letters / 5);
            fired(hidden_filler, &html_email(&format!("<p>{shown}</p>{hidden}")))
        };
        assert_eq!(with_shown(100), [SignalId::HiddenFiller], "three and a half times as many hidden");
        assert_eq!(with_shown(170), [SignalId::HiddenFiller], "just over twice as many");
        assert!(with_shown(175).is_empty(), "exactly twice as many");
        assert!(with_shown(300).is_empty());
        let little = format!("<i style='font-size:0px'>{}</i>", "fghij ".repeat(59));
        assert!(fired(hidden_filler, &html_email(&little)).is_empty(), "295 hidden letters are no filler");
        let threshold = format!("<i style='font-size:0px'>{}</i>", "fghij ".repeat(60));
        assert_eq!(fired(hidden_filler, &html_email(&threshold)), [SignalId::HiddenFiller], "300 are");
    }

    #[test]
    fn a_message_in_pictures_fires_but_pictures_beside_text_or_that_are_no_link_do_not() {
        let run = |body: &str| fired(picture_instead_of_text, &html_email(body));
        let letter = "<a href='https://bank-notice.example/'><img src='cid:letter' width=600></a>";
        assert_eq!(run(letter), [SignalId::PictureInsteadOfText]);
        assert_eq!(run(&format!("<p>Dear customer,</p>{letter}")), [SignalId::PictureInsteadOfText]);
        let map = "<img src='cid:letter' usemap='#m'><map name=m><area href='https://x.example/'></map>";
        assert_eq!(run(map), [SignalId::PictureInsteadOfText]);
        let newsletter = format!(
            "{letter}<p>This week in the garden: seedlings, frost and tomatoes.</p>\
             <p>Garden Letters, 1 Long Road, Springfield. Unsubscribe at any time.</p>"
        );
        assert!(run(&newsletter).is_empty(), "pictures beside sentences and a footer");
        let note =
            "<p>Can we talk? <a href='https://meet.example/j/1'>Join</a></p><img src='cid:logo' width=120>";
        assert!(run(note).is_empty(), "a short note with a signature logo that is no link");
        let pixel = "<a href='https://x.example/'><img src='https://t.example/o.gif' width=1 height=1></a>";
        assert!(run(pixel).is_empty(), "a tracking pixel is no picture");
        let filler =
            "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n";
        let dodge = format!(
            "From: a@b.example\r\n{filler}{}\r\n--b\r\nContent-Type: text/html\r\n\r\n{letter}\r\n--b--\r\n",
            "filler words for the filter ".repeat(10)
        );
        let email = crate::mail::parse(dodge.as_bytes()).expect("parses");
        assert_eq!(fired(picture_instead_of_text, &email), [SignalId::PictureInsteadOfText], "plain filler");
    }

    #[test]
    fn a_link_hidden_in_a_full_stop_fires_but_words_and_pictures_do_not() {
        let run = |body: &str| fired(link_behind_punctuation, &html_email(body));
        assert_eq!(
            run("Hello<a href=\"https://www.x.example/?q\">.</a> Pay now"),
            [SignalId::LinkBehindPunctuation]
        );
        assert_eq!(
            run("Fill out <a href=\"https://f.example/\">\u{200B} . </a>"),
            [SignalId::LinkBehindPunctuation]
        );
        assert!(run("<a href=\"https://x.example/\">Read more »</a>").is_empty());
        assert!(run("<a href=\"https://x.example/\"><img src=\"cid:logo\"></a>").is_empty());
        assert!(run("<a href=\"https://x.example/\">1</a> <a href=\"https://x.example/2\">»</a>").is_empty());
    }

    #[test]
    fn disguised_letters_fire_on_small_capitals_and_mixed_alphabets() {
        let sender = email("From: =?UTF-8?B?4bSY4bSA4bSP4bSN4bSH4bSb?= <a@b.example>", "hello");
        assert_eq!(fired(disguised_letters, &sender), [SignalId::DisguisedLetters]);
        let body = email("From: a@b.example", "Send Вitсоin to your wаllet, vеrify yоur ассоunt");
        assert_eq!(fired(disguised_letters, &body), [SignalId::DisguisedLetters]);
        let russian = email("From: a@b.example", "Привет! Встреча завтра в офисе, приходите вовремя.");
        assert!(fired(disguised_letters, &russian).is_empty());
        let formula = email("From: a@b.example", "The angle α is small and β is large.");
        assert!(fired(disguised_letters, &formula).is_empty());
    }

    #[test]
    fn spaced_out_japanese_fires_and_ordinary_japanese_does_not() {
        let spaced = email("From: a@b.example", &"三 井 住 友 カ ー ドをご利用のお客様へ。".repeat(3));
        assert_eq!(fired(spaced_out_letters, &spaced), [SignalId::SpacedOutLetters]);
        let heading = email("From: a@b.example", "お 知 ら せ\n来週の定例会議は三階の会議室で行います。");
        assert!(fired(spaced_out_letters, &heading).is_empty());
    }

    #[test]
    fn confusable_spelling_reads_i_for_l_and_digits_for_letters() {
        let subject = email("From: a@b.example\r\nSubject: Someone tried to Iog in, User lD: x", "hello");
        assert_eq!(fired(confusable_spelling, &subject), [SignalId::ConfusableSpelling]);
        let sender = email("From: TrustwaIIetTeam <a@b.example>", "hello");
        assert_eq!(fired(confusable_spelling, &sender), [SignalId::ConfusableSpelling]);
        assert_eq!(fired(confusable_spelling, &email("From: a@b.example", "Your PayPaI invoice")).len(), 1);
        assert_eq!(fired(confusable_spelling, &email("From: a@b.example", "Micr0soft support")).len(), 1);
        // A digit among lower-case letters, past the first block the sieve reads whole.
        let lower = email("From: a@b.example", "please sign in again to your micr0soft account today");
        assert_eq!(fired(confusable_spelling, &lower), [SignalId::ConfusableSpelling]);
        let code = email(
            "From: a@b.example",
            "In the ID field, call parseInt and getItem; It is OK. Is Ireland in? Log in at 10:00, IPv4 H1N1 l10n",
        );
        assert!(fired(confusable_spelling, &code).is_empty(), "{:?}", disguised_words("l10n Is It In ID"));
    }

    /// Any brand the table knows by a one-word name is a target, not only the words listed
    /// for look-alikes; a name shorter than four letters is not.
    #[test]
    fn confusable_spelling_reads_every_brand_name_of_the_table() {
        let shop = email("From: Special From C0STC0 <a@b.example>\r\nSubject: Your membership", "hello");
        assert_eq!(fired(confusable_spelling, &shop), [SignalId::ConfusableSpelling]);
        let points = email("From: WaImart Group <a@b.example>\r\nSubject: Redeem your points", "hello");
        assert_eq!(fired(confusable_spelling, &points), [SignalId::ConfusableSpelling]);
        let honest = email("From: Costco <a@b.example>\r\nSubject: Walmart and C0FFEE", "N1K and d0c");
        assert!(fired(confusable_spelling, &honest).is_empty());
        // A 1 read as an i; hex that happens to spell a brand is a number.
        assert_eq!(fired(confusable_spelling, &email("From: a@b.example", "Your B1nance login")).len(), 1);
        let hex = email("From: a@b.example", "commit 3fad0be91c2e4, colour #ad0be7, id 9F3AD0BE");
        assert!(fired(confusable_spelling, &hex).is_empty());
        assert_eq!(fired(confusable_spelling, &email("From: Ad0be Sign <a@b.example>", "hello")).len(), 1);
    }

    #[test]
    fn confusables_read_as_what_they_imitate() {
        assert_eq!(read_confusables("waIIet", b'l').as_deref(), Some("wallet"));
        assert_eq!(read_confusables("Iog", b'l').as_deref(), Some("log"));
        assert_eq!(read_confusables("lD", b'l').as_deref(), Some("id"));
        assert_eq!(read_confusables("g00gle", b'l').as_deref(), Some("google"));
        assert_eq!(read_confusables("wallet", b'l'), None);
        assert_eq!(read_confusables("ID", b'l'), None);
        assert_eq!(read_confusables("Please", b'l'), None);
        assert_eq!(read_confusables("I", b'l'), None);
        // A 1 reads as an l among letters; a digit beside one letter is no word.
        assert_eq!(read_confusables("paypa1", b'l').as_deref(), Some("paypal"));
        assert_eq!(read_confusables("x0", b'l'), None);
        assert_eq!(read_confusables("x1", b'l'), None);
        // An I among mostly capitals is a capital I.
        assert_eq!(read_confusables("IPv4", b'l'), None);
    }

    #[test]
    fn hidden_characters_count_invisible_characters_written_as_references() {
        let words = "h&ZeroWidthSpace;acked B&NegativeMediumSpace;itcoin w&NoBreak;allet p&ZeroWidthSpace;ay \
            v&ZeroWidthSpace;ideo";
        assert_eq!(fired(hidden_characters, &html_email(words)), [SignalId::HiddenCharacters]);
        assert!(fired(hidden_characters, &html_email("hacked Bitcoin wallet pay video")).is_empty());
    }
}
