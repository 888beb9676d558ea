//! Turns an HTML body into readable text and the links it contains.
//!
//! A deliberately small tokenizer: mail HTML is rarely well-formed, and all detection needs
//! is the visible text, each anchor's href with the text it shows, and what the reader does
//! not see: attribute values a scammer can hide a wallet address in, and text in elements
//! styled out of sight. It never fails: whatever it cannot make sense of is read as text.

/// A hyperlink as the reader sees it: where it points, the words it shows, and whether
/// it is in the mail or in a file attached to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Link {
    pub href: String,
    pub text: String,
    pub shown: Shown,
}

/// Where a link stands: in the body the mail app shows, or in an attached file (a page or
/// a PDF) the reader opens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub enum Shown {
    #[default]
    InBody,
    InFile,
}

/// What an HTML body contributes to an [`crate::mail::Email`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HtmlContent {
    /// Visible text, block elements separated by line breaks.
    pub text: String,
    pub links: Vec<Link>,
    /// Text the reader does not see: values of attributes that can carry readable text
    /// (alt, title, value, data-*) and the text of elements styled out of sight.
    pub unseen_text: String,
    pub marks: HtmlMarks,
    /// Where the body sends the reader other than by an anchor: form actions, image-map
    /// areas, remote images (a QR code to scan) and frames, absolute URLs only, at most
    /// [`MAX_TARGETS`]. Kept apart from `links`: the rules and the model read anchors.
    pub targets: Vec<String>,
}

/// How far the visible letters of a body are counted: rules ask whether a mail shows
/// almost no text (`picture_instead_of_text`: fewer than 80), and counting a long
/// newsletter to its end cost a tenth of parsing.
pub const SHOWN_LETTERS_COUNTED: usize = 200;

/// How many non-anchor targets one body keeps.
pub const MAX_TARGETS: usize = 64;

/// What the HTML of a mail does that a reader cannot see, counted over all its HTML
/// bodies. Rules read these as tricks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HtmlMarks {
    /// Hidden elements glued into a visible word ("Pro<span style=font-size:0>xyz</span>tect"):
    /// filler that breaks words apart for a filter and not for the reader.
    pub words_cut_by_hidden_text: usize,
    /// Letters and digits inside hidden elements.
    pub hidden_letters: usize,
    /// The style makes an element many screens tall: what follows it is out of view.
    pub pushes_text_out_of_view: bool,
    /// Whether the body holds a password field: a login page mailed to the reader.
    /// (Forms alone are common: newsletters carry search boxes and sign-up forms.)
    pub has_password_field: bool,
    /// Pictures shown: images (linked or inline) and backgrounds, not the one-pixel
    /// images that only report the opening.
    pub pictures: usize,
    /// Of those, the pictures that are themselves a link: inside an anchor, or an image
    /// map's picture.
    pub linked_pictures: usize,
    /// Letters and digits of the visible text, counted up to [`SHOWN_LETTERS_COUNTED`]
    /// per body.
    pub shown_letters: usize,
}

impl HtmlMarks {
    /// Adds the marks of another HTML body of the same mail.
    pub fn add(&mut self, other: HtmlMarks) {
        self.words_cut_by_hidden_text += other.words_cut_by_hidden_text;
        self.hidden_letters += other.hidden_letters;
        self.pushes_text_out_of_view |= other.pushes_text_out_of_view;
        self.has_password_field |= other.has_password_field;
        self.pictures += other.pictures;
        self.linked_pictures += other.linked_pictures;
        self.shown_letters += other.shown_letters;
    }
}

/// Elements whose content is never shown to the reader. Not `head`: browsers end it at
/// the first visible content whether or not `</head>` comes, so skipping to `</head>`
/// would let a mail that never closes it hide its whole text from the rules.
const HIDDEN_ELEMENTS: [&str; 3] = ["script", "style", "title"];

/// Elements that never have content, so a hiding style on them hides nothing.
const VOID_ELEMENTS: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr",
];

/// Inline elements: a tiny font size on one of these hides its text. On a table cell or a
/// block it is a layout habit (closing the gaps between images) that the children
/// override with their own size, so there it hides nothing.
const INLINE_ELEMENTS: [&str; 20] = [
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "del", "em", "font", "i", "ins", "label", "mark",
    "q", "s", "small", "span", "strong",
];

/// Elements whose end tag also ends every element still open inside them: a browser
/// closes an unclosed hidden `<div>` at the `</td>` around it, and so must we, or a
/// sloppy preview line would hide the rest of a newsletter.
const CONTAINERS: [&str; 12] =
    ["td", "th", "tr", "tbody", "thead", "tfoot", "table", "li", "ul", "ol", "body", "html"];

/// Elements opened inside a hidden element that are remembered, at most; deeper nesting
/// in broken markup is read as if closed.
const MAX_OPEN_INSIDE: usize = 256;

/// The hidden element being read: its name and the elements opened inside it so far.
struct HiddenElement {
    name: String,
    inside: Vec<String>,
}

impl HiddenElement {
    /// Reads a tag met inside the hidden element; returns whether the element has ended.
    fn ends_at(&mut self, name: &str, closing: bool, self_closing: bool) -> bool {
        if self_closing {
            return false;
        }
        if !closing {
            if self.inside.len() < MAX_OPEN_INSIDE {
                self.inside.push(name.to_string());
            }
            return false;
        }
        if let Some(open) = self.inside.iter().rposition(|inner| inner == name) {
            self.inside.truncate(open);
            return false;
        }
        // Its own end tag, or the end of an element it sits in.
        name == self.name || CONTAINERS.contains(&name)
    }
}

/// Parses `html` into its visible text, links and attribute text.
pub fn parse_html(html: &str) -> HtmlContent {
    let mut content = HtmlContent::default();
    let mut open_anchor: Option<(String, usize)> = None;
    let mut hidden: Option<HiddenElement> = None;
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let text = rest.get(..start).unwrap_or_default();
        push_seen_or_hidden(&mut content, hidden.is_some(), text);
        let after = rest.get(start..).unwrap_or_default();
        if let Some(comment) = after.strip_prefix("<!--") {
            rest = comment.find("-->").and_then(|end| comment.get(end + 3..)).unwrap_or_default();
            continue;
        }
        let Some(end) = after.find('>') else {
            push_text(&mut content.text, after);
            rest = "";
            break;
        };
        let tag = after.get(1..end).unwrap_or_default();
        rest = after.get(end + 1..).unwrap_or_default();
        let (name, attributes, closing) = split_tag(tag);
        if !closing && HIDDEN_ELEMENTS.contains(&name.as_str()) {
            let close = format!("</{name}");
            let end = find_ascii_case_insensitive(rest, &close).unwrap_or(rest.len());
            if name == "style" {
                content.marks.pushes_text_out_of_view |=
                    has_towering_height(rest.get(..end).unwrap_or_default());
            }
            rest =
                rest.get(end..).and_then(|r| r.find('>').and_then(|gt| r.get(gt + 1..))).unwrap_or_default();
            continue;
        }
        if is_block(&name) {
            push_seen_or_hidden(&mut content, hidden.is_some(), "\n");
        }
        let self_closing = attributes.trim_end().ends_with('/') || VOID_ELEMENTS.contains(&name.as_str());
        let attributes = parse_attributes(attributes);
        let was_hidden = hidden.is_some();
        if hidden.as_mut().is_some_and(|open| open.ends_at(&name, closing, self_closing)) {
            hidden = None;
            content.unseen_text.push('\n');
        } else if !was_hidden && !closing && !self_closing && hides(&name, &attributes) {
            if opens_with_letter(rest) && ends_with_letter(&content.text) {
                content.marks.words_cut_by_hidden_text += 1;
            }
            hidden = Some(HiddenElement { name: name.clone(), inside: Vec::new() });
        }
        let is_password_input = name == "input"
            && attributes.iter().any(|(k, v)| k == "type" && v.eq_ignore_ascii_case("password"));
        content.marks.has_password_field |= is_password_input;
        if !closing && shows_picture(&name, &attributes) {
            content.marks.pictures += 1;
            let is_map = attributes.iter().any(|(key, _)| key == "usemap");
            content.marks.linked_pictures += usize::from(open_anchor.is_some() || is_map);
        }
        for (key, value) in attributes {
            if key == "style" {
                content.marks.pushes_text_out_of_view |= has_towering_height(&value);
            }
            // SVG writes an anchor's target as xlink:href (SVG 1.1).
            if (key == "href" || key == "xlink:href") && name == "a" && !closing {
                if let Some((href, start)) = open_anchor.take() {
                    close_anchor(&mut content, href, start);
                }
                open_anchor = Some((value, content.text.len()));
            } else if is_target(&name, &key) && is_absolute(&value) {
                if content.targets.len() < MAX_TARGETS {
                    content.targets.push(value);
                }
            } else if matches!(key.as_str(), "alt" | "title" | "value" | "placeholder")
                || key.starts_with("data-")
            {
                content.unseen_text.push_str(&value);
                content.unseen_text.push('\n');
            }
        }
        if name == "a"
            && closing
            && let Some((href, start)) = open_anchor.take()
        {
            close_anchor(&mut content, href, start);
        }
    }
    push_seen_or_hidden(&mut content, hidden.is_some(), rest);
    if let Some((href, start)) = open_anchor.take() {
        close_anchor(&mut content, href, start);
    }
    content.marks.shown_letters = crate::mail::letters_up_to(&content.text, SHOWN_LETTERS_COUNTED);
    content
}

/// Whether attribute `key` of element `name` sends the reader somewhere: a form's action
/// (or a button's), an image map's area, an image, a frame or a background.
fn is_target(name: &str, key: &str) -> bool {
    match key {
        "action" | "formaction" | "background" => true,
        "href" => name == "area",
        "src" => matches!(name, "img" | "input" | "iframe" | "frame" | "embed" | "image"),
        _ => false,
    }
}

/// Whether element `name` shows a picture: an image with a source that is not declared
/// one or two pixels wide or high (a tracking pixel), or a background image.
fn shows_picture(name: &str, attributes: &[(String, String)]) -> bool {
    let value = |wanted: &str| attributes.iter().find(|(key, _)| key == wanted).map(|(_, v)| v.as_str());
    let is_image = match name {
        "img" | "image" => true,
        "input" => value("type").is_some_and(|t| t.eq_ignore_ascii_case("image")),
        _ => false,
    };
    let tiny = |key| {
        value(key).and_then(|v| v.trim().trim_end_matches("px").parse::<u32>().ok()).is_some_and(|px| px <= 2)
    };
    let image = is_image
        && value("src").is_some_and(|src| !src.trim().is_empty())
        && !tiny("width")
        && !tiny("height");
    let background = value("background").is_some_and(|url| !url.trim().is_empty())
        || value("style").is_some_and(|style| {
            // Read in place: most elements of a newsletter carry a style.
            find_ascii_case_insensitive(style, "background").is_some()
                && find_ascii_case_insensitive(style, "url(").is_some()
        });
    image || background
}

/// Whether a URL names its host (`https://…`, `//…`): a relative one or a `cid:` image
/// goes nowhere outside the mail.
fn is_absolute(url: &str) -> bool {
    let url = url.trim_start();
    url.starts_with("//") || url.split_once("://").is_some_and(|(scheme, _)| !scheme.is_empty())
}

/// Whether an element's inline style keeps its content out of sight: `display:none`,
/// `visibility:hidden`, `opacity:0`, or (on an inline element) a font too small to read.
fn hides(name: &str, attributes: &[(String, String)]) -> bool {
    let Some((_, style)) = attributes.iter().find(|(key, _)| key == "style") else { return false };
    let style: String = style.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    let declarations = || style.split(';').filter_map(|d| d.split_once(':'));
    declarations().any(|(property, value)| {
        let value = value.trim_end_matches("!important");
        match property {
            "display" => value == "none",
            "visibility" => value == "hidden",
            "opacity" => value.parse::<f32>().is_ok_and(|o| o <= 0.01),
            "font-size" => INLINE_ELEMENTS.contains(&name) && is_unreadable_size(value),
            _ => false,
        }
    })
}

/// Screens' worth of height from which an element is a spacer, not layout: ten thousand
/// pixels, or ten screen heights.
const TOWERING_PX: f32 = 10_000.0;
const TOWERING_VH: f32 = 1_000.0;

/// Whether CSS text gives something a height (or minimum height) of many screens
/// ("height: 470500px", "height: 10000vh"). `line-height` and `max-height` do not count.
fn has_towering_height(css: &str) -> bool {
    let mut from = 0;
    while let Some(at) = find_ascii_case_insensitive(css.get(from..).unwrap_or_default(), "height") {
        let start = from + at;
        from = start + "height".len();
        let before = css.get(..start).unwrap_or_default();
        let property_start = before.strip_suffix("min-").unwrap_or(before);
        if property_start.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-') {
            continue;
        }
        let value = css.get(from..).unwrap_or_default().trim_start();
        let Some(value) = value.strip_prefix(':') else { continue };
        let Some((size, unit)) = css_length(value.trim_start()) else { continue };
        let unit = unit.get(..2).unwrap_or(unit);
        if (unit.eq_ignore_ascii_case("px") && size >= TOWERING_PX)
            || (unit.eq_ignore_ascii_case("vh") && size >= TOWERING_VH)
        {
            return true;
        }
    }
    false
}

/// A CSS length as written ("470500px", "0.0004vw"): the number and what follows it.
fn css_length(value: &str) -> Option<(f32, &str)> {
    let number_end = value.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(value.len());
    let (number, unit) = value.split_at(number_end);
    Some((number.parse().ok()?, unit))
}

/// A font size nobody can read: zero, under a pixel or point, or a vanishing fraction of
/// a relative unit ("0.0000000004vw").
fn is_unreadable_size(value: &str) -> bool {
    let Some((size, unit)) = css_length(value) else { return false };
    match unit {
        _ if size == 0.0 => true,
        "px" | "pt" => size < 1.0,
        "%" => size < 5.0,
        "em" | "rem" | "ex" | "ch" | "vw" | "vh" | "vmin" | "vmax" => size < 0.05,
        _ => false,
    }
}

/// Invisible characters next to a hidden element do not part it from a word: a zero-width
/// space, typed or written `&ZeroWidthSpace;`, is nothing to the reader.
fn ends_with_letter(text: &str) -> bool {
    text.trim_end_matches(crate::mail::normalize::is_invisible).ends_with(char::is_alphanumeric)
}

/// Whether raw HTML text opens with a letter or digit once its first references are
/// decoded and invisible characters skipped ("&ZeroWidthSpace;xyz" does). Looks at the
/// first few bytes only: a word cut is decided by its first letter.
fn opens_with_letter(raw: &str) -> bool {
    const LOOK: usize = 64;
    let mut end = raw.find('<').unwrap_or(raw.len()).min(LOOK);
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    let head = htmlize::unescape(raw.get(..end).unwrap_or_default());
    head.trim_start_matches(crate::mail::normalize::is_invisible).starts_with(char::is_alphanumeric)
}

/// Adds text to what the reader sees, or (inside a hidden element) to the unseen text,
/// counting its letters.
fn push_seen_or_hidden(content: &mut HtmlContent, hidden: bool, raw: &str) {
    if !hidden {
        push_text(&mut content.text, raw);
        return;
    }
    let before = content.unseen_text.len();
    push_text(&mut content.unseen_text, raw);
    let added = content.unseen_text.get(before..).unwrap_or_default();
    content.marks.hidden_letters += crate::mail::letters_in(added);
}

fn close_anchor(content: &mut HtmlContent, href: String, start: usize) {
    let text = content.text.get(start..).unwrap_or_default();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    content.links.push(Link { href, text, shown: Shown::InBody });
}

fn push_text(out: &mut String, raw: &str) {
    if raw.is_empty() {
        return;
    }
    decode_entities_into(out, raw);
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "br" | "p"
            | "div"
            | "tr"
            | "td"
            | "th"
            | "li"
            | "ul"
            | "ol"
            | "table"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "hr"
            | "center"
            | "section"
            | "pre"
    )
}

/// Splits the inside of a tag into its lower-cased name, the attribute text, and whether
/// it is a closing tag.
fn split_tag(tag: &str) -> (String, &str, bool) {
    let tag = tag.trim_start();
    let (closing, tag) = match tag.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, tag),
    };
    let name_end = tag.find(|c: char| c.is_whitespace() || c == '/' || c == '>').unwrap_or(tag.len());
    let name = tag.get(..name_end).unwrap_or_default().to_ascii_lowercase();
    (name, tag.get(name_end..).unwrap_or_default(), closing)
}

/// Reads `key="value"`, `key='value'` and `key=value` pairs; keys lower-cased, values
/// entity-decoded.
fn parse_attributes(mut text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    loop {
        text = text.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        let Some(eq) = text.find('=') else { break };
        let key = text.get(..eq).unwrap_or_default().trim();
        let key = key.rsplit(char::is_whitespace).next().unwrap_or(key);
        let key = key.to_ascii_lowercase();
        let value_part = text.get(eq + 1..).unwrap_or_default().trim_start();
        let (raw_value, remainder) = match value_part.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let inner = value_part.get(1..).unwrap_or_default();
                match inner.find(quote) {
                    Some(close) => {
                        (inner.get(..close).unwrap_or_default(), inner.get(close + 1..).unwrap_or_default())
                    }
                    None => (inner, ""),
                }
            }
            _ => {
                let end = value_part.find(char::is_whitespace).unwrap_or(value_part.len());
                (value_part.get(..end).unwrap_or_default(), value_part.get(end..).unwrap_or_default())
            }
        };
        let mut value = String::new();
        decode_attribute_entities_into(&mut value, raw_value);
        pairs.push((key, value.trim().to_string()));
        if remainder.len() >= text.len() {
            break;
        }
        text = remainder;
    }
    pairs
}

/// Appends text read between tags to `out` with its character references decoded as a
/// browser decodes them: every named reference of the WHATWG table (`&amp;`,
/// `&ZeroWidthSpace;`, `&NegativeMediumSpace;`), numeric ones (`&#12354;`, `&#x3042;`,
/// with the spec's repairs: `&#x80;` is €, `&#0;` and out-of-range numbers are U+FFFD),
/// and the legacy names a browser reads without a semicolon (`&copy2026` is ©2026).
/// Unknown references are kept as written. What a reference produces goes through the
/// same normalisation as the character written out: an invisible one inside a word is
/// counted as one (see [`crate::mail::normalize`]).
pub fn decode_entities_into(out: &mut String, raw: &str) {
    out.push_str(&htmlize::unescape(raw));
}

/// [`decode_entities_into`] for an attribute value: a legacy name without a semicolon
/// followed by a letter, digit or `=` stays as written, so `href="?a=1&region=jp"` keeps
/// its `&region` where text would read `®ion`.
pub fn decode_attribute_entities_into(out: &mut String, raw: &str) {
    out.push_str(&htmlize::unescape_attribute(raw));
}

fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack.as_bytes().windows(needle.len()).position(|window| window.eq_ignore_ascii_case(needle))
}

mod redirect;
#[cfg(test)]
mod tests;

pub use redirect::redirects;
