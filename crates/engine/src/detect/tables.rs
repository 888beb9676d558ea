//! The lists the rules read, as data: hosts that hide where a link goes, services whose
//! notifications carry what a stranger typed, top-level domains, attachment endings, the
//! words of faceless sender names and of disguised spellings, who may call themselves the
//! police, and the exchanges whose own mail names wallets. The brands and the claim
//! phrases, the two long tables, are in [`brands`] and [`phrases`].
//!
//! Plain `const` slices, not files parsed at start: the rules and the automata built from
//! these read them exactly as before, and a typo is a compile error. Every entry here was
//! chosen for a reason given beside its list; the rules that read a list say how.

pub mod brands;
pub mod phrases;

// Where links go.

/// Link shorteners hide where a link goes; legitimate senders link to their own domain.
pub const SHORTENERS: &[&str] = &[
    "bit.ly",
    "bitly.com",
    "bit.do",
    "tinyurl.com",
    "tiny.cc",
    "tiny.one",
    "t.co",
    "goo.gl",
    "ow.ly",
    "is.gd",
    "v.gd",
    "x.gd",
    "buff.ly",
    "rebrand.ly",
    "cutt.ly",
    "shorturl.at",
    "shorturl.asia",
    "short.gy",
    "rb.gy",
    "t.ly",
    "bl.ink",
    "s.id",
    "surl.li",
    "shorte.st",
    "adf.ly",
    "gg.gg",
    "u.to",
    "clck.ru",
    "vk.cc",
    "han.gl",
    "me2.do",
    "t2m.io",
    "urlz.fr",
    "vlink.cz",
    "1url.cz",
    "qrco.de",
];

/// Hosting where anyone can publish a page in minutes, a favourite for phishing forms.
pub const DISPOSABLE_HOSTING: &[&str] = &[
    "ipfs",
    "web.app",
    "firebaseapp.com",
    "firebasestorage.googleapis.com",
    "glitch.me",
    "000webhostapp.com",
    "weebly.com",
    "r2.dev",
    "pages.dev",
    "workers.dev",
    "ngrok",
    "compute.amazonaws.com",
    "blogspot.",
    "netlify.app",
    "vercel.app",
    "surge.sh",
    "webflow.io",
    "wixsite.com",
    "square.site",
    "godaddysites.com",
    "framer.website",
    "carrd.co",
    "notion.site",
    "herokuapp.com",
    "azurewebsites.net",
    "repl.co",
    "glide.page",
    "translate.goog",
];

/// Hosts that serve anyone's documents, forms and files by path: a link to one vouches for
/// the page, not the host. A release linking a shared document says nothing of another
/// person's form on the same host, so per-account learning credits no unauthenticated
/// copy linking there (`detect::personal::harms`).
pub const PATH_PUBLISHED_HOSTS: &[&str] = &[
    "docs.google.com",
    "drive.google.com",
    "sites.google.com",
    "forms.gle",
    "storage.googleapis.com",
    "firebasestorage.googleapis.com",
    "forms.office.com",
    "forms.microsoft.com",
    "onedrive.live.com",
    "1drv.ms",
    "github.com",
    "gist.github.com",
    "raw.githubusercontent.com",
    "dropbox.com",
    "www.dropbox.com",
    "dl.dropboxusercontent.com",
    "notion.so",
    "www.notion.so",
    "canva.com",
    "www.canva.com",
    "jotform.com",
    "form.jotform.com",
    "airtable.com",
    "linktr.ee",
    "t.me",
    "telegra.ph",
    "ipfs.io",
    "s3.amazonaws.com",
];

/// Pages anyone can publish on a big site's own domain, which no domain check catches: a
/// Google Drawing with a link in it is the crypto scammer's landing page.
pub const DISPOSABLE_PAGES: &[&str] =
    &["docs.google.com/drawings/", "docs.google.com/presentation/d/e/", "sites.google.com/view/"];

/// Registered domains of mail services' click trackers: a newsletter's or an invoice's
/// links go through them, counted, on to the sender's own site. Only the tracker's own
/// domains, not a service's customer subdomains.
pub const CLICK_TRACKERS: &[&str] = &[
    "sendgrid.net",     // Twilio SendGrid (ct.sendgrid.net, uNNN.ct.sendgrid.net)
    "list-manage.com",  // Mailchimp
    "mandrillapp.com",  // Mailchimp transactional
    "rs6.net",          // Constant Contact
    "createsend1.com",  // Campaign Monitor
    "exct.net",         // Salesforce Marketing Cloud
    "hubspotlinks.com", // HubSpot
    "mjt.lu",           // Mailjet
    "awstrack.me",      // Amazon SES
    "spgo.io",          // SparkPost
    "klclick.com",      // Klaviyo
];

// Who sends.

/// Notification senders of document-sharing, calendar and team services: the name and text in
/// their mails are whatever the person sharing typed, which makes them a way to deliver
/// a lure from a trusted address.
pub const SHARING_NOTIFIERS: &[&str] = &[
    "drive-shares-noreply@google.com",
    "drive-shares-dm-noreply@google.com",
    "calendar-notification@google.com",
    "comments-noreply@docs.google.com",
    "no-reply@sharepointonline.com",
    "noreply@dropbox.com",
    "noreply@email.teams.microsoft.com",
    "noreply@emeaemail.teams.microsoft.com",
];

/// Bounce domains of the same services' notifications where the From line is the sharer's
/// own address: a Google Forms invitation comes "from" the form's owner, but its envelope
/// is Google's, so the text is still whatever the owner typed.
pub const SHARING_BOUNCE_DOMAINS: &[&str] =
    &["doclist.bounces.google.com", "trix.bounces.google.com", "calendar-server.bounces.google.com"];

/// Help-desk platforms that give every customer a subdomain to send from
/// (`acme.zendesk.com`): real customers send under their own name.
pub const HELPDESK_PLATFORMS: &[&str] = &[".zendesk.com", ".freshdesk.com"];

/// Other services whose every customer sends from a subdomain of the service's own, one
/// the public suffix list does not separate: Microsoft 365 names each tenant
/// `name.onmicrosoft.com`, and a trial tenant is a common scam sender. Per-account
/// learning takes the address as who sends there, not the shared domain.
pub const CUSTOMER_SUBDOMAINS: &[&str] = &[".onmicrosoft.com"];

/// Invoice, money-request and signature-request notifiers: the note in their signed mail
/// is whatever the requester typed (invoice and "call this number" scams go out through
/// them, signed by the service). A release of one of their mails vouches for nobody.
pub const REQUEST_NOTIFIERS: &[&str] = &[
    "service@paypal.com",
    "service@intl.paypal.com",
    "quickbooks@notification.intuit.com",
    "dse@docusign.net",
];

/// Top-level domains a display name can pass off as a website: every two-letter country
/// code, and the generic ones common in sender names. Without the list "J.Smith" would be
/// a domain.
pub const NAME_TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "io", "app", "dev", "network", "exchange", "finance", "xyz",
    "online", "site", "shop", "store", "tech", "cloud", "top", "club", "live", "email",
];

/// Top-level domains where names cost cents and abuse reports go unanswered, so that
/// throwaway senders cluster there (the most-abused lists of Spamhaus and Interisle).
/// Long-established ones that legitimate businesses use widely are not listed.
pub const ABUSED_TLDS: &[&str] = &[
    "top", "xyz", "cfd", "sbs", "hair", "mom", "rest", "cyou", "bond", "icu", "buzz", "monster", "gq", "tk",
    "ml", "cf", "ga", "lol", "quest", "skin", "makeup", "beauty", "autos", "boats", "pics", "click", "zip",
    "mov",
];

/// Words in a sender name that claim to be the police (警察署, "Cyber Police", Europol).
pub const POLICE_NAMES: &[&str] = &["警察", "police", "polizei", "europol", "interpol", "fbi"];

/// Endings of government domains, the only ones the police write from.
pub const GOVERNMENT_SUFFIXES: &[&str] = &[".go.jp", ".gov", ".police.uk", ".europa.eu", ".bund.de"];

// What a sender name is made of.

/// Words a sender name can be made of when it names a desk and not whose desk it is.
pub const DESK_WORDS: &[&str] = &[
    "security",
    "account",
    "accounts",
    "admin",
    "administrator",
    "administration",
    "it",
    "helpdesk",
    "help",
    "desk",
    "support",
    "team",
    "service",
    "services",
    "mail",
    "email",
    "e-mail",
    "webmail",
    "mailbox",
    "verification",
    "billing",
    "notification",
    "notifications",
    "alert",
    "alerts",
    "department",
    "center",
    "centre",
    "technical",
    "customer",
    "care",
    "the",
    "your",
    "user",
    "users",
    "staff",
];

/// Words of a sender name that say what a mail is, not whose it is ("Rewards", "News",
/// "Winner"): a name made only of these claims no organisation, and the rule that
/// compares the name a mail claims with where it comes from (`claimed_name_elsewhere`)
/// skips them, with the [`DESK_WORDS`].
pub const NAME_FILLER_WORDS: &[&str] = &[
    "and",
    "for",
    "from",
    "our",
    "via",
    "official",
    "info",
    "news",
    "newsletter",
    "noreply",
    "reply",
    "daily",
    "weekly",
    "digest",
    "offer",
    "offers",
    "deals",
    "winner",
    "congratulations",
    "rewards",
    "reward",
    "gift",
    "card",
    "survey",
    "shipping",
    "delivery",
    "update",
    "updates",
    "message",
    "messages",
    "system",
    "online",
    "club",
    "member",
    "members",
    "group",
    "store",
    "shop",
    "sales",
    "payment",
    "payments",
    "bank",
    "inc",
    "ltd",
    "llc",
    "com",
    "net",
    "org",
    "www",
];

/// Desks that guard logins and mailboxes, the ones phishing speaks for. "Customer
/// Service" or "Billing" alone is how small shops sign; "Mail Delivery System" is how
/// bounces do.
pub const GATEKEEPER_WORDS: &[&str] = &[
    "security",
    "admin",
    "administrator",
    "administration",
    "it",
    "helpdesk",
    "webmail",
    "mailbox",
    "verification",
    "account",
];

// What is attached.

/// Attachment endings that run code when opened.
pub const EXECUTABLE_ENDINGS: &[&str] = &[
    ".exe", ".scr", ".js", ".jse", ".vbs", ".vbe", ".bat", ".cmd", ".com", ".pif", ".jar", ".lnk", ".hta",
    ".wsf", ".msi", ".ps1",
];

/// Attachment endings that open a page or a disk image: phishing forms and malware droppers.
pub const PAGE_OR_IMAGE_ENDINGS: &[&str] = &[".html", ".htm", ".shtml", ".svg", ".iso", ".img"];

/// Document endings a double extension hides behind ("invoice.pdf.exe").
pub const DECOY_ENDINGS: &[&str] = &[".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".png", ".txt"];

// What a disguised spelling stands for.

/// Words that phishing spells with look-alike characters so a filter misses them and a
/// reader does not: these, or a brand's name, are what "Iog in", "User lD", "PayPaI",
/// "TrustwaIIet" and "Micr0soft" stand for.
pub const DISGUISED_TARGETS: &[&str] = &[
    "account",
    "alert",
    "amazon",
    "apple",
    "bill",
    "billing",
    "blocked",
    "cancel",
    "click",
    "closure",
    "delivery",
    "email",
    "facebook",
    "failed",
    "gmail",
    "google",
    "help",
    "icloud",
    "id",
    "invoice",
    "ledger",
    "link",
    "locked",
    "log",
    "login",
    "logon",
    "mail",
    "microsoft",
    "netflix",
    "office",
    "online",
    "outlook",
    "payment",
    "paypal",
    "please",
    "security",
    "signin",
    "support",
    "suspended",
    "trustwallet",
    "unlock",
    "update",
    "verify",
    "wallet",
];

// A bare demand for crypto (rules/demand.rs).

/// Exchanges and wallet services whose own, authenticated mail names the user's addresses
/// and amounts (deposits, withdrawals, address-book changes). Mail from them is from a
/// correspondent the user signed up with.
pub const EXCHANGE_DOMAINS: &[&str] = &[
    "coinbase.com",
    "binance.com",
    "kraken.com",
    "bitstamp.net",
    "gemini.com",
    "bitfinex.com",
    "okx.com",
    "bybit.com",
    "kucoin.com",
    "crypto.com",
    "blockchain.com",
    "bitget.com",
    "bitpanda.com",
    "luno.com",
    "bitflyer.com",
    "coincheck.com",
    "bitbank.cc",
    "z.com",
    "sbivc.co.jp",
    "rakuten-wallet.co.jp",
    "bittrade.co.jp",
];

/// Words that undo a verb right before it: "do not send", "never pay".
pub const NEGATIONS: &[&str] = &["not", "n't", "never", "nicht", "não"];
