//! Every signal's title and line in Japanese, for the Japanese review page: a table beside
//! the English rows of [`super::SIGNALS`], keyed by [`SignalId`] (a test checks that every
//! id has exactly one row). It lives apart from the English rows so that a row's
//! behaviour (weight, levels) and its wording in another language change independently.
//!
//! Written for a reader who is not technical, in the tone of the weekly report; terms
//! users meet elsewhere (DKIM, SPF, DMARC, URL, IP) stay as they are.

use super::SignalId::{self, *};

/// A signal's human name and one line for users, in Japanese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Japanese {
    pub id: SignalId,
    /// The human name (the English row's `title`).
    pub title: &'static str,
    /// What the signal means (the English row's `doc`).
    pub doc: &'static str,
}

impl SignalId {
    /// This signal's title and line in Japanese; `None` only for a row not yet translated,
    /// which a test below forbids.
    pub fn japanese(self) -> Option<&'static Japanese> {
        SIGNALS_JA.iter().find(|row| row.id == self)
    }
}

/// One row per signal, in the order of [`SignalId`].
pub static SIGNALS_JA: &[Japanese] = &[
    Japanese {
        id: CryptoWalletVerified,
        title: "チェックサムが正しい暗号資産アドレス",
        doc: "チェックサムの合うビットコインやライトコインのアドレス。偶然の文字列ではなく送金先です。正規の領収書にも書かれます。",
    },
    Japanese {
        id: CryptoWalletUnverified,
        title: "暗号資産アドレスらしい文字列",
        doc: "イーサリアムやモネロのアドレス、またはチェックサムの合わないアドレス。送金先かもしれず、ただの書き間違いかもしれません。",
    },
    Japanese {
        id: CryptoWalletSplitToEvade,
        title: "分割された暗号資産アドレス",
        doc: "正しいアドレスの途中に空白や改行を入れて、フィルターに見つからないようにしたもの。",
    },
    Japanese {
        id: CryptoPaymentDemand,
        title: "見知らぬ相手からの暗号資産の要求",
        doc: "金額を示して、チェックサムの合うアドレスへの送金を求めるもの。やり取りのある相手、メーリングリスト、知られた取引所からではありません。",
    },
    Japanese {
        id: ClaimsDeviceCompromise,
        title: "端末をハッキングしたと主張",
        doc: "「あなたの端末をハッキングした」という、脅迫の筋書きの一つ。これだけなら珍しくありません。",
    },
    Japanese {
        id: ClaimsRecording,
        title: "録画したと主張",
        doc: "「カメラであなたを録画した」という、脅迫の筋書きの一つです。",
    },
    Japanese {
        id: MentionsAdultContent,
        title: "アダルトな内容に触れている",
        doc: "アダルトサイトや性的な内容への言及。脅迫の筋書きの一つです。",
    },
    Japanese {
        id: ThreatensDistribution,
        title: "連絡先に送ると脅している",
        doc: "動画やデータを友人、家族、同僚に送ると脅すもの。",
    },
    Japanese {
        id: DemandsSecrecy,
        title: "口外しないよう求めている",
        doc: "「警察には言うな」という、脅迫の筋書きの一つです。",
    },
    Japanese {
        id: ClaimsOpenTracking,
        title: "開封がわかると主張",
        doc: "「このメールを読んだらわかる」という、脅迫の筋書きの一つです。",
    },
    Japanese {
        id: ClaimsPasswordKnowledge,
        title: "パスワードを知っていると主張",
        doc: "「あなたのパスワードを知っている」という、脅迫の筋書きの一つ。正規のアカウントのお知らせにもよく出てきます。",
    },
    Japanese {
        id: AccusesOfCrime,
        title: "犯罪をしたと責めている",
        doc: "違法な取引や違法なコンテンツなどの罪を着せ、読む人を怖がらせて支払わせようとするもの。",
    },
    Japanese {
        id: DemandsPayment,
        title: "支払いを求めている",
        doc: "支払いや振り込みの要求。請求書では普通のことなので、これだけでは重く数えません。",
    },
    Japanese {
        id: NamesCryptocurrency,
        title: "暗号資産の名前が出てくる",
        doc: "ビットコインやイーサリアムなどの名前。脅迫で支払いに使われる通貨です。",
    },
    Japanese {
        id: DemandsGiftCard,
        title: "ギフトカードでの支払いを求めている",
        doc: "ギフトカードのコードで支払うよう求めるもの。まともな相手はこうした要求をしません。",
    },
    Japanese {
        id: SetsDeadline,
        title: "期限を切っている",
        doc: "「48時間以内」「5日以内」のような期限。普通のメールにもよくあるので、主張の一つとしてだけ数えます。",
    },
    Japanese {
        id: ExtortionNarrative,
        title: "支払いを求める脅迫の筋書き",
        doc: "送金先と支払いの要求に、脅迫の筋書きが三つ以上そろったもの。脅迫メールそのものです。",
    },
    Japanese {
        id: ShowsPassword,
        title: "パスワードが書かれている",
        doc: "脅しを本物らしく見せるために書かれたパスワード。使ったことがあれば、使っているすべての場所で変更してください。",
    },
    Japanese {
        id: ImpersonatesPolice,
        title: "警察を名乗っている",
        doc: "警察を名乗る差出人が、官公庁のものではないドメインから送っています。",
    },
    Japanese {
        id: WarnsAboutScams,
        title: "詐欺への注意を呼びかけている",
        doc: "「セクストーション」「支払わないで」「詐欺」のような注意喚起の言葉。詐欺メールはこう書かないので、判定を下げる方に数えます。",
    },
    Japanese {
        id: ImpersonatesBrand,
        title: "企業やサービスの名前をかたっている",
        doc: "差出人名や件名に企業やサービスの名前があるのに、送信元のドメインはその企業のものではありません。",
    },
    Japanese {
        id: SenderNameIsOtherDomain,
        title: "差出人名が別のドメイン",
        doc: "差出人名がサイトの名前のように書かれている（「Celsius.Network」など）のに、別のドメインから送られています。",
    },
    Japanese {
        id: ClaimedNameElsewhere,
        title: "名乗る名前がどのドメインにもない",
        doc: "差出人名の名前を件名でもくり返しているのに、送信元・署名・リンク先のどのドメインにもその名前がありません。",
    },
    Japanese {
        id: SignedAsBrand,
        title: "企業の名前で署名している",
        doc: "ログインや情報の入力を求める文面に、送信元のドメインを持たない企業やサービスの名前で署名しています。",
    },
    Japanese {
        id: AddressedAsBrandCustomer,
        title: "企業のお客様として呼びかけている",
        doc: "「PayPal会員様」のように企業やサービスのお客様として呼びかけているのに、その企業が持たないドメインから送られています。",
    },
    Japanese {
        id: LinksAvoidNamedBrand,
        title: "名乗った企業へのリンクがない",
        doc: "差出人名や件名で企業やサービスを名乗っているのに、そこへのリンクが一つもありません。",
    },
    Japanese {
        id: ImpersonatesMailProvider,
        title: "お使いのメールサービスを装っている",
        doc: "パスワードについてのメールで、件名や差出人にあなた自身のアドレスやメールのドメインが使われています。",
    },
    Japanese {
        id: LinkShowsBrandDomain,
        title: "リンクに企業のドメインを表示",
        doc: "リンクの文字は企業のドメイン（www.paypal.com など）なのに、その企業のものではない場所へ飛びます。",
    },
    Japanese {
        id: LinkTextMismatch,
        title: "リンクの表示と行き先が違う",
        doc: "リンクの文字が示すドメインと、実際に飛ぶ先のドメインが違います。クリックの計測でも起きることです。",
    },
    Japanese {
        id: LookalikeDomain,
        title: "本物に似せたドメイン",
        doc: "企業のものに見せかけたリンク先や送信元のホスト名（www.brand.co.jp.example.com、brand-secure.com など）。",
    },
    Japanese {
        id: LinkToIpAddress,
        title: "IPアドレスへのリンク",
        doc: "サイトの名前ではなく、数字だけのIPアドレスへのリンク。",
    },
    Japanese {
        id: LinkToPunycodeDomain,
        title: "国際化ドメイン（xn--）へのリンク",
        doc: "xn-- で始まる国際化ドメインへのリンク。見た目の似た文字を使った偽のドメインはこの形になります。",
    },
    Japanese {
        id: LinkViaShortener,
        title: "短縮URLを通したリンク",
        doc: "短縮URLのサービスを通したリンク（または書かれたアドレス）。本当の行き先が隠れます。",
    },
    Japanese {
        id: LinkToDisposableHosting,
        title: "使い捨てのサイトへのリンク",
        doc: "誰でも数分で公開できるサイトやページ（無料のページ作成サービス、公開フォームなど）へのリンク。",
    },
    Japanese {
        id: LinkToUnusualPort,
        title: "普通でないポート番号へのリンク",
        doc: "80番や443番以外のポートへのリンク。乗っ取られたサーバー管理画面などで見られます。",
    },
    Japanese {
        id: AsksForLogin,
        title: "ログインを求めている",
        doc: "ログイン、本人確認、情報の更新を求めるもの。本物のサービスでも日常的なので、主張の一つとしてだけ数えます。",
    },
    Japanese {
        id: ThreatensAccount,
        title: "アカウントの停止をほのめかしている",
        doc: "アカウントのロックや停止、支払いの失敗を告げるもの。主張の一つとしてだけ数えます。",
    },
    Japanese {
        id: AsksForSensitiveData,
        title: "大切な情報を求めている",
        doc: "パスワード、カード番号、セキュリティコードへの言及。主張の一つとしてだけ数えます。",
    },
    Japanese {
        id: UrgesHaste,
        title: "急がせている",
        doc: "「今すぐ」「本日中」のような言葉。メールマガジンにもよく出るので、ほかの主張に加わるだけです。",
    },
    Japanese {
        id: OffersAReward,
        title: "特典をうたっている",
        doc: "賞品、ポイント、エアドロップ（暗号資産の無料配布）が受け取りを待っているという話。主張の一つとしてだけ数えます。",
    },
    Japanese {
        id: ClaimsDeliveryProblem,
        title: "荷物のトラブルを告げている",
        doc: "荷物を届けられなかった、料金が未払いだという話（不在、再配達）。主張の一つとしてだけ数えます。",
    },
    Japanese {
        id: LoginFormInMail,
        title: "メールの中のログインフォーム",
        doc: "メールそのものにパスワードの入力欄があります。入力したパスワードは本物のサイトには届きません。",
    },
    Japanese {
        id: SenderOnThrowawayTenant,
        title: "使い捨ての業務サービスから送信",
        doc: "見知らぬ相手の Microsoft 365 やヘルプデスクサービスから送られた（または署名された）メール。数分で用意できるものです。",
    },
    Japanese {
        id: SenderOnAbusedTld,
        title: "悪用の多いドメインの差出人",
        doc: "差出人か返信先が、悪用の多い安いトップレベルドメイン（.cfd、.sbs、.top など）にあります。",
    },
    Japanese {
        id: FacelessSender,
        title: "部署名だけの差出人",
        doc: "あなたの組織の外から、「セキュリティチーム」のような部署名だけを名乗る差出人。",
    },
    Japanese {
        id: SharedDocumentLure,
        title: "共有のお知らせに紛れた誘い文句",
        doc: "文書、フォーム、カレンダー、チームの共有のお知らせで、共有した人が書いた文がお金や性的な内容についてのもの。",
    },
    Japanese {
        id: InvoiceInInvitation,
        title: "招待状の中の請求",
        doc: "金額を請求するカレンダーの招待状。カレンダーのサービスを通して届く、偽の更新料の請求です。",
    },
    Japanese {
        id: DangerousAttachment,
        title: "危険な添付ファイル",
        doc: "開くとプログラムが動いたり、ページが開いたりする添付ファイル。",
    },
    Japanese {
        id: PhishingPattern,
        title: "偽装と要求の組み合わせ",
        doc: "差出人やリンクの偽装に、ログイン、情報の提供、受け取りの要求が組み合わさったもの。",
    },
    Japanese {
        id: StackedTricks,
        title: "偽装の重なり",
        doc: "別々の種類の偽装が一通に二つあるもの。一つずつなら無害な理由もありえますが、重なるとありえません。",
    },
    Japanese {
        id: SelfSentSpoof,
        title: "あなた自身からのメールを装っている",
        doc: "差出人があなた自身のアドレスなのに、それを保証する DKIM 署名がありません（「あなたのアカウントから送った」）。",
    },
    Japanese {
        id: AuthenticationFailed,
        title: "送信元の認証に失敗",
        doc: "受信したサーバーが DMARC、SPF、DKIM のいずれかの失敗を記録しました。差出人は名乗るとおりの相手ではありません。",
    },
    Japanese {
        id: ForgedBrandAddress,
        title: "企業のアドレスを偽装",
        doc: "企業自身の差出人アドレスなのに、DKIM もその企業の SPF も保証していないメール。",
    },
    Japanese {
        id: ReplyToElsewhere,
        title: "返信先が別のところ",
        doc: "返信先（Reply-To）が差出人とは別のドメインです。",
    },
    Japanese {
        id: RecipientAddressInBody,
        title: "あなたのアドレスが書かれている",
        doc: "本文にあなた自身のアドレスが書かれています。あなた宛てに見せかける、一斉送信の手口です。",
    },
    Japanese {
        id: AdvanceFeeOffer,
        title: "大金の話（前払い金詐欺）",
        doc: "遺産、寄付、宝くじなどの大金を持ちかけ、個人のメールアドレスへの返信を求めるもの。",
    },
    Japanese {
        id: CryptoWindfall,
        title: "受け取り待ちの暗号資産",
        doc: "千以上の暗号資産の残高があなたを待っているという話に、期限と無料メールのアドレスが添えられたもの。",
    },
    Japanese {
        id: HiddenCharacters,
        title: "単語の中の見えない文字",
        doc: "幅のない文字や結合文字を単語の中に入れ、フィルターが読めないように単語を分けています。",
    },
    Japanese {
        id: HiddenTextInWords,
        title: "単語の中に隠した文字",
        doc: "見える単語の中に見えない文字を挟み、フィルターには意味のない文字列に、あなたには誘い文句に見せています。",
    },
    Japanese {
        id: HiddenFiller,
        title: "見える文より多い隠れた文",
        doc: "見える文よりずっと多い隠れた文。画像で見せるメッセージの裏に、フィルター向けのでたらめな言葉が並んでいます。",
    },
    Japanese {
        id: PictureInsteadOfText,
        title: "画像で書かれたメッセージ",
        doc: "画像とリンクだけで、文字がほとんどありません。手紙やQRコードを画像にして、フィルターに読ませないやり方です。",
    },
    Japanese {
        id: TextPushedOutOfView,
        title: "画面の外に押し出された文",
        doc: "見える誘い文句と、フィルターだけが読む文との間に、何画面分もの空白があります。",
    },
    Japanese {
        id: LinkBehindPunctuation,
        title: "句読点に隠れたリンク",
        doc: "リンクの文字が句読点一つだけのもの。",
    },
    Japanese {
        id: DisguisedLetters,
        title: "別の文字にすり替えた英単語",
        doc: "英語の単語を、キリル文字、ギリシャ文字、小さな大文字、数学用の文字で書いています。",
    },
    Japanese {
        id: SpacedOutLetters,
        title: "一文字ずつ空けた日本語",
        doc: "一文字ごとに空白を入れた日本語（三 井 住 友）。名前をばらばらにしてフィルターを避けます。",
    },
    Japanese {
        id: ConfusableSpelling,
        title: "似た文字を使ったつづり",
        doc: "セキュリティの言葉や企業の名前を、似た文字でつづったもの（Iog in、PayPaI、Micr0soft）。",
    },
    Japanese {
        id: LearnedWords,
        title: "文面から学んだこと",
        doc: "何千通もの判定済みメールから学んだ、このメールの言葉、リンク先、差出人の傾向の合計。特に強いものを名前で示します。",
    },
    Japanese {
        id: KnownCorrespondent,
        title: "あなたがメールを送ったことのある相手",
        doc: "受信したサーバーが差出人アドレスを確認し、あなたもその相手に送ったことがあります（送信済みフォルダ）。どの種類の迷惑メールの点数からも差し引きます。",
    },
    Japanese {
        id: LearnedFromFeedback,
        title: "あなたの操作から学んだこと",
        doc: "迷惑メールフォルダから戻したり入れたりしたメールから、このアカウントが学んだこと。その言葉、差出人、よく似たメールです。",
    },
];

#[cfg(test)]
mod tests {
    use super::super::SIGNALS;
    use super::*;

    #[test]
    fn every_signal_has_exactly_one_japanese_row_in_order() {
        assert_eq!(SIGNALS_JA.len(), SIGNALS.len());
        for (row, english) in SIGNALS_JA.iter().zip(SIGNALS) {
            assert_eq!(row.id, english.id, "the rows follow the English table");
            assert_eq!(SIGNALS_JA.iter().filter(|other| other.id == row.id).count(), 1, "{:?}", row.id);
            assert_eq!(row.id.japanese(), Some(row));
        }
    }

    /// A crude check that a text was translated: each of its sentences holds a character
    /// outside ASCII. Sentences end at 。 or at an ASCII full stop followed by a space, so
    /// `www.paypal.com` inside a sentence is no sentence of its own.
    fn ascii_only_sentence(text: &str) -> Option<&str> {
        text.split('。')
            .flat_map(|piece| piece.split(". "))
            .map(str::trim)
            .find(|sentence| !sentence.is_empty() && sentence.is_ascii())
    }

    #[test]
    fn every_title_and_line_is_written_in_japanese() {
        for (row, english) in SIGNALS_JA.iter().zip(SIGNALS) {
            for (text, original) in [(row.title, english.title), (row.doc, english.doc)] {
                assert!(!text.trim().is_empty() && !text.contains('\n'), "{}: {text:?}", english.rule);
                assert_ne!(text, original, "{}: not translated", english.rule);
                assert_eq!(ascii_only_sentence(text), None, "{}: {text:?}", english.rule);
            }
            assert!(row.title.chars().count() <= 24, "{}: a short name", english.rule);
            assert!(row.doc.chars().count() <= 90, "{}: one line for users", english.rule);
        }
    }

    #[test]
    fn the_translation_check_catches_english_left_in() {
        assert_eq!(
            ascii_only_sentence("送金先です。Receipts carry them too."),
            Some("Receipts carry them too.")
        );
        assert_eq!(
            ascii_only_sentence("Checksum-valid wallet address"),
            Some("Checksum-valid wallet address")
        );
        assert_eq!(ascii_only_sentence("リンク（www.paypal.com など）。"), None);
        assert_eq!(ascii_only_sentence("偽装です. Not a scam"), Some("Not a scam"));
    }
}
