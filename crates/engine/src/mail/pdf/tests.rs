//! The PDF scan on files built here, byte by byte: each test lays out the objects a writer
//! (or a lure kit) would, including the spellings and layouts meant to slip past a scan.

use std::io::Write;

use super::syntax::MAX_LINK_BYTES;
use super::*;

/// The links of `pdf` read alone, with a mail's whole budget.
fn read(pdf: &[u8]) -> Vec<String> {
    links(pdf, &mut Budget::default())
}

fn deflated(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("in memory");
    encoder.finish().expect("in memory")
}

/// A PDF whose objects are `body`, as a writer lays them out.
fn pdf(body: &[u8]) -> Vec<u8> {
    [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".as_slice(), body, b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"].concat()
}

fn object_stream(contents: &[u8]) -> Vec<u8> {
    let data = deflated(contents);
    let head = format!(
        "5 0 obj\n<< /Type /ObjStm /N 2 /First 9 /Filter /FlateDecode /Length {} >>\nstream\r\n",
        data.len()
    );
    [head.as_bytes(), &data, b"\r\nendstream\nendobj\n"].concat()
}

#[test]
fn a_link_action_in_a_plain_object_is_read_with_its_escapes_undone() {
    let plain = pdf(b"4 0 obj\n<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https\\072//pay\\(1\\).example/a\\\n/b) >> >>\nendobj");
    assert_eq!(read(&plain), ["https://pay(1).example/a/b"]);
    let hex = pdf(b"4 0 obj << /A << /S /URI /URI <68747470733A2F2F782E6578616D706C652F> >> >> endobj");
    assert_eq!(read(&hex), ["https://x.example/"]);
    let nested = pdf(b"<< /URI (https://x.example/(a)) >>");
    assert_eq!(read(&nested), ["https://x.example/(a)"]);
}

#[test]
fn a_link_action_in_a_compressed_object_stream_is_read() {
    let annotation =
        b"1 0 2 40 << /Type /Annot /A << /S /URI /URI (https://login.example.top/x) >> >> << /Type /Page >>";
    let compressed = pdf(&object_stream(annotation));
    assert!(memmem::find(&compressed, b"login.example").is_none(), "the link is compressed");
    assert_eq!(read(&compressed), ["https://login.example.top/x"]);
}

#[test]
fn only_web_addresses_count_and_each_host_once() {
    let body = b"<< /URI (tel:0800123) >> << /URI (mailto:a@b.example) >> << /URI (https://a.example/) >> << /URI (https://a.example/2) >> << /URI /Name >>";
    assert_eq!(read(&pdf(body)), ["https://a.example/"]);
    let control = pdf(b"<< /URI (https://a.example/\\001) >>");
    assert!(read(&control).is_empty(), "ciphertext or control bytes are no address");
}

#[test]
fn streams_other_than_object_streams_are_not_inflated() {
    let data = deflated(format!("<< /URI (https://hidden.example/) >>{}", " ".repeat(1000)).as_bytes());
    assert!(memmem::find(&data, b"hidden").is_none(), "the link is compressed");
    let head = format!("6 0 obj\n<< /Filter /FlateDecode /Length {} >>\nstream\n", data.len());
    let content = pdf(&[head.as_bytes(), &data, b"\nendstream\nendobj"].concat());
    assert!(read(&content).is_empty());
}

#[test]
fn one_budget_serves_all_the_pdfs_of_a_mail_and_a_bomb_takes_only_its_share() {
    let keys: Vec<u8> = b"/URI /x ".repeat(MAX_URI_KEYS);
    let lure = pdf(b"<< /URI (https://lure.example/) >>");
    let mut budget = Budget::default();
    assert!(links(&pdf(&keys), &mut budget).is_empty());
    assert!(links(&lure, &mut budget).is_empty(), "the mail's keys are spent");
    assert_eq!(read(&lure), ["https://lure.example/"], "a mail of its own has its own budget");
    let bomb = object_stream(&vec![b' '; MAX_INFLATED_BYTES]);
    let after = object_stream(b"<< /URI (https://after-the-bomb.example/) >>");
    assert_eq!(read(&pdf(&[bomb, after].concat())), ["https://after-the-bomb.example/"]);
}

#[test]
fn an_object_streams_dictionary_is_read_however_long_and_whatever_it_names() {
    let data = deflated(format!("<< /URI (https://in-stream.example/) >>{}", " ".repeat(500)).as_bytes());
    let head = format!(
        "endobj\n7 0 obj\n<< /Creator (pdfobj) /Type /ObjStm /Producer ({}) /Length {} >>\nstream\n",
        "x".repeat(1500),
        data.len()
    );
    let long = pdf(&[head.as_bytes(), &data, b"\nendstream\nendobj"].concat());
    assert_eq!(read(&long), ["https://in-stream.example/"]);
}

#[test]
fn anything_else_yields_nothing_and_hostile_input_is_bounded() {
    assert!(read(b"<< /URI (https://a.example/) >>").is_empty(), "no %PDF- header");
    assert!(read(b"").is_empty());
    // A stream that inflates to far more than the budget stops at the budget.
    let bomb = object_stream(&vec![b' '; MAX_INFLATED_BYTES * 2]);
    let mut many = pdf(&bomb);
    many.extend(pdf(b"/URI (https://after.example/)"));
    assert_eq!(read(&many), ["https://after.example/"]);
    let cut = b"%PDF-1.4\n<< /URI (https://a.example/".to_vec();
    assert_eq!(read(&cut), ["https://a.example/"], "an unterminated string ends at the file's end");
    let endless = pdf(&[b"/URI (https://a.example/".as_slice(), &vec![b'a'; 10_000]].concat());
    assert_eq!(read(&endless)[0].len(), MAX_LINK_BYTES);
    let padding: String = (0..2000).map(|i| format!("{} 0 obj ", i * 7919 % 10007)).collect();
    let truncated = object_stream(format!("<< /URI (https://first.example/) >> {padding}").as_bytes());
    assert_eq!(read(&pdf(&truncated[..truncated.len() - 30])), ["https://first.example/"]);
    let decoys: Vec<u8> =
        (0..100).flat_map(|i| format!("<< /URI (https://real.example/{i}) >>").into_bytes()).collect();
    let lure = [decoys, b"<< /URI (https://lure.example/) >>".to_vec()].concat();
    assert_eq!(read(&pdf(&lure)), ["https://real.example/0", "https://lure.example/"]);
    let many_links: Vec<u8> =
        (0..100).flat_map(|i| format!("<< /URI (https://l{i}.example/) >>").into_bytes()).collect();
    assert_eq!(read(&pdf(&many_links)).len(), MAX_LINKS);
}

#[test]
fn keys_spelled_with_escapes_are_read_as_a_viewer_reads_them() {
    let escaped = pdf(b"4 0 obj << /S /URI /U#52I (https://hidden-one.example/) >> endobj\n\
        5 0 obj << /#55RI <68747470733A2F2F74776F2E6578616D706C652F> >> endobj");
    assert_eq!(read(&escaped), ["https://hidden-one.example/", "https://two.example/"]);
    let in_stream =
        pdf(&object_stream(b"1 0 << /A << /S /U#52#49 /#55#52#49 (https://packed.example/) >> >>"));
    assert_eq!(read(&in_stream), ["https://packed.example/"]);
    // An escape that spells another name, or a broken one, is no /URI.
    let others =
        pdf(b"<< /U#53I (https://a.example/) /U#5 (https://b.example/) /URI#20 (https://c.example/) >>");
    assert!(read(&others).is_empty());
}

#[test]
fn an_indirect_uri_is_read_from_the_object_it_names() {
    let plain = pdf(b"4 0 obj << /Type /Action /S /URI /URI 12 0 R >> endobj\n\
        12 0 obj\n(https://far.example/login)\nendobj");
    assert_eq!(read(&plain), ["https://far.example/login"]);
    // The last definition wins (an incremental update), and the link keeps its place.
    let updated = pdf(b"<< /URI 7 0 R >> << /URI (https://second.example/) >>\n\
        7 0 obj (https://old.example/) endobj 7 0 obj <68747470733A2F2F6E65772E6578616D706C652F> endobj");
    assert_eq!(read(&updated), ["https://new.example/", "https://second.example/"]);
    // In an object stream: object 9, then object 12 after it, each at its offset from /First.
    let (nine, twelve) = ("<< /A << /S /URI /URI 12 0 R >> >> ", "(https://packed.example/p)");
    let header = format!("9 0 12 {} ", nine.len());
    let data = deflated(format!("{header}{nine}{twelve}").as_bytes());
    let head = format!(
        "5 0 obj\n<< /Type /ObjStm /N 2 /First {} /Filter /FlateDecode /Length {} >>\nstream\n",
        header.len(),
        data.len()
    );
    let packed = pdf(&[head.as_bytes(), &data, b"\nendstream\nendobj"].concat());
    assert_eq!(read(&packed), ["https://packed.example/p"]);
    // A reference to nothing, to a non-string, or to another reference gives nothing.
    let dangling = pdf(
        b"<< /URI 3 0 R >> << /URI 4 0 R >> 4 0 obj << /X 1 >> endobj << /URI 5 0 R >> 5 0 obj 4 0 R endobj",
    );
    assert!(read(&dangling).is_empty());
}

#[test]
fn a_submit_form_and_a_launch_give_the_address_they_send_to() {
    let submit =
        pdf(b"7 0 obj << /Type /Action /F (https://collect.example/post) /S /SubmitForm /Flags 4 >> endobj");
    assert_eq!(read(&submit), ["https://collect.example/post"]);
    let specification = pdf(b"<< /S /SubmitForm /F << /FS /URL /F (https://spec.example/p) >> >>");
    assert_eq!(read(&specification), ["https://spec.example/p"]);
    let launch = pdf(b"<< /A << /S /Launch /Win << /F (https://run.example/x) /P (open) >> >> >>");
    assert_eq!(read(&launch), ["https://run.example/x"]);
    let escaped = pdf(b"<< /S /Sub#6DitForm /#46 12 0 R >> 12 0 obj (https://far.example/) endobj");
    assert_eq!(read(&escaped), ["https://far.example/"]);
    // A launched program, a file beside the PDF, and a file key outside any action are no links.
    let local = pdf(b"<< /S /Launch /F (cmd.exe) >> << /S /GoToR /F (https://remote.example/) >> << /F 4 >>");
    assert!(read(&local).is_empty());
    // The action's own dictionary is read, not the one after it.
    let apart = pdf(b"<< /S /Launch /F (notes.txt) >> << /Type /Filespec /F (https://other.example/) >>");
    assert!(read(&apart).is_empty());
}

#[test]
fn hostile_actions_and_references_stay_bounded() {
    // Thousands of references and actions cost their keys, and each one a bounded read.
    let references: Vec<u8> = (0..5000).flat_map(|i| format!("<< /URI {i} 0 R >>").into_bytes()).collect();
    assert!(read(&pdf(&references)).is_empty());
    let actions = b"<< /S /SubmitForm ".repeat(5000);
    assert!(read(&pdf(&actions)).is_empty());
    let deep = [b"<< /S /Launch ".as_slice(), &b"<<".repeat(10_000), b"/F (https://deep.example/)"].concat();
    assert!(read(&pdf(&deep)).len() <= 1);
    let long_name = [b"/".as_slice(), &b"#55".repeat(10_000), b" (https://a.example/)"].concat();
    assert!(read(&pdf(&long_name)).is_empty());
    for cut in [b"<< /URI 12".as_slice(), b"<< /URI 12 0", b"/U#5", b"/S /Launch", b"<< /S /SubmitForm /F"] {
        assert!(read(&pdf(cut)).is_empty());
        let mut bare = b"%PDF-1.4 ".to_vec();
        bare.extend_from_slice(cut);
        assert!(read(&bare).is_empty());
    }
}
