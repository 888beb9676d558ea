//! The rows: every signal, one definition each, in the order of [`SignalId`]. The macro
//! below builds the enum and the table from the same list, so an id cannot lack a row.
//! Levels are named in [`levels`] and listed strongest first in their rows.

use super::{Kind, Level, SignalDef};
use crate::detect::Category;

/// Builds [`SignalId`] and [`SIGNALS`] from one list of rows.
macro_rules! signal_table {
    ($( $(#[$meta:meta])* $id:ident { $($field:ident: $value:expr),+ $(,)? } ),+ $(,)?) => {
        /// The stable id of every signal; its stored name is its row's `rule`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum SignalId { $( $(#[$meta])* $id ),+ }

        /// Every signal the rules can emit, one row each, in the order of [`SignalId`].
        pub static SIGNALS: &[SignalDef] = &[ $( SignalDef { id: SignalId::$id, $($field: $value),+ } ),+ ];
    };
}

/// The strengths rules give, by row.
pub mod levels {
    use super::{Category, Kind, Level};

    pub const WALLET_DEMAND: Level = Level::new(1.0, "one or two addresses: a payment target");
    pub const WALLET_LIST: Level =
        Level::new(1.0 / 3.0, "more than two addresses: a list of indicators, not a demand");

    pub const NARRATIVE_FULL: Level = Level::new(1.0, "in the perpetrator's voice, with five claims or more");
    pub const NARRATIVE_VOICE: Level =
        Level::new(2.0 / 3.0, "in the perpetrator's voice, with three or four claims");
    pub const NARRATIVE_RETOLD: Level =
        Level::new(1.0 / 3.0, "retold about a sender, not in the perpetrator's voice");

    pub const WARNS_FOUR: Level = Level::new(1.0, "four kinds of warning or more");
    pub const WARNS_THREE: Level = Level::new(0.75, "three kinds of warning");
    pub const WARNS_TWO: Level = Level::new(0.5, "two kinds of warning");
    pub const WARNS_ONE: Level = Level::new(0.25, "one kind of warning");

    pub const BRAND_IN_SENDER: Level = Level::new(1.0, "the brand is in the sender name");
    pub const BRAND_IN_SUBJECT: Level = Level::new(2.0 / 3.0, "the brand is only in the subject");

    pub const DOUBLE_EXTENSION: Level =
        Level::new(1.0, "a program behind a document's name (invoice.pdf.exe)");
    pub const EXECUTABLE: Level = Level::new(7.0 / 8.0, "a program");
    pub const DISK_IMAGE: Level = Level::new(3.0 / 8.0, "a disk image, which opens as a folder of files");
    pub const ATTACHED_PAGE: Level =
        Level::new(3.0 / 8.0, "a web page: a phishing form").in_category(Category::Phishing);

    pub const PATTERN_THREE_CLAIMS: Level = Level::new(1.0, "three kinds of claim or more");
    pub const PATTERN_FEWER_CLAIMS: Level = Level::new(7.0 / 8.0, "one or two kinds of claim");

    pub const DMARC_FAILED: Level = Level::new(1.0, "DMARC failed");
    pub const SPF_FAILED: Level = Level::new(2.0 / 3.0, "SPF failed");
    pub const DKIM_FAILED: Level =
        Level::new(1.0 / 3.0, "only DKIM failed: a hint, not a forged sender").of_kind(Kind::Hint);

    pub const HIDDEN_IN_HEADERS: Level = Level::new(1.0, "in the subject or sender name");
    pub const HIDDEN_IN_BODY: Level = Level::new(2.0 / 3.0, "in the body");
    pub const DISGUISED_IN_HEADERS: Level = Level::new(1.0, "in the subject or sender name");
    pub const DISGUISED_IN_BODY: Level = Level::new(0.75, "in the body");
}

use levels::*;

/// Signals that make a mail a threat of their category whatever the model's probability:
/// rules precise enough to fire on no ham of the training and development corpora, for
/// scams too rare in that data for the model to have learned them (a stranger's bare
/// demand for a crypto payment). A row here is a promise measured on ham: add one only
/// with that measurement.
pub const DECISIVE: &[SignalId] = &[SignalId::CryptoPaymentDemand];

/// Signals of fraud: an offer of money that first takes a fee or the reader's details
/// (an inheritance, a lottery, a crypto balance waiting). The model learned these as
/// other spam, since the training corpus files them there; but where spam only sells,
/// fraud takes, and people pay it. A mail the model reads as most likely other spam is
/// judged as phishing when one of these fired (see `score::judge`), so it is moved at the
/// threat threshold like any lure for money or credentials, not only when the user moves
/// other spam.
pub const FRAUD: &[SignalId] = &[SignalId::AdvanceFeeOffer, SignalId::CryptoWindfall];

/// Whether the signals `fired` make a fraud the verdict weighs as such: a [`FRAUD`] signal
/// fired, and none speaks against a scam (an advisory that retells a 419 quotes its very
/// words).
pub fn weighs_as_fraud(fired: impl Iterator<Item = SignalId> + Clone) -> bool {
    fired.clone().any(|id| FRAUD.contains(&id)) && !fired.into_iter().any(|id| id.def().kind == Kind::Against)
}

signal_table! {
    CryptoWalletVerified {
        rule: "crypto_wallet_verified", title: "Checksum-valid wallet address",
        category: Category::Extortion, kind: Kind::Payment,
        weight: 3.0, levels: &[WALLET_DEMAND, WALLET_LIST],
        doc: "A Bitcoin or Litecoin address whose checksum holds: a payment target, not chance. Receipts carry them too.",
    },
    CryptoWalletUnverified {
        rule: "crypto_wallet_unverified", title: "Wallet-shaped address",
        category: Category::Extortion, kind: Kind::Payment, weight: 1.0, levels: &[],
        doc: "An Ethereum or Monero address, or one whose checksum fails: maybe a payment target, maybe a typo.",
    },
    CryptoWalletSplitToEvade {
        rule: "crypto_wallet_split_to_evade", title: "Wallet address split apart",
        category: Category::Extortion, kind: Kind::Payment, weight: 2.5, levels: &[],
        doc: "A valid wallet address written with spaces or line breaks inside, so filters miss it.",
    },
    CryptoPaymentDemand {
        rule: "crypto_payment_demand", title: "A stranger asks for crypto",
        category: Category::Extortion, kind: Kind::Payment, weight: 3.0, levels: &[],
        doc: "A stated sum to send to a checksum-valid wallet, from someone not in a thread, list or known exchange.",
    },
    ClaimsDeviceCompromise {
        rule: "claims_device_compromise", title: "Claims a hacked device",
        category: Category::Extortion, kind: Kind::Narrative, weight: 0.5, levels: &[],
        doc: "\"I hacked your device\": one claim of the extortion story, common alone.",
    },
    ClaimsRecording {
        rule: "claims_recording", title: "Claims a recording",
        category: Category::Extortion, kind: Kind::Narrative, weight: 0.5, levels: &[],
        doc: "\"I recorded you through your camera\": one claim of the extortion story.",
    },
    MentionsAdultContent {
        rule: "mentions_adult_content", title: "Mentions adult content",
        category: Category::Extortion, kind: Kind::Narrative, weight: 0.5, levels: &[],
        doc: "Adult sites or sexual content: one claim of the extortion story.",
    },
    ThreatensDistribution {
        rule: "threatens_distribution", title: "Threatens to send it to your contacts",
        category: Category::Extortion, kind: Kind::Narrative, weight: 0.5, levels: &[],
        doc: "A threat to send a video or data to friends, family or colleagues.",
    },
    DemandsSecrecy {
        rule: "demands_secrecy", title: "Demands secrecy",
        category: Category::Extortion, kind: Kind::Narrative, weight: 0.5, levels: &[],
        doc: "\"Do not tell the police\": one claim of the extortion story.",
    },
    ClaimsOpenTracking {
        rule: "claims_open_tracking", title: "Claims to see the mail opened",
        category: Category::Extortion, kind: Kind::Narrative, weight: 0.5, levels: &[],
        doc: "\"I will know when you read this\": one claim of the extortion story.",
    },
    ClaimsPasswordKnowledge {
        rule: "claims_password_knowledge", title: "Claims to know your password",
        category: Category::Extortion, kind: Kind::Narrative, weight: 0.5, levels: &[],
        doc: "\"I know your password\": one claim of the extortion story, common in honest account mail.",
    },
    AccusesOfCrime {
        rule: "accuses_of_crime", title: "Accuses you of a crime",
        category: Category::Extortion, kind: Kind::Narrative, weight: 0.5, levels: &[],
        doc: "An accusation (illegal transactions, illegal content) to frighten the reader into paying.",
    },
    DemandsPayment {
        rule: "demands_payment", title: "Demands payment",
        category: Category::Extortion, kind: Kind::Payment, weight: 0.5, levels: &[],
        doc: "A demand to pay or transfer: everyday in bills, so it weighs little alone.",
    },
    NamesCryptocurrency {
        rule: "names_cryptocurrency", title: "Names a cryptocurrency",
        category: Category::Extortion, kind: Kind::Payment, weight: 0.5, levels: &[],
        doc: "Bitcoin, Ethereum or another coin named: the currency extortion is paid in.",
    },
    DemandsGiftCard {
        rule: "demands_gift_card", title: "Demands gift cards",
        category: Category::Extortion, kind: Kind::Payment, weight: 1.0, levels: &[],
        doc: "Payment asked in gift-card codes, which nobody honest asks for.",
    },
    SetsDeadline {
        rule: "sets_deadline", title: "Sets a deadline",
        category: Category::Extortion, kind: Kind::Pressure, weight: 0.5, levels: &[],
        doc: "A time limit (\"48 hours\", \"5日以内\"): common in ordinary mail, a claim only.",
    },
    ExtortionNarrative {
        rule: "extortion_narrative", title: "Extortion story with a demand",
        category: Category::Extortion, kind: Kind::Pattern, weight: 4.5,
        levels: &[NARRATIVE_FULL, NARRATIVE_VOICE, NARRATIVE_RETOLD],
        doc: "A payment target and a demand told with three story claims or more: the extortion letter itself.",
    },
    ShowsPassword {
        rule: "shows_password", title: "Shows a password",
        category: Category::Extortion, kind: Kind::Narrative, weight: 1.0, levels: &[],
        doc: "A password quoted to the reader to make the threat feel real; change it wherever you used it.",
    },
    ImpersonatesPolice {
        rule: "impersonates_police", title: "Poses as the police",
        category: Category::Extortion, kind: Kind::Narrative, weight: 2.5, levels: &[],
        doc: "A sender named as the police writing from a domain that is not a government one.",
    },
    WarnsAboutScams {
        rule: "warns_about_scams", title: "Warns about scams",
        category: Category::Extortion, kind: Kind::Against, weight: -10.0,
        levels: &[WARNS_FOUR, WARNS_THREE, WARNS_TWO, WARNS_ONE],
        doc: "Advisory language (sextortion, do not pay, 詐欺): scams do not say it, so it counts against.",
    },
    ImpersonatesBrand {
        rule: "impersonates_brand", title: "Borrows a brand's name",
        category: Category::Phishing, kind: Kind::Impersonation, weight: 3.0,
        levels: &[BRAND_IN_SENDER, BRAND_IN_SUBJECT],
        doc: "A brand named in the sender name or subject that does not own the sending domain.",
    },
    SenderNameIsOtherDomain {
        rule: "sender_name_is_other_domain", title: "Sender name is another domain",
        category: Category::Phishing, kind: Kind::Impersonation, weight: 1.5, levels: &[],
        doc: "A sender name written as a website (\"Celsius.Network\") on mail from another domain.",
    },
    ClaimedNameElsewhere {
        rule: "claimed_name_elsewhere", title: "Claims a name no domain bears",
        category: Category::Phishing, kind: Kind::Impersonation, weight: 1.5, levels: &[],
        doc: "The sender name's word, repeated in the subject, is in neither the sending, signing nor any link domain.",
    },
    SignedAsBrand {
        rule: "signed_as_brand", title: "Signed in a brand's name",
        category: Category::Phishing, kind: Kind::Impersonation, weight: 2.0, levels: &[],
        doc: "A letter asking for a login or data signed by a brand that does not own the sending domain.",
    },
    AddressedAsBrandCustomer {
        rule: "addressed_as_brand_customer", title: "Greets you as a brand's customer",
        category: Category::Phishing, kind: Kind::Impersonation, weight: 2.0, levels: &[],
        doc: "A salutation to a brand's customer (\"Dear PayPal member\") on mail from a domain the brand does not own.",
    },
    LinksAvoidNamedBrand {
        rule: "links_avoid_named_brand", title: "Links avoid the brand named",
        category: Category::Phishing, kind: Kind::Impersonation, weight: 1.5, levels: &[],
        doc: "The sender or subject names a brand, yet no link goes to it.",
    },
    ImpersonatesMailProvider {
        rule: "impersonates_mail_provider", title: "Poses as your mail provider",
        category: Category::Phishing, kind: Kind::Impersonation, weight: 2.5, levels: &[],
        doc: "Your own address or mail domain quoted in the subject or sender of mail about your password.",
    },
    LinkShowsBrandDomain {
        rule: "link_shows_brand_domain", title: "Link shows a brand's domain",
        category: Category::Phishing, kind: Kind::Impersonation, weight: 3.0, levels: &[],
        doc: "A link whose text is a brand's domain (www.paypal.com) going somewhere the brand does not own.",
    },
    LinkTextMismatch {
        rule: "link_text_mismatch", title: "Link shows another domain",
        category: Category::Phishing, kind: Kind::Hint, weight: 1.0, levels: &[],
        doc: "A link whose text shows one domain and goes to another; click trackers do it too.",
    },
    LookalikeDomain {
        rule: "lookalike_domain", title: "Look-alike domain",
        category: Category::Phishing, kind: Kind::Impersonation, weight: 3.0, levels: &[],
        doc: "A link or sender host made to look like a brand's (www.brand.co.jp.example.com, brand-secure.com) or carrying a government's suffix (www.gov.uk.example.com).",
    },
    LinkToIpAddress {
        rule: "link_to_ip_address", title: "Link to an IP address",
        category: Category::Phishing, kind: Kind::Link, weight: 2.0, levels: &[],
        doc: "A link to a bare IP address instead of a named site.",
    },
    LinkToPunycodeDomain {
        rule: "link_to_punycode_domain", title: "Link to a punycode domain",
        category: Category::Phishing, kind: Kind::Link, weight: 1.0, levels: &[],
        doc: "A link to an internationalised (xn--) domain, the form look-alike letters take.",
    },
    LinkViaShortener {
        rule: "link_via_shortener", title: "Link through a shortener",
        category: Category::Phishing, kind: Kind::Link, weight: 1.0, levels: &[],
        doc: "A link (or an address written out) through a URL shortener, which hides the destination.",
    },
    LinkToDisposableHosting {
        rule: "link_to_disposable_hosting", title: "Link to throwaway hosting",
        category: Category::Phishing, kind: Kind::Link, weight: 1.5, levels: &[],
        doc: "A link to hosting or a page anyone can publish in minutes (page hosts, published forms).",
    },
    LinkToUnusualPort {
        rule: "link_to_unusual_port", title: "Link to an unusual port",
        category: Category::Phishing, kind: Kind::Link, weight: 1.5, levels: &[],
        doc: "A link to a port other than 80 or 443, as on hijacked web-hosting panels.",
    },
    AsksForLogin {
        rule: "asks_for_login", title: "Asks you to log in",
        category: Category::Phishing, kind: Kind::Lure, weight: 0.5, levels: &[],
        doc: "A request to log in, verify or update: everyday for real services, a claim only.",
    },
    ThreatensAccount {
        rule: "threatens_account", title: "Threatens your account",
        category: Category::Phishing, kind: Kind::Pressure, weight: 0.5, levels: &[],
        doc: "An account locked, suspended or a payment failed: a claim only.",
    },
    AsksForSensitiveData {
        rule: "asks_for_sensitive_data", title: "Asks for sensitive data",
        category: Category::Phishing, kind: Kind::Lure, weight: 0.5, levels: &[],
        doc: "Passwords, card numbers or security codes named: a claim only.",
    },
    UrgesHaste {
        rule: "urges_haste", title: "Urges haste",
        category: Category::Phishing, kind: Kind::Pressure, weight: 0.5, levels: &[],
        doc: "\"Immediately\", \"today\": newsletter language too, so it only adds to other claims.",
    },
    OffersAReward {
        rule: "offers_a_reward", title: "Offers a reward",
        category: Category::Phishing, kind: Kind::Lure, weight: 0.5, levels: &[],
        doc: "A prize, points or an airdrop waiting to be claimed: a claim only.",
    },
    ClaimsDeliveryProblem {
        rule: "claims_delivery_problem", title: "Claims a parcel problem",
        category: Category::Phishing, kind: Kind::Lure, weight: 0.5, levels: &[],
        doc: "A parcel that could not be delivered or owes a fee (不在, 再配達): a claim only.",
    },
    LoginFormInMail {
        rule: "login_form_in_mail", title: "Login form in the mail",
        category: Category::Phishing, kind: Kind::Evasion, weight: 3.0, levels: &[],
        doc: "A password field inside the mail itself, so the password never reaches the real site.",
    },
    SenderOnThrowawayTenant {
        rule: "sender_on_throwaway_tenant", title: "Sent from a throwaway tenant",
        category: Category::Phishing, kind: Kind::Sender, weight: 1.5, levels: &[],
        doc: "Sent from (or signed by) a stranger's Microsoft 365 or help-desk tenant, opened in minutes.",
    },
    SenderOnAbusedTld {
        rule: "sender_on_abused_tld", title: "Sender on an abused top-level domain",
        category: Category::Phishing, kind: Kind::Sender, weight: 1.0, levels: &[],
        doc: "From or Reply-To on one of the most-abused cheap top-level domains (.cfd, .sbs, .top).",
    },
    FacelessSender {
        rule: "faceless_sender", title: "Sender is a faceless desk",
        category: Category::Phishing, kind: Kind::Sender, weight: 1.0, levels: &[],
        doc: "A sender name that is only a desk (\"Security Team\") from outside your organisation.",
    },
    SharedDocumentLure {
        rule: "shared_document_lure", title: "Lure in a sharing notification",
        category: Category::Phishing, kind: Kind::Evasion, weight: 3.0, levels: &[],
        doc: "A document, form, calendar or team notification whose sharer-typed text is about money or sex.",
    },
    InvoiceInInvitation {
        rule: "invoice_in_invitation", title: "Bill inside an invitation",
        category: Category::Phishing, kind: Kind::Evasion, weight: 4.0, levels: &[],
        doc: "A calendar invitation that charges an amount: a fake renewal delivered by the calendar service.",
    },
    DangerousAttachment {
        rule: "dangerous_attachment", title: "Dangerous attachment",
        category: Category::Malware, kind: Kind::Attachment, weight: 8.0,
        levels: &[DOUBLE_EXTENSION, EXECUTABLE, DISK_IMAGE, ATTACHED_PAGE],
        doc: "An attachment that runs code or opens a page when clicked.",
    },
    PhishingPattern {
        rule: "phishing_pattern", title: "Deception with a request",
        category: Category::Phishing, kind: Kind::Pattern, weight: 4.0,
        levels: &[PATTERN_THREE_CLAIMS, PATTERN_FEWER_CLAIMS],
        doc: "A deception about sender or links together with a request to log in, hand over data or claim.",
    },
    StackedTricks {
        rule: "stacked_tricks", title: "Deceptions stacked",
        category: Category::Phishing, kind: Kind::Pattern, weight: 1.5, levels: &[],
        doc: "Two independent kinds of deception in one mail: each has innocent readings, together none.",
    },
    SelfSentSpoof {
        rule: "self_sent_spoof", title: "Sent as yourself",
        category: Category::Other, kind: Kind::Sender, weight: 2.0, levels: &[],
        doc: "From is your own address and no DKIM signature vouches for it (\"I sent this from your account\").",
    },
    AuthenticationFailed {
        rule: "authentication_failed", title: "Authentication failed",
        category: Category::Other, kind: Kind::Sender, weight: 1.5,
        levels: &[DMARC_FAILED, SPF_FAILED, DKIM_FAILED],
        doc: "The receiving server recorded a DMARC, SPF or DKIM failure: the sender is not who From says.",
    },
    ForgedBrandAddress {
        rule: "forged_brand_address", title: "Brand's address forged",
        category: Category::Phishing, kind: Kind::Sender, weight: 3.0, levels: &[],
        doc: "A brand's own From address on mail that neither DKIM nor the brand's SPF vouches for.",
    },
    ReplyToElsewhere {
        rule: "reply_to_elsewhere", title: "Replies go elsewhere",
        category: Category::Other, kind: Kind::Hint, weight: 0.5, levels: &[],
        doc: "Reply-To on another domain than the sender's.",
    },
    RecipientAddressInBody {
        rule: "recipient_address_in_body", title: "Your address quoted",
        category: Category::Other, kind: Kind::Hint, weight: 0.5, levels: &[],
        doc: "Your own address quoted in the text, a bulk-mail trick to look personal.",
    },
    AdvanceFeeOffer {
        rule: "advance_fee_offer", title: "Advance-fee offer",
        category: Category::Other, kind: Kind::Pattern, weight: 6.0, levels: &[],
        doc: "A fortune offered (inheritance, donation, lottery) with a private mailbox to answer to.",
    },
    CryptoWindfall {
        rule: "crypto_windfall", title: "Crypto balance waiting",
        category: Category::Other, kind: Kind::Pattern, weight: 5.0, levels: &[],
        doc: "A crypto balance of a thousand or more said to wait for you, a deadline, and a free mailbox.",
    },
    HiddenCharacters {
        rule: "hidden_characters", title: "Invisible characters inside words",
        category: Category::Other, kind: Kind::Evasion,
        weight: 3.0, levels: &[HIDDEN_IN_HEADERS, HIDDEN_IN_BODY],
        doc: "Zero-width or combining characters inside words, to break them up for filters.",
    },
    HiddenTextInWords {
        rule: "hidden_text_in_words", title: "Hidden text inside words",
        category: Category::Other, kind: Kind::Evasion, weight: 2.0, levels: &[],
        doc: "Invisible HTML text glued inside visible words, so filters read salad and you read the lure.",
    },
    HiddenFiller {
        rule: "hidden_filler", title: "More text hidden than shown",
        category: Category::Other, kind: Kind::Evasion, weight: 2.0, levels: &[],
        doc: "Far more hidden text than visible: word salad for filters beside a message in pictures.",
    },
    PictureInsteadOfText {
        rule: "picture_instead_of_text", title: "Message in a picture",
        category: Category::Phishing, kind: Kind::Evasion, weight: 1.5, levels: &[],
        doc: "Pictures, a link and almost no text: the message is an image (a letter, a QR code) filters cannot read.",
    },
    TextPushedOutOfView {
        rule: "text_pushed_out_of_view", title: "Text pushed out of view",
        category: Category::Other, kind: Kind::Evasion, weight: 1.5, levels: &[],
        doc: "A spacer many screens tall between the lure you see and text only filters read.",
    },
    LinkBehindPunctuation {
        rule: "link_behind_punctuation", title: "Link hidden in a full stop",
        category: Category::Other, kind: Kind::Evasion, weight: 1.0, levels: &[],
        doc: "A link whose whole text is a punctuation mark.",
    },
    DisguisedLetters {
        rule: "disguised_letters", title: "Letters from other alphabets",
        category: Category::Other, kind: Kind::Evasion, weight: 2.0,
        levels: &[DISGUISED_IN_HEADERS, DISGUISED_IN_BODY],
        doc: "Latin words written with Cyrillic, Greek, small-capital or mathematical letters.",
    },
    SpacedOutLetters {
        rule: "spaced_out_letters", title: "Japanese spaced out",
        category: Category::Other, kind: Kind::Evasion, weight: 2.0,
        levels: &[DISGUISED_IN_HEADERS, DISGUISED_IN_BODY],
        doc: "Japanese written with a space after every character (三 井 住 友), breaking names apart for filters.",
    },
    ConfusableSpelling {
        rule: "confusable_spelling", title: "Look-alike spelling",
        category: Category::Other, kind: Kind::Evasion, weight: 2.0, levels: &[],
        doc: "Security words and brands spelled with look-alike characters (Iog in, PayPaI, Micr0soft).",
    },
    LearnedWords {
        rule: "learned_words", title: "What the words say",
        category: Category::Other, kind: Kind::Pattern, weight: 0.0, levels: &[],
        doc: "The sum of what the model learned of this mail's words, link sites and sender from thousands of labelled mails; the strongest are named.",
    },
    KnownCorrespondent {
        rule: "known_correspondent", title: "You have written to this sender",
        category: Category::Other, kind: Kind::Against, weight: -6.0, levels: &[],
        doc: "The receiving server vouched for the From address, and you have written to it (your Sent folder): taken off every kind of unwanted mail.",
    },
    LearnedFromFeedback {
        rule: "learned_from_feedback", title: "Learned from your feedback",
        category: Category::Other, kind: Kind::Pattern, weight: 0.0, levels: &[],
        doc: "What this account learned from the mail you took out of Junk or put into it: its words and senders, and near-copies of those mails.",
    },
}
