use super::*;

#[test]
fn text_links_and_attributes_are_separated() {
    let html = r#"<html><head><style>p{}</style></head><body><p>Hello &amp; welcome</p>
        <a href="https://evil.example/login">https://www.paypal.com</a>
        <img alt="bc1q wallet"><!-- hidden --></body></html>"#;
    let content = parse_html(html);
    assert!(content.text.contains("Hello & welcome"));
    assert!(!content.text.contains("p{}"));
    assert!(!content.text.contains("hidden"));
    assert_eq!(
        content.links,
        vec![Link {
            href: "https://evil.example/login".into(),
            text: "https://www.paypal.com".into(),
            shown: Shown::InBody
        }]
    );
    assert_eq!(content.unseen_text.trim(), "bc1q wallet");
    assert!(!content.marks.has_password_field);
}

#[test]
fn hidden_elements_are_unseen_text_and_words_they_cut_are_counted() {
    let html = "<p>Pro<span style='font-size:0.0000004vw'>chanteuse <b>x</b> y</span>tect your \
        <a href='https://x.example/'>acc<span style='display: none !important'>zz</span>ount</a></p>\
        <div style='display:none'>preview line</div>\
        <table><tr><td style='font-size:0'><span style='font-size:14px'>Shown</span></td></tr></table>\
        <span style='opacity:0'/>After";
    let content = parse_html(html);
    let visible: String = content.text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(visible, "Protect your account Shown After");
    assert_eq!(content.links.first().map(|l| l.text.as_str()), Some("account"));
    for unseen in ["chanteuse", "zz", "preview line"] {
        assert!(content.unseen_text.contains(unseen), "{unseen} in {:?}", content.unseen_text);
    }
    assert_eq!(content.marks.words_cut_by_hidden_text, 2);
    assert_eq!(content.marks.hidden_letters, "chanteusexyzzpreviewline".len());
}

#[test]
fn invisible_characters_around_a_hidden_element_do_not_hide_the_cut_word() {
    for html in [
        "<p>Pro&ZeroWidthSpace;<span style='display:none'>&ZeroWidthSpace;xyz</span>tect</p>",
        "<p>Pro\u{200B}<span style='display:none'>\u{200B}xyz</span>tect</p>",
        "<p>Pro<span style='display:none'>&NoBreak;&#8203;xyz</span>tect</p>",
    ] {
        assert_eq!(parse_html(html).marks.words_cut_by_hidden_text, 1, "{html}");
    }
    let between_words = "<p>Protect &ZeroWidthSpace;<span style='display:none'> &ZeroWidthSpace;x</span></p>";
    assert_eq!(parse_html(between_words).marks.words_cut_by_hidden_text, 0);
}

#[test]
fn towering_heights_are_recognised_in_style_blocks_and_attributes() {
    assert!(parse_html("<style>.below { height: 470500px; }</style><p>x</p>").marks.pushes_text_out_of_view);
    assert!(parse_html("<div style='min-height:10000vh'>x</div>").marks.pushes_text_out_of_view);
    for ordinary in [
        "<style>td { height: 40px; line-height: 99999px; max-height: 99999px }</style>",
        "<div style='height:100%'>x</div>",
        "<img height=20000 src=x>",
    ] {
        assert!(!parse_html(ordinary).marks.pushes_text_out_of_view, "{ordinary}");
    }
}

#[test]
fn an_unclosed_hidden_element_ends_with_the_cell_around_it() {
    let html = "<table><tr><td><div style='display:none'>preview line</td></tr></table>\
        <p>The newsletter itself</p><div>more</div>\
        <div style='display:none'><table><tr><td>hidden cell</td></tr></table>still hidden</div>shown";
    let content = parse_html(html);
    let visible: String = content.text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(visible, "The newsletter itself more shown");
    assert!(content.unseen_text.contains("hidden cell") && content.unseen_text.contains("still hidden"));
}

#[test]
fn unreadable_font_sizes_are_recognised() {
    for size in ["0", "0px", "0.5px", "0.4pt", "0.00000042630vw", "0.01em", "1%"] {
        assert!(is_unreadable_size(size), "{size}");
    }
    for size in ["1px", "12px", "0.8em", "75%", "small", ""] {
        assert!(!is_unreadable_size(size), "{size}");
    }
}

#[test]
fn an_unclosed_head_does_not_hide_the_body() {
    let html = "<html><head><meta charset=utf-8><title>T</title><style>a{}</style>\
        <a href='https://x.example/'><h5>Your account has been deactivated - Update your payment now</h5></a>";
    let content = parse_html(html);
    assert!(content.text.contains("Update your payment now"), "{:?}", content.text);
    assert!(!content.text.contains("a{}") && !content.text.contains('T'));
}

#[test]
fn forms_areas_images_and_frames_are_targets_apart_from_the_links() {
    let content = parse_html(
        "<form action=\"https://a.example/post\"><input type=image src=\"//b.example/i.png\"></form>\
         <map><area href=\"https://c.example/x\"></map><img src=\"https://d.example/qr.png\">\
         <img src=\"cid:logo\"><img src=\"map.png\"><a href=\"https://e.example/\">e</a>",
    );
    assert_eq!(
        content.targets,
        ["https://a.example/post", "//b.example/i.png", "https://c.example/x", "https://d.example/qr.png"]
    );
    assert_eq!(content.links.len(), 1, "anchors stay links, and only they");
    let many = "<img src=\"https://x.example/i\">".repeat(MAX_TARGETS + 10);
    assert_eq!(parse_html(&many).targets.len(), MAX_TARGETS);
}

#[test]
fn image_inputs_and_buttons_that_send_a_form_elsewhere_are_targets() {
    let content = parse_html(
        "<form action=\"https://site.example/search\"><input name=q>\
         <input type=\"image\" src=\"https://cdn.example/go.png\" formaction=\"https://collect.example/a\">\
         <button type=submit formaction='https://collect.example/b'>Sign in</button>\
         <button formaction=\"next.php\">Next</button></form>",
    );
    assert_eq!(
        content.targets,
        [
            "https://site.example/search",
            "https://cdn.example/go.png",
            "https://collect.example/a",
            "https://collect.example/b"
        ]
    );
    assert!(content.links.is_empty(), "they are targets, as the form's action is");
}

#[test]
fn password_fields_are_noticed_but_plain_forms_are_not() {
    assert!(parse_html("<input type=\"password\" name=p>").marks.has_password_field);
    assert!(
        !parse_html("<form action='https://x.example/search'><input type=text></form>")
            .marks
            .has_password_field
    );
}

#[test]
fn pictures_are_counted_but_not_tracking_pixels() {
    let pictures = |html: &str| parse_html(html).marks.pictures;
    assert_eq!(pictures("<a href='https://x.example/'><img src='cid:letter'></a>"), 1);
    assert_eq!(pictures("<IMG SRC=\"https://x.example/a.png\" width=600><input type=image src=b.png>"), 2);
    assert_eq!(pictures("<td background='https://x.example/bg.jpg'></td>"), 1);
    assert_eq!(pictures("<div style=\"background-image: URL('https://x.example/bg.jpg')\">Hi</div>"), 1);
    assert_eq!(
        pictures("<img src='https://t.example/open.gif' width='1' height='1'>"),
        0,
        "a tracking pixel"
    );
    assert_eq!(pictures("<img src=\"https://t.example/o.gif\" height=\"0px\">"), 0);
    assert_eq!(pictures("<img alt='no source'><img src=''><div style='background:#fff'></div>"), 0);
    let linked = |html: &str| parse_html(html).marks.linked_pictures;
    assert_eq!(
        linked("<a href='https://x.example/'><p><img src='cid:letter'></p></a><img src='cid:logo'>"),
        1
    );
    assert_eq!(
        linked("<img src='cid:letter' usemap='#m'><map name=m><area href='https://x.example/'></map>"),
        1
    );
    assert_eq!(linked("<a href='https://x.example/'>Read</a><img src='cid:logo'>"), 0);
}

#[test]
fn numeric_references_decode() {
    let content = parse_html("&#12354;&#x3044; &bogus; &");
    assert_eq!(content.text, "あい &bogus; &");
    // The spec's repairs: C1 numbers are Windows-1252, nothing and beyond Unicode is U+FFFD.
    assert_eq!(parse_html("&#x80;&#0;&#99999999;&#65").text, "\u{20AC}\u{FFFD}\u{FFFD}A");
}

#[test]
fn every_named_reference_of_the_whatwg_table_decodes() {
    // Rare names a short table misses: invisible ones, Cyrillic and mathematical letters.
    let cases = [
        ("h&ZeroWidthSpace;acked", "h\u{200B}acked"),
        ("a&NegativeMediumSpace;b&NoBreak;c&it;d&ic;e", "a\u{200B}b\u{2060}c\u{2062}d\u{2063}e"),
        ("P&acy;yP&acy;l", "P\u{0430}yP\u{0430}l"),
        ("&Bopf;&iscr;&tfr;", "\u{1D539}\u{1D4BE}\u{1D531}"),
        ("&rsquo;&hellip;&nbsp;&yen;", "\u{2019}\u{2026}\u{00A0}\u{00A5}"),
        ("&NotNestedGreaterGreater;", "\u{2AA2}\u{0338}"),
    ];
    for (html, text) in cases {
        assert_eq!(parse_html(html).text, text, "{html}");
    }
}

#[test]
fn legacy_references_without_a_semicolon_read_as_a_browser_reads_them() {
    // In text a legacy name needs no semicolon; other names do.
    assert_eq!(parse_html("&copy2026 &amp &ZeroWidthSpace x").text, "\u{00A9}2026 & &ZeroWidthSpace x");
    // In an attribute a legacy name glued to a letter, digit or '=' is a query, not a reference.
    let content = parse_html("<a href='https://x.example/?a=1&region=jp&copy=2&amp;b=3&lt'>t</a>");
    assert_eq!(
        content.links.first().map(|l| l.href.as_str()),
        Some("https://x.example/?a=1&region=jp&copy=2&b=3<")
    );
}

#[test]
fn invisible_characters_from_references_are_counted_like_written_ones() {
    let raw =
        |body: &str| format!("From: a@b.example\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{body}");
    let by_reference =
        crate::mail::parse(raw("I&rsquo;ve h&ZeroWidthSpace;acked your P&acy;yP&acy;l").as_bytes());
    let written = crate::mail::parse(raw("I\u{2019}ve h\u{200B}acked your P\u{0430}yP\u{0430}l").as_bytes());
    let (by_reference, written) = (by_reference.expect("parses"), written.expect("parses"));
    assert_eq!(by_reference.normalized_text, "I've hacked your PayPal");
    assert_eq!(by_reference.disguised_body.hidden, 1);
    assert!(by_reference.disguised_body.lookalikes > 0);
    assert_eq!(by_reference.normalized_text, written.normalized_text);
    assert_eq!(by_reference.disguised_body, written.disguised_body);
}

#[test]
fn broken_markup_never_panics_and_keeps_text() {
    for html in ["<a href='x", "<<<>>>", "<a href=>t</a", "text <b", "<!-- open", "&#99999999;"] {
        let _ = parse_html(html);
    }
    assert!(parse_html("before <b").text.contains("before"));
}
