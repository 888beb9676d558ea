//! Brands that phishing imitates, with the domains they really send from and link to, and
//! the words around a brand's name that make it a signature. Read by
//! [`crate::detect::brands`]; a brand added here is known to every rule that asks about one.
//!
//! Aliases are matched case-insensitively (ASCII) and as whole words; domains own their
//! subdomains. A brand's Japanese and English names are aliases of one brand. A domain
//! without a dot ("apple") is the brand's own top-level domain: only the brand registers
//! names under it (`post.applecard.apple`).

use crate::detect::brands::Brand;

/// Every brand the rules know, with the names it goes by and the domains it sends from.
#[rustfmt::skip]
pub const BRANDS: &[Brand] = &[
    Brand { name: "Amazon", aliases: &["amazon", "アマゾン"], domains: &[ "amazon.com", "amazon.co.jp", "amazon.co.uk", "amazon.de", "amazon.jp", "amazonses.com", "amazon.fr", "amazon.ca", "a2z.com", "primevideo.com", "amazonaws.com", "amazon", "aws"] },
    Brand { name: "Rakuten", aliases: &["rakuten", "楽天"], domains: &[ "rakuten.co.jp", "rakuten.com", "rakuten-card.co.jp", "rakuten-bank.co.jp", "rakuten.ne.jp", "rakuten-sec.co.jp"] },
    Brand { name: "SMBC", aliases: &["三井住友", "smbc", "sumitomo mitsui"], domains: &[ "smbc.co.jp", "smbc-card.com", "smbc-card.co.jp", "vpass.ne.jp", "smbcnikko.co.jp"] },
    Brand { name: "MUFG", aliases: &["三菱ufj", "mufg"], domains: &[ "mufg.jp", "bk.mufg.jp", "cr.mufg.jp", "dccard.co.jp", "nicos.co.jp"] },
    Brand { name: "Mizuho", aliases: &["みずほ", "mizuho"], domains: &["mizuhobank.co.jp", "mizuho-fg.co.jp", "mizuho-sc.com"] },
    Brand { name: "Japan Post", aliases: &["ゆうちょ", "日本郵便", "japan post"], domains: &["japanpost.jp", "jp-bank.japanpost.jp", "post.japanpost.jp"] },
    Brand { name: "Resona", aliases: &["りそな"], domains: &["resonabank.co.jp", "resona-gr.co.jp"] },
    Brand { name: "JCB", aliases: &["jcb", "myjcb"], domains: &["jcb.co.jp", "jcb.jp", "jcb.com"] },
    Brand { name: "AEON", aliases: &["イオンカード", "イオン銀行", "aeon card", "aeon"], domains: &[ "aeon.co.jp", "aeon.com", "aeonbank.co.jp", "aeoncredit.co.jp"] },
    Brand { name: "Epos", aliases: &["エポスカード", "エポス", "eposcard"], domains: &["eposcard.co.jp", "0101.co.jp"] },
    Brand { name: "Eki-net", aliases: &["えきねっと", "eki-net", "jr東日本"], domains: &["eki-net.com", "jreast.co.jp"] },
    Brand { name: "ETC", aliases: &[ "etc利用照会", "etcマイレージ", "etcサービス", "etc利用", "etcカード", "etc明細", "e t cサービス", "e t c利用"], domains: &["etc-meisai.jp", "smile-etc.jp", "go-etc.jp"] },
    Brand { name: "JR West", aliases: &["jrおでかけネット", "club j-west", "jr西日本", "j-west"], domains: &["jr-odekake.net", "westjr.co.jp", "jr-west.co.jp"] },
    Brand { name: "Rokin", aliases: &["労働金庫", "ろうきん"], domains: &["rokin.or.jp", "rokin.com"] },
    Brand { name: "NHK", aliases: &["nhk"], domains: &["nhk.or.jp", "nhk.jp"] },
    Brand { name: "UCS", aliases: &["ucsカード", "ucs card"], domains: &["ucscard.co.jp"] },
    Brand { name: "Mastercard", aliases: &["mastercard", "マスターカード"], domains: &["mastercard.com", "mastercard.co.jp"] },
    Brand { name: "Visa", aliases: &["visaカード", "visa card", "三井住友visa"], domains: &["visa.com", "visa.co.jp", "visa"] },
    Brand { name: "American Express", aliases: &[ "american express", "アメリカン・エキスプレス", "アメックス", "amex"], domains: &["americanexpress.com", "aexp.com", "americanexpress.co.jp", "amex", "americanexpress"] },
    Brand { name: "Saison", aliases: &["セゾン", "saison"], domains: &["saisoncard.co.jp", "saison.co.jp"] },
    Brand { name: "Orico", aliases: &["オリコ", "orico"], domains: &["orico.co.jp"] },
    Brand { name: "View Card", aliases: &["ビューカード"], domains: &["viewcard.co.jp", "viewsnet.jp", "jreast.co.jp"] },
    Brand { name: "docomo", aliases: &["docomo", "ドコモ"], domains: &["docomo.ne.jp", "nttdocomo.co.jp", "docomo.co.jp"] },
    Brand { name: "au", aliases: &["kddi", "auじぶん銀行", "au pay", "auペイ"], domains: &[ "au.com", "kddi.com", "auone.jp", "au.co.jp", "aujibun.co.jp"] },
    Brand { name: "SoftBank", aliases: &["softbank", "ソフトバンク"], domains: &["softbank.jp", "softbank.ne.jp", "softbank.co.jp", "softbank"] },
    Brand { name: "PayPay", aliases: &["paypay"], domains: &["paypay.ne.jp", "paypay-card.co.jp", "paypay-bank.co.jp"] },
    Brand { name: "Mercari", aliases: &["メルカリ", "mercari"], domains: &["mercari.com", "mercari.jp"] },
    Brand { name: "Yamato", aliases: &["ヤマト運輸", "クロネコ"], domains: &["kuronekoyamato.co.jp", "yamato-hd.co.jp"] },
    Brand { name: "Sagawa", aliases: &["佐川急便"], domains: &["sagawa-exp.co.jp"] },
    Brand { name: "National Tax Agency", aliases: &["国税庁", "e-tax"], domains: &["nta.go.jp"] },
    Brand { name: "TEPCO", aliases: &["東京電力"], domains: &["tepco.co.jp"] },
    Brand { name: "Apple", aliases: &["apple", "icloud", "itunes", "app store", "アップル"], domains: &[ "apple.com", "icloud.com", "me.com", "itunes.com", "apple.co.jp", "apple"] },
    Brand { name: "Microsoft", aliases: &[ "microsoft", "outlook", "office 365", "office365", "onedrive", "sharepoint", "hotmail", "マイクロソフト"], domains: &[ "microsoft.com", "outlook.com", "office.com", "office365.com", "live.com", "hotmail.com", "microsoftonline.com", "sharepoint.com", "onmicrosoft.com", "msn.com", "microsoft", "xbox", "windows", "bing", "hotmail"] },
    Brand { name: "Google", aliases: &["google", "gmail"], domains: &[ "google.com", "gmail.com", "googlemail.com", "youtube.com", "google.co.jp", "google", "gmail", "youtube"] },
    Brand { name: "PayPal", aliases: &["paypal"], domains: &[ "paypal.com", "paypal.co.jp", "paypal.de", "paypal.co.uk", "paypal-communication.com"] },
    Brand { name: "Netflix", aliases: &["netflix"], domains: &["netflix.com", "netflix"] },
    Brand { name: "DHL", aliases: &["dhl"], domains: &["dhl.com", "dhl.de", "dhl.co.jp", "dhl"] },
    Brand { name: "FedEx", aliases: &["fedex"], domains: &["fedex.com", "fedex"] },
    Brand { name: "USPS", aliases: &["usps", "postal service"], domains: &["usps.com", "usps.gov"] },
    Brand { name: "Correios", aliases: &["correios"], domains: &["correios.com.br"] },
    Brand { name: "Ledger", aliases: &["ledger"], domains: &["ledger.com"] },
    Brand { name: "MetaMask", aliases: &["metamask"], domains: &["metamask.io"] },
    Brand { name: "Coinbase", aliases: &["coinbase"], domains: &["coinbase.com"] },
    Brand { name: "Trust Wallet", aliases: &["trust wallet", "trustwallet"], domains: &["trustwallet.com"] },
    Brand { name: "Binance", aliases: &["binance"], domains: &["binance.com"] },
    Brand { name: "IRS", aliases: &["irs", "internal revenue service"], domains: &["irs.gov"] },
    Brand { name: "DocuSign", aliases: &["docusign"], domains: &["docusign.com", "docusign.net"] },
    Brand { name: "Facebook", aliases: &["facebook", "instagram"], domains: &[ "facebook.com", "facebookmail.com", "instagram.com", "meta.com"] },
    Brand { name: "LinkedIn", aliases: &["linkedin"], domains: &["linkedin.com"] },
    Brand { name: "Yahoo", aliases: &["yahoo"], domains: &["yahoo.com", "yahoo.co.jp", "yahoo-net.jp", "yahoo"] },
    Brand { name: "Chase", aliases: &["chase bank", "jpmorgan chase"], domains: &["chase.com", "jpmorgan.com", "chase"] },
    Brand { name: "Wells Fargo", aliases: &["wells fargo"], domains: &["wellsfargo.com"] },
    Brand { name: "Bank of America", aliases: &["bank of america"], domains: &["bankofamerica.com", "bofa.com"] },
    Brand { name: "Norton", aliases: &["norton", "mcafee"], domains: &["norton.com", "nortonlifelock.com", "mcafee.com"] },
    Brand { name: "Dropbox", aliases: &["dropbox", "wetransfer"], domains: &["dropbox.com", "wetransfer.com"] },
    Brand { name: "Spotify", aliases: &["spotify"], domains: &["spotify.com", "scdn.co"] },
    Brand { name: "Bradesco", aliases: &["bradesco"], domains: &["bradesco.com.br"] },
    Brand { name: "Santander", aliases: &["santander"], domains: &["santander.com.br", "santander.com", "santander.co.uk", "santander.es"] },
    Brand { name: "Itaú", aliases: &["itaú", "itau"], domains: &["itau.com.br"] },
    Brand { name: "Mercado Pago", aliases: &["mercado pago", "mercadopago", "mercado livre", "mercadolivre", "mercado libre"], domains: &["mercadopago.com", "mercadopago.com.br", "mercadolivre.com.br", "mercadolibre.com"] },
    Brand { name: "Caixa", aliases: &["caixa econômica", "caixa economica"], domains: &["caixa.gov.br"] },
    Brand { name: "Nubank", aliases: &["nubank"], domains: &["nubank.com.br", "nu.com.mx"] },
    Brand { name: "Banco do Brasil", aliases: &["banco do brasil"], domains: &["bb.com.br"] },
    Brand { name: "Steam", aliases: &["steam community", "steampowered"], domains: &["steampowered.com", "steamcommunity.com"] },
    Brand { name: "WhatsApp", aliases: &["whatsapp"], domains: &["whatsapp.com", "whatsapp.net"] },
    Brand { name: "TikTok", aliases: &["tiktok"], domains: &["tiktok.com"] },
    Brand { name: "Zoom", aliases: &["zoom meeting", "zoom video"], domains: &["zoom.us", "zoom.com"] },
    Brand { name: "Verizon", aliases: &["verizon"], domains: &["verizon.com", "verizonwireless.com"] },
    Brand { name: "AT&T", aliases: &["at&t"], domains: &["att.com", "att.net"] },
    Brand { name: "Walmart", aliases: &["walmart"], domains: &["walmart.com"] },
    Brand { name: "Costco", aliases: &["costco"], domains: &["costco.com"] },
    Brand { name: "Booking.com", aliases: &["booking.com"], domains: &["booking.com", "booking"] },
    Brand { name: "Airbnb", aliases: &["airbnb"], domains: &["airbnb.com"] },
    Brand { name: "Adobe", aliases: &["adobe"], domains: &["adobe.com"] },
];

/// A team or desk written after the brand's name: "PayPal Customer Support".
pub const ROLES_AFTER: &[&str] = &[
    "customer support",
    "customer service",
    "customer care",
    "support team",
    "security team",
    "account team",
    "accounts team",
    "billing team",
    "team",
    "support",
    "security",
    "カスタマーサポート",
    "サポートセンター",
    "カスタマーセンター",
    "お客様センター",
    "事務局",
];

/// A team written before the brand's name: "Equipe de contas da Microsoft", "Team Coinbase".
pub const ROLES_BEFORE: &[&str] = &[
    "the team at",
    "team",
    "equipe",
    "equipe da",
    "equipe do",
    "equipe de contas da",
    "equipe de contas do",
    "equipo de",
    "equipo",
    "équipe",
    "l'équipe",
];

/// A brand's domains that sign mail its customers write: a sending service. Their
/// signature says who carried a mail, not whose it is (see `impersonates_brand`).
pub const SIGNS_CUSTOMERS_MAIL: &[&str] = &["amazonses.com"];

/// The words that begin a government's public suffix (`gov.uk`, `gouv.fr`, `gob.mx`,
/// `govt.nz`): carried in front of another domain (`www.gov.uk.refund.example`) such a
/// suffix is a costume.
pub const GOVERNMENT_WORDS: &[&str] = &["gov", "gouv", "gob", "govt"];

/// Free mailboxes anyone can open under any name. An address there belongs to a person,
/// not to the provider's brand.
pub const FREE_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.fr",
    "yahoo.co.jp",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "aol.com",
    "protonmail.com",
    "proton.me",
    "mail.ru",
    "yandex.com",
    "gmx.com",
    "zoho.com",
    "icloud.com",
    "me.com",
];
