//! The claim families scam mail is written from, in English, Japanese and German, found in
//! one pass over the text.
//!
//! A family is a kind of claim ("I got into your device", "I recorded you", "pay within 48
//! hours"), listed as the phrases scammers actually use for it. No single family makes a
//! verdict: the rules in [`super::rules`] weigh which families occur together. Matching is
//! a single Aho-Corasick automaton over every phrase, case-insensitive for ASCII, so adding
//! phrases costs nothing per rule.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

/// A kind of claim a scam makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    DeviceCompromise,
    Recording,
    AdultContent,
    DistributionThreat,
    PaymentDemand,
    Cryptocurrency,
    Secrecy,
    OpenedTracker,
    PasswordClaim,
    GiftCard,
    CredentialAction,
    AccountThreat,
    SensitiveData,
    Urgency,
    /// Bait: a prize, a reward, points or an airdrop waiting to be claimed.
    Lure,
    /// A fortune for the taking: an inheritance, a donation, an abandoned fund, a lottery
    /// win (the advance-fee fraud's offer).
    Windfall,
    /// An accusation of a crime ("you are involved in illegal transactions").
    Accusation,
    /// The sender speaking as the perpetrator: "I hacked", "my software", 私は.
    PerpetratorVoice,
    /// Text that warns about scams rather than making one (advisories, newsletters).
    Awareness,
}

impl Family {
    pub const ALL: [Family; 19] = [
        Family::DeviceCompromise,
        Family::Recording,
        Family::AdultContent,
        Family::DistributionThreat,
        Family::PaymentDemand,
        Family::Cryptocurrency,
        Family::Secrecy,
        Family::OpenedTracker,
        Family::PasswordClaim,
        Family::GiftCard,
        Family::CredentialAction,
        Family::AccountThreat,
        Family::SensitiveData,
        Family::Urgency,
        Family::Lure,
        Family::Windfall,
        Family::Accusation,
        Family::PerpetratorVoice,
        Family::Awareness,
    ];

    /// The rule name a family is reported under.
    pub fn rule_name(self) -> &'static str {
        match self {
            Family::DeviceCompromise => "claims_device_compromise",
            Family::Recording => "claims_recording",
            Family::AdultContent => "mentions_adult_content",
            Family::DistributionThreat => "threatens_distribution",
            Family::PaymentDemand => "demands_payment",
            Family::Cryptocurrency => "names_cryptocurrency",
            Family::Secrecy => "demands_secrecy",
            Family::OpenedTracker => "claims_open_tracking",
            Family::PasswordClaim => "claims_password_knowledge",
            Family::GiftCard => "demands_gift_card",
            Family::CredentialAction => "asks_for_login",
            Family::AccountThreat => "threatens_account",
            Family::SensitiveData => "asks_for_sensitive_data",
            Family::Urgency => "urges_haste",
            Family::Lure => "offers_a_reward",
            Family::Accusation => "accuses_of_crime",
            Family::PerpetratorVoice => "speaks_as_perpetrator",
            Family::Awareness => "warns_about_scams",
            Family::Windfall => "offers_a_windfall",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Phrases per family. ASCII phrases match whole words; a trailing `*` lets the last word
/// run on ("masturbat*" also matches "masturbating"). Japanese phrases match anywhere.
#[rustfmt::skip]
const PHRASES: &[(Family, &[&str])] = &[
    (Family::DeviceCompromise, &[
        "hacked your", "i hacked", "have hacked", "i've hacked", "hacked you", "hacked into",
        "access to your device", "access to your devices", "access to your computer",
        "access to your operating system", "access to your system", "access to your account",
        "access to your email", "full access", "control over your", "control of your",
        "your operating system", "your device", "your devices", "your computer", "your phone",
        "trojan", "malware", "spyware", "keylogger", "key logger", "remote access",
        "remote desktop", "zero-click", "zero click", "pegasus", "my software", "my program",
        "malicious code", "malicious software", "infected", "rat software", "virus", "ハッキング",
        "ハッカー", "ハッキングし", "トロイの木馬", "トロイ", "マルウェア", "ウイルス", "ウィルス", "キーロガー", "スパイウェア", "スパイウエア",
        "脆弱性", "乗っ取", "侵入", "感染", "遠隔操作", "あなたのデバイス", "デバイスにアクセス", "オペレーティングシステム", "ソフトウェアを",
        "gehackt", "trojaner", "schadsoftware", "zugriff auf ihr", "zugriff auf dein",
        "betriebssystem",
    ]),
    (Family::Recording, &[
        "your camera", "your webcam", "webcam", "web camera", "camera", "microphone",
        "recorded you", "i recorded", "recorded a video", "recording of you", "video of you",
        "made a video", "i made a video", "created a video", "video recording", "screenshot",
        "screen recording", "filmed", "double-screen", "split-screen", "compilation video", "カメラ",
        "マイク", "録画", "録音", "動画", "ビデオ", "撮影", "スクリーンショット", "映像", "kamera", "video", "aufgenommen",
        "aufnahme",
    ]),
    (Family::AdultContent, &[
        "adult site", "adult sites", "adult website", "adult websites", "adult video", "adult vids",
        "adult content", "sites for adults", "porn*", "xxx", "masturbat*", "pervert", "perverted",
        "sexual", "sex video", "intimate", "satisfy yourself", "satisfying yourself",
        "pleasuring yourself", "jerking off", "jerk off", "pedophil*", "naughty", "explicit",
        "アダルト", "ポルノ", "卑猥", "自慰", "性的", "恥ずかしい", "エッチ", "わいせつ", "オナニー", "淫ら", "erwachsene",
        "porno*", "perversling", "intimen", "selbstbefriedigung",
    ]),
    (Family::DistributionThreat, &[
        "your contacts", "all your contacts", "contacts", "contact list", "send this video",
        "send the video", "send it to", "share this video", "share the video", "your friends",
        "your family", "your relatives", "your colleagues", "friends", "colleagues", "relatives",
        "family members", "social network", "social networks", "social media", "make it public",
        "publish", "go viral", "everyone you know", "your reputation", "reputation",
        "your life will be", "連絡先", "友人", "同僚", "家族", "知人", "公開", "ばらまく", "ばらま", "拡散", "SNS",
        "送信します", "送ります", "送りつけ", "アドレス帳", "kontakte", "freunden", "kollegen", "veröffentlich*",
        "familie",
    ]),
    (Family::PaymentDemand, &[
        "pay", "pay me", "payment", "transfer", "send me", "send exactly", "send the amount",
        "the amount of", "amount", "fee", "compensation", "make the payment", "donation", "送金",
        "支払", "支払い", "お支払い", "振込", "振り込", "入金", "送って", "金額", "報酬", "支払期限", "転送してください", "zahlen",
        "zahlung", "überweis*", "betrag", "pagar", "pagamento",
    ]),
    (Family::Cryptocurrency, &[
        "bitcoin", "bitcoins", "btc", "b.t.c", "b i t c o i n", "btc wallet", "bitcoin wallet",
        "bitcoin address", "my wallet", "wallet address", "cryptocurrency", "crypto wallet",
        "litecoin", "ethereum", "usdt", "monero", "ビットコイン", "仮想通貨", "暗号通貨", "暗号資産", "ウォレット",
        "ビットコインアドレス", "bitcoin-adresse", "brieftasche",
    ]),
    (Family::Secrecy, &[
        "police", "don't tell", "do not tell", "tell anyone", "tell no one", "don't reply",
        "do not reply", "no point in replying", "don't try", "do not try", "authorities",
        "cyber police", "report me", "contact the police", "useless", "no one will help", "警察",
        "誰にも", "返信しないで", "返信しても", "通報", "相談しても", "無駄", "polizei", "niemandem",
    ]),
    (Family::OpenedTracker, &[
        "opened this email", "opened this message", "opened this letter", "read this email",
        "read this message", "read this letter", "reading this letter", "timer", "the timer",
        "notification when", "i will know", "pixel", "開封", "このメールを開", "タイマー", "読んだ時点", "読んだ瞬間",
        "既読", "timer läuft", "diesen brief",
    ]),
    (Family::PasswordClaim, &[
        "your password", "i know your password", "password is", "one of your passwords",
        "your passwords", "password:", "pass:", "パスワード", "パスワードは", "ihr passwort", "kennwort",
        "passwort",
    ]),
    (Family::GiftCard, &[
        "gift card", "giftcard", "gift cards", "itunes card", "google play card", "apple gift card",
        "amazon gift", "steam card", "prepaid card", "voucher code", "ギフト券", "ギフトカード", "アマゾンギフト",
        "amazonギフト", "itunesカード", "プリペイドカード", "webmoney", "電子マネー",
    ]),
    (Family::CredentialAction, &[
        "log in", "login", "log on", "sign in", "sign-in", "signin", "verify your", "verify",
        "verification", "confirm your", "update your", "validate", "re-enter", "reactivate",
        "click here", "click the link", "click below", "click the button", "unlock your",
        "restore your", "restore access", "follow the link", "review your account", "update now",
        "update payment", "update your payment", "ログイン", "本人確認",
        "本人認証", "認証", "確認してください", "ご確認ください", "ご確認をお願い", "更新してください", "こちらをクリック", "クリックして", "アクセスの上",
        "再確認", "再登録", "情報を更新", "ご利用確認", "確認はこちら", "こちらから", "手続き", "お手続き", "下記URL", "以下のURL", "登录",
        "验证", "登入", "升级", "点击", "login agora", "acesse", "verifique", "confirme", "clique aqui", "haga clic", "cliquez ici",
        "klicken sie hier",
    ]),
    (Family::AccountThreat, &[
        "suspended", "suspend", "suspension", "locked", "restricted", "restriction", "limited",
        "disabled", "deactivat*", "unusual activity", "unusual sign-in", "unauthorized",
        "suspicious activity", "security alert", "will be closed", "terminated", "expired",
        "expire", "expires", "frozen", "compromised", "blocked", "permanently deleted", "deleted",
        "on hold", "account closure", "avoid closure", "closure of your", "停止", "制限", "凍結", "ロック", "不正アクセス", "不正利用", "第三者", "異常", "失効", "無効", "解約", "退会",
        "一時停止", "利用停止", "不正な", "セキュリティ", "不審", "冻结", "停用", "暂停", "禁用", "到期", "过期", "关闭",
        "novo dispositivo", "acesso não autorizado", "bloqueada", "será bloqueado", "suspendida",
        "se eliminarán", "será eliminada", "suspendu", "bloqué", "gesperrt", "eingeschränkt",
        "bloqueado", "suspensa", "bloqueio",
    ]),
    (Family::SensitiveData, &[
        "password", "credit card", "card number", "card details", "billing information",
        "billing details", "payment method", "payment information", "account information",
        "account details", "social security", "bank account", "seed phrase", "recovery phrase",
        "private key", "security code", "personal information", "pin code", "パスワード", "クレジットカード",
        "カード情報", "暗証番号", "口座", "お支払い方法", "支払い方法", "個人情報", "アカウント情報", "セキュリティコード", "登録情報", "お客様情報",
        "カード番号", "密码", "账号", "帐号", "帐户", "账户", "邮箱",
        "seus dados", "contraseña", "tarjeta de crédito", "datos personales", "mot de passe", "carte bancaire",
        "kennwort", "kreditkarte", "zugangsdaten", "senha", "cartão",
    ]),
    (Family::Urgency, &[
        "immediately", "urgent", "urgently", "as soon as possible", "action required",
        "final notice", "last warning", "final warning", "within 24 hours", "within 48 hours",
        "within 12 hours", "today", "right away", "without delay", "至急", "緊急", "重要", "以内", "速やかに",
        "直ちに", "ただちに", "期限", "今すぐ", "早急", "紧急", "立即", "urgente", "imediatamente", "últimos dias", "inmediatamente", "immédiatement", "sofort",
    ]),
    (Family::Lure, &[
        "airdrop", "claim your", "ready to claim", "claim now", "withdrawal", "withdraw", "your reward",
        "rewards", "you have won", "you've won", "winner", "congratulations", "your balance", "dividend",
        "giveaway", "free gift", "cashback", "refund", "unclaimed", "prize",
        "ポイント", "当選", "プレゼント", "還元", "付与", "キャンペーン", "特典", "返金", "払い戻し",
        "pontos", "resgate", "prêmio", "reembolso",
    ]),
    (Family::Windfall, &[
        "donation", "donate", "inheritance", "next of kin", "beneficiary", "unclaimed fund*",
        "abandoned sum", "abandoned fund*", "dormant account", "deceased", "late client",
        "foreign customer", "foreign partner", "compensation fund*", "lottery", "lotto",
        "jackpot", "consignment", "diplomat", "barrister", "fund transfer", "transfer of the fund*",
        "trust fund", "charity project", "million dollars", "million usd", "million us dollars",
        "million euros", "million pounds", "you have been selected", "selected you", "your share",
        "strictly confidential", "urgent and confidential", "business proposal", "遺産", "相続人",
        "寄付金", "当選金", "受取人", "herança", "doação", "herencia", "donación", "héritage",
    ]),
    (Family::Accusation, &[
        "illegal", "pedophile", "child pornography", "arrest", "warrant", "investigation",
        "criminal case", "違法", "逮捕", "捜査", "犯罪", "関与", "容疑", "児童ポルノ", "起訴", "illegal",
        "strafanzeige", "haftbefehl",
    ]),
    (Family::PerpetratorVoice, &[
        "i hacked", "i have hacked", "i've hacked", "i recorded", "i have recorded",
        "i made a video", "i made a screenshot", "i have access", "i've got access",
        "i gained access", "i got access", "i installed", "i placed", "i infected", "my software",
        "my malware", "my trojan", "my program", "my virus", "my code", "i will send", "i'll send",
        "i will delete", "i'll delete", "i will make", "i have been watching", "i've been watching",
        "i was watching", "i can see", "i have your", "i've got your", "i am a hacker",
        "i'm a hacker", "i know your", "i know you", "i know everything", "i have collected",
        "i have full", "i give you", "i'll give you", "i accept", "私は", "私の", "私が", "私に", "ハッカーです",
        "ich habe", "meine malware", "mein trojaner", "meinen bösartigen",
    ]),
    (Family::Awareness, &[
        "sextortion", "scam", "scams", "scammer", "scammers", "this is a fraud", "do not pay",
        "don't pay", "never pay", "phishing", "hoax", "fraudulent", "security advisory",
        "report phishing", "indicators", "詐欺", "迷惑メール", "脅迫メール", "フィッシング", "注意喚起", "偽メール", "無視して",
        "偽サイト", "不審なメール", "ご注意ください", "セクストーション", "ばらまき型", "なりすまし",
    ]),
];

struct Pattern {
    family: Family,
    needs_right_boundary: bool,
    needs_left_boundary: bool,
}

struct Phrasebook {
    automaton: AhoCorasick,
    patterns: Vec<Pattern>,
}

static PHRASEBOOK: LazyLock<Phrasebook> = LazyLock::new(|| {
    let mut needles = Vec::new();
    let mut patterns = Vec::new();
    for (family, phrases) in PHRASES {
        for phrase in *phrases {
            let prefix_only = phrase.ends_with('*');
            let needle = phrase.trim_end_matches('*');
            let ends_in_word = needle.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric());
            let starts_in_word = needle.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
            patterns.push(Pattern {
                family: *family,
                needs_right_boundary: ends_in_word && !prefix_only,
                needs_left_boundary: starts_in_word,
            });
            needles.push(needle.to_string());
        }
    }
    let automaton = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&needles)
        .expect("phrases compile");
    Phrasebook { automaton, patterns }
});

/// What one family matched: the first phrase as written, and how many distinct phrases
/// of the family occurred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyHit {
    pub first: String,
    pub distinct: usize,
    seen: Vec<usize>,
}

/// The families found in a text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    hits: [Option<FamilyHit>; Family::ALL.len()],
}

impl Findings {
    pub fn get(&self, family: Family) -> Option<&FamilyHit> {
        self.hits.get(family.index()).and_then(Option::as_ref)
    }

    pub fn has(&self, family: Family) -> bool {
        self.get(family).is_some()
    }

    /// How many of `families` were found.
    pub fn count(&self, families: &[Family]) -> usize {
        families.iter().filter(|f| self.has(**f)).count()
    }

    fn record(&mut self, family: Family, pattern: usize, matched: &str) {
        let Some(slot) = self.hits.get_mut(family.index()) else {
            return;
        };
        let hit = slot.get_or_insert_with(|| FamilyHit {
            first: matched.to_string(),
            distinct: 0,
            seen: Vec::new(),
        });
        if !hit.seen.contains(&pattern) {
            hit.seen.push(pattern);
            hit.distinct += 1;
        }
    }
}

/// Scans every text in `texts` once and reports which families occur.
pub fn find_families<'a>(texts: impl IntoIterator<Item = &'a str>) -> Findings {
    let book = &*PHRASEBOOK;
    let mut findings = Findings::default();
    for text in texts {
        let bytes = text.as_bytes();
        for m in book.automaton.find_overlapping_iter(text) {
            let Some(pattern) = book.patterns.get(m.pattern().as_usize()) else {
                continue;
            };
            let before = m.start().checked_sub(1).and_then(|i| bytes.get(i)).copied();
            let before_ok = !pattern.needs_left_boundary || before.is_none_or(|b| !continues_word_before(b));
            let after_ok = !pattern.needs_right_boundary
                || bytes
                    .get(m.end())
                    .is_none_or(|&b| !continues_word_after(b, bytes.get(m.end() + 1).copied()));
            if before_ok && after_ok {
                let matched = text.get(m.start()..m.end()).unwrap_or_default();
                findings.record(pattern.family, m.pattern().as_usize(), matched);
            }
        }
    }
    findings
}

/// Whether byte `b` before a match makes it part of a longer token: a word, an address
/// (`phishing@pot`), or a URL path or domain (`/login`, `.phishing`).
fn continues_word_before(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'@' | b'_' | b'/' | b'.' | b'=' | b'?' | b'&' | b'-')
}

/// Whether byte `b` (followed by `next`) after a match makes it part of a longer token.
fn continues_word_after(b: u8, next: Option<u8>) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'@' | b'_')
        || (matches!(b, b'.' | b'-' | b'/') && next.is_some_and(|n| n.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_urls_are_not_words() {
        let f = find_families(["Mail phishing@pot or see https://example.com/login?next=verify"]);
        assert!(!f.has(Family::Awareness));
        assert!(!f.has(Family::CredentialAction));
    }

    #[test]
    fn english_claims_are_found_by_family() {
        let f = find_families(["I hacked your device and recorded you through your webcam."]);
        assert!(f.has(Family::DeviceCompromise));
        assert!(f.has(Family::Recording));
        assert!(!f.has(Family::AdultContent));
    }

    #[test]
    fn japanese_claims_are_found_without_word_boundaries() {
        let f = find_families([
            "あなたのデバイスをハッキングし、カメラで録画しました。ビットコインで送金してください",
        ]);
        for family in
            [Family::DeviceCompromise, Family::Recording, Family::Cryptocurrency, Family::PaymentDemand]
        {
            assert!(f.has(family), "{family:?}");
        }
    }

    #[test]
    fn whole_words_only_unless_marked_as_prefix() {
        let f = find_families(["Use PayPal to repay the mortgage"]);
        assert!(!f.has(Family::PaymentDemand), "pay inside paypal/repay must not count");
        assert!(find_families(["masturbating"]).has(Family::AdultContent));
    }

    #[test]
    fn distinct_phrases_are_counted_once_each() {
        let f = find_families(["camera camera webcam"]);
        assert_eq!(f.get(Family::Recording).map(|h| h.distinct), Some(2));
    }
}
