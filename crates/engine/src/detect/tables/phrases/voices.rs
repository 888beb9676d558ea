//! Phrases that tell who speaks and how the mail is built rather than what it claims: an
//! accusation, the perpetrator's voice, a warning about scams, an appeal for support, a
//! letter's closing and a forwarded message's header line.
//! Listed in [`super::PHRASES`]'s order; see there how a phrase matches.

/// An accusation of a crime.
pub const ACCUSATION: &[&str] = &[
    "illegal",
    "pedophile",
    "child pornography",
    "arrest",
    "warrant",
    "investigation",
    "criminal case",
    "違法",
    "逮捕",
    "捜査",
    "犯罪",
    "関与",
    "容疑",
    "児童ポルノ",
    "起訴",
    "illegal",
    "strafanzeige",
    "haftbefehl",
];

/// The sender speaking as the perpetrator.
pub const PERPETRATOR_VOICE: &[&str] = &[
    "i hacked",
    "i have hacked",
    "i've hacked",
    "i recorded",
    "i have recorded",
    "i made a video",
    "i made a screenshot",
    "i have access",
    "i've got access",
    "i gained access",
    "i got access",
    "i installed",
    "i placed",
    "i infected",
    "my software",
    "my malware",
    "my trojan",
    "my program",
    "my virus",
    "my code",
    "i will send",
    "i'll send",
    "i will delete",
    "i'll delete",
    "i will make",
    "i have been watching",
    "i've been watching",
    "i was watching",
    "i can see",
    "i have your",
    "i've got your",
    "i am a hacker",
    "i'm a hacker",
    "i know your",
    "i know you",
    "i know everything",
    "i have collected",
    "i have full",
    "i give you",
    "i'll give you",
    "i accept",
    "私は",
    "私の",
    "私が",
    "私に",
    "ハッカーです",
    "ich habe",
    "meine malware",
    "mein trojaner",
    "meinen bösartigen",
];

/// Text that warns about scams rather than making one.
pub const AWARENESS: &[&str] = &[
    "sextortion",
    "scam",
    "scams",
    "scammer",
    "scammers",
    "this is a fraud",
    "do not pay",
    "don't pay",
    "never pay",
    "phishing",
    // German writes the warning as one compound word ("Phishing-Mail"), which a hyphen
    // would otherwise join to "phishing" as a longer token.
    "phishing-mail*",
    "phishing-e-mail*",
    "phishing-radar",
    "phishing-warnung*",
    "hoax",
    "fraudulent",
    "security advisory",
    "report phishing",
    "indicators",
    "詐欺",
    "迷惑メール",
    "脅迫メール",
    "フィッシング",
    "注意喚起",
    "偽メール",
    "無視して",
    "偽サイト",
    "不審なメール",
    "ご注意ください",
    "セクストーション",
    "ばらまき型",
    "なりすまし",
    // Reported speech: the words that introduce a scam retold as an example. A scam
    // speaks for itself and never calls itself "the email".
    "here is the email",
    "here's the email",
    "the email reads",
    "an example of the email",
    "example of such an email",
    "以下がそのメール",
    "以下がその文面",
    "次のようなメールが届いた",
    "以下のようなメールが届いた",
    "届いたメールの文面",
];

/// An appeal for support rather than a demand: a donation page or a tip jar asks, it does
/// not set a sum for one reader to pay.
pub const PLEA: &[&str] =
    &["donat*", "tip jar", "tips", "support us", "support our", "contribut*", "寄付", "投げ銭"];

/// A letter's closing, after which a signature comes.
pub const SIGN_OFF: &[&str] = &[
    "regards",
    "thanks",
    "thank you",
    "sincerely",
    "cheers",
    "obrigado",
    "obrigada",
    "atenciosamente",
    "cordialmente",
    "cordialement",
    "saludos",
    "gracias",
    "merci",
    "mit freundlichen",
    "grüße",
    "以上",
    "よろしくお願い",
];

/// A line mail clients put above a forwarded or quoted message.
pub const FORWARDING: &[&str] = &[
    "forwarded message",
    "original message",
    "-original message",
    "mensagem encaminhada",
    "message transféré",
    "転送メッセージ",
];
