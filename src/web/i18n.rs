//! The review page in English and Japanese: which language a request gets, and the words
//! each page is written in (pure).
//!
//! The language is, in order: `?lang=` (remembered in a cookie, so the links need not
//! carry it), that cookie, the browser's Accept-Language, then `report.lang`.

use crate::detect::SignalId;
use crate::report::render::Lang;
use crate::store::{Action, Category, Verdict};

/// The language a request is answered in; see the module documentation for the order.
pub fn choose(
    query: Option<Lang>,
    cookie: Option<&str>,
    accept_language: Option<&str>,
    default: Lang,
) -> Lang {
    query
        .or_else(|| cookie.and_then(|c| Lang::parse(c).ok()))
        .or_else(|| accept_language.and_then(from_accept_language))
        .unwrap_or(default)
}

/// The preferred language of an Accept-Language header that we have (`ja-JP,en;q=0.8`
/// → Japanese), by quality value, ties to the one listed first; `None` when it names
/// neither.
pub fn from_accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let lang = match primary {
            "ja" => Lang::Ja,
            "en" => Lang::En,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// A verdict as the page names it (English: the stored word).
pub fn verdict(lang: Lang, verdict: Verdict) -> &'static str {
    match (lang, verdict) {
        (Lang::Ja, Verdict::Threat) => "脅威",
        (Lang::Ja, Verdict::Suspicious) => "疑わしい",
        (Lang::Ja, Verdict::Unreadable) => "読めない",
        (Lang::En, verdict) => verdict.as_str(),
    }
}

/// A category as the page names it (English: the stored word).
pub fn category(lang: Lang, category: Category) -> &'static str {
    match (lang, category) {
        (Lang::Ja, Category::Extortion) => "脅迫",
        (Lang::Ja, Category::Phishing) => "フィッシング",
        (Lang::Ja, Category::Malware) => "マルウェア",
        (Lang::Ja, Category::Other) => "その他",
        (Lang::En, category) => category.as_str(),
    }
}

/// An action as the page names it (in English, the stored word).
pub fn action(lang: Lang, action: Action) -> &'static str {
    match (lang, action) {
        (Lang::Ja, Action::Planned) => "移動予定",
        (Lang::Ja, Action::Moved) => "移動済み",
        (Lang::Ja, Action::Copied) => "コピー済み",
        (Lang::Ja, Action::CopyMade) => "コピー作成済み",
        (Lang::Ja, Action::FlagPlanned) => "印付け予定",
        (Lang::Ja, Action::Flagged) => "印付け済み",
        (Lang::Ja, Action::DryRun) => "試行（移動なし）",
        (Lang::Ja, Action::Nothing) => "なし",
        (Lang::Ja, Action::Gone) => "消えていた",
        (Lang::Ja, Action::TrustedSender) => "信頼済みの差出人",
        (Lang::Ja, Action::Restored) => "戻し済み",
        (Lang::Ja, Action::Unreadable) => "読めない",
        (Lang::Ja, Action::Released) => "利用者が戻した",
        (Lang::Ja, Action::Reported) => "利用者が迷惑メールに入れた",
        (Lang::En, action) => action.as_str(),
    }
}

/// Every word the review pages show, in one language.
pub struct Words {
    pub history: &'static str,
    pub report: &'static str,
    pub account: &'static str,
    pub verdict: &'static str,
    pub category: &'static str,
    pub action: &'static str,
    pub since: &'static str,
    pub since_hint: &'static str,
    pub search: &'static str,
    pub any: &'static str,
    pub filter: &'static str,
    pub when: &'static str,
    pub score: &'static str,
    pub folder: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub subject: &'static str,
    pub date: &'static str,
    pub newer: &'static str,
    pub older: &'static str,
    pub page: &'static str,
    pub no_rows: &'static str,
    pub detection: &'static str,
    pub signals: &'static str,
    pub weight: &'static str,
    pub signal: &'static str,
    pub evidence: &'static str,
    pub wallets: &'static str,
    pub amounts: &'static str,
    pub deadlines: &'static str,
    pub hours: &'static str,
    /// After a wallet's coin, when its checksum proved it (", checksum valid").
    pub checksum_valid: &'static str,
    pub password: &'static str,
    pub password_advice: &'static str,
    pub restore: &'static str,
    pub restore_hint: &'static str,
    pub restored: &'static str,
    pub found_in_place: &'static str,
    pub already_restored: &'static str,
    pub restore_failed: &'static str,
    pub sender_lists: &'static str,
    pub trust: &'static str,
    pub block: &'static str,
    pub trust_hint: &'static str,
    pub trusted_now: &'static str,
    pub blocked_now: &'static str,
    pub listed_before: &'static str,
    pub not_an_address: &'static str,
    pub trusted_list: &'static str,
    pub blocked_list: &'static str,
    pub remove: &'static str,
    pub removed_now: &'static str,
    pub not_listed: &'static str,
    pub no_entries: &'static str,
    pub this_week: &'static str,
    pub last_week: &'static str,
    pub not_found: &'static str,
    pub forbidden: &'static str,
    pub bad_filter: &'static str,
    pub mail_text: &'static str,
    pub mail_text_show: &'static str,
    pub mail_text_hint: &'static str,
    pub mail_gone: &'static str,
    pub mail_unreadable: &'static str,
    pub mail_not_mail: &'static str,
}

const EN: Words = Words {
    history: "Detection history",
    report: "Weekly report",
    account: "Account",
    verdict: "Verdict",
    category: "Category",
    action: "Action",
    since: "Since",
    since_hint: "7d, 24h or 2026-11-01",
    search: "Subject or sender contains",
    any: "any",
    filter: "Filter",
    when: "When",
    score: "Score",
    folder: "Folder",
    from: "From",
    to: "To",
    subject: "Subject",
    date: "Date",
    newer: "Newer",
    older: "Older",
    page: "Page",
    no_rows: "No detection matches.",
    detection: "Detection",
    signals: "Why: the signals and what they quote",
    weight: "Weight",
    signal: "Signal",
    evidence: "Evidence",
    wallets: "Wallet addresses",
    amounts: "Amounts demanded",
    deadlines: "Deadlines",
    hours: "hours",
    checksum_valid: ", checksum valid",
    password: "A password the mail showed",
    password_advice: "If it is one you use, change it wherever you use it.",
    restore: "Restore to its folder",
    restore_hint: "Moves the message back from Junk and never moves it again.",
    restored: "Restored to",
    found_in_place: "It was already back in",
    already_restored: "It was restored before; nothing was done.",
    restore_failed: "Not restored:",
    sender_lists: "Trust or block the sender",
    trust: "Trust this sender",
    block: "Block this sender",
    trust_hint: "Trusted mail stays only when the receiving server authenticated its sender; blocked mail is always moved.",
    trusted_now: "Now trusted:",
    blocked_now: "Now blocked:",
    listed_before: "Already on that list:",
    not_an_address: "The sender is not an address that can be listed.",
    trusted_list: "trusted",
    blocked_list: "blocked",
    remove: "Remove",
    removed_now: "Removed:",
    not_listed: "Not on a list:",
    no_entries: "No sender is trusted or blocked.",
    this_week: "This week",
    last_week: "Last week",
    not_found: "There is no such detection.",
    forbidden: "Refused: the form was not sent from this page (missing or wrong CSRF token). Reload the page and try again.",
    bad_filter: "Not understood:",
    mail_text: "The mail's text",
    mail_text_show: "Show the mail's text (read from the server; nothing is marked read)",
    mail_text_hint: "Read from the mail server just now, read-only: nothing is marked read or changed. Shown as plain \
                     text: links cannot be followed and nothing is loaded. What the signals found is marked.",
    mail_gone: "The message is in none of these folders any more:",
    mail_unreadable: "The message could not be read from the mail server:",
    mail_not_mail: "What the server holds under this message could not be read as mail.",
};

const JA: Words = Words {
    history: "検出履歴",
    report: "週次レポート",
    account: "アカウント",
    verdict: "判定",
    category: "種類",
    action: "処理",
    since: "期間",
    since_hint: "7d、24h、2026-11-01 など",
    search: "件名・差出人に含む文字",
    any: "すべて",
    filter: "絞り込む",
    when: "日時",
    score: "スコア",
    folder: "フォルダー",
    from: "差出人",
    to: "宛先",
    subject: "件名",
    date: "送信日",
    newer: "新しい方へ",
    older: "古い方へ",
    page: "ページ",
    no_rows: "該当する検出はありません。",
    detection: "検出",
    signals: "判定の理由（シグナルと引用）",
    weight: "重み",
    signal: "シグナル",
    evidence: "根拠",
    wallets: "ウォレットアドレス",
    amounts: "要求金額",
    deadlines: "期限",
    hours: "時間",
    checksum_valid: "、チェックサム確認済み",
    password: "メールに書かれていたパスワード",
    password_advice: "使っているパスワードなら、使っているすべての場所で変更してください。",
    restore: "元のフォルダーに戻す",
    restore_hint: "迷惑メールフォルダーから戻し、今後は移動しません。",
    restored: "戻しました：",
    found_in_place: "すでに戻っていました：",
    already_restored: "以前に戻し済みです。何もしていません。",
    restore_failed: "戻せませんでした：",
    sender_lists: "差出人を信頼・ブロック",
    trust: "この差出人を信頼する",
    block: "この差出人をブロックする",
    trust_hint: "信頼した差出人のメールは、受信サーバーが差出人を認証した場合にだけ移動しません。ブロックした差出人のメールは常に移動します。",
    trusted_now: "信頼しました：",
    blocked_now: "ブロックしました：",
    listed_before: "すでにその一覧にあります：",
    not_an_address: "差出人が一覧に載せられるアドレスではありません。",
    trusted_list: "信頼",
    blocked_list: "ブロック",
    remove: "外す",
    removed_now: "外しました：",
    not_listed: "一覧にありません：",
    no_entries: "信頼・ブロックしている差出人はいません。",
    this_week: "今週",
    last_week: "先週",
    not_found: "その検出はありません。",
    forbidden: "拒否しました：このページから送信されたフォームではありません（CSRF トークンがないか誤り）。ページを再読み込みしてください。",
    bad_filter: "解釈できません：",
    mail_text: "メールの本文",
    mail_text_show: "本文を表示（メールサーバーから読み取ります。既読にはしません）",
    mail_text_hint: "いまメールサーバーから読み取り専用で読んだ本文です。既読にも、ほかの変更もしていません。テキストとして\
                     表示しているので、リンクは開けず、外部のものは何も読み込みません。検出の根拠には印を付けています。",
    mail_gone: "メッセージはもう次のどのフォルダーにもありません：",
    mail_unreadable: "メールサーバーからメッセージを読めませんでした：",
    mail_not_mail: "サーバー上のこのメッセージをメールとして読めませんでした。",
};

/// A signal's human name and one line (its hover text), from the engine's signal table in
/// English or its Japanese table beside it; the English ones where a row has no Japanese,
/// which the engine's tests forbid.
pub fn signal(lang: Lang, id: SignalId) -> (&'static str, &'static str) {
    match (lang, id.japanese()) {
        (Lang::Ja, Some(ja)) => (ja.title, ja.doc),
        _ => (id.def().title, id.def().doc),
    }
}

/// The words of `lang`.
pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Ja => &JA,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_comes_from_the_query_the_cookie_the_browser_then_the_configuration() {
        assert_eq!(choose(Some(Lang::Ja), Some("en"), Some("en"), Lang::En), Lang::Ja);
        assert_eq!(choose(None, Some("ja"), Some("en"), Lang::En), Lang::Ja);
        assert_eq!(choose(None, Some("fr"), Some("ja-JP,en;q=0.8"), Lang::En), Lang::Ja);
        assert_eq!(choose(None, None, Some("fr-FR,de"), Lang::Ja), Lang::Ja);
        assert_eq!(choose(None, None, None, Lang::En), Lang::En);
    }

    #[test]
    fn every_stored_word_has_a_japanese_name_and_english_is_the_word() {
        for v in Verdict::ALL {
            assert_eq!(verdict(Lang::En, v), v.as_str());
            assert!(!verdict(Lang::Ja, v).is_ascii(), "{v}");
        }
        for c in crate::store::CATEGORIES {
            assert_eq!(category(Lang::En, c), c.as_str());
            assert!(!category(Lang::Ja, c).is_ascii(), "{c:?}");
        }
        for a in Action::ALL {
            assert_eq!(action(Lang::En, a), a.as_str());
            assert!(!action(Lang::Ja, a).is_ascii(), "{a}");
        }
    }

    #[test]
    fn accept_language_goes_by_quality_and_order() {
        assert_eq!(from_accept_language("en-US,ja;q=0.9"), Some(Lang::En));
        assert_eq!(from_accept_language("fr;q=1, ja;q=0.5, en;q=0.4"), Some(Lang::Ja));
        assert_eq!(from_accept_language("ja;q=0, en;q=0.1"), Some(Lang::En));
        assert_eq!(from_accept_language("JA"), Some(Lang::Ja));
        assert_eq!(from_accept_language("*, de"), None);
        assert_eq!(from_accept_language(";;,q=x"), None);
    }
}
