use super::*;
use crate::mail;

const SCAM: &str = "From: x@y.example\r\nSubject: pay\r\n\r\nI recorded you on your webcam. Pay 0.1 BTC to \
    bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 within 48 hours or I send the video to your friends.";
const HAM: &str = "From: a@b.example\r\nSubject: lunch\r\n\r\nShall we meet for lunch on Friday at noon?";

fn examples(space: &mut SignalSpace) -> Vec<Example> {
    let mut out = Vec::new();
    for i in 0..20 {
        let scam = SCAM.replace("0.1", &format!("0.{i}"));
        let ham = HAM.replace("Friday", if i % 2 == 0 { "Monday" } else { "Friday" });
        out.push(space.example(&mail::parse(scam.as_bytes()).expect("parses"), Class::Extortion, 12));
        out.push(space.example(&mail::parse(ham.as_bytes()).expect("parses"), Class::Ham, 12));
    }
    out
}

#[test]
fn fitting_separates_the_classes_and_is_deterministic() {
    let mut space = SignalSpace::default();
    let examples = examples(&mut space);
    let options = Options { bits: 12, ..Options::default() };
    let refs: Vec<&Example> = examples.iter().collect();
    let model = fit(&refs, &space, &options);
    assert_eq!(model.to_bytes(), fit(&refs, &space, &options).to_bytes());
    for example in &examples {
        let p = predict(&model, example, &space).probabilities;
        match example.class {
            Class::Extortion => assert!(p[1] > 0.9, "{p:?}"),
            _ => assert!(p[0] > 0.9, "{p:?}"),
        }
    }
}

/// Ham and phishing reading exactly alike: only the loss's weights decide how likely
/// ham such a mail is, and weighing ham up makes it likelier.
#[test]
fn weighing_ham_up_lowers_the_score_of_ham_that_reads_like_a_scam() {
    let mut space = SignalSpace::default();
    let raw = "From: a@b.example\r\nSubject: your account\r\n\r\nPlease check your account today.";
    let email = mail::parse(raw.as_bytes()).expect("parses");
    let examples: Vec<Example> = (0..20)
        .map(|i| space.example(&email, if i % 2 == 0 { Class::Ham } else { Class::Phishing }, 12))
        .collect();
    let refs: Vec<&Example> = examples.iter().collect();
    let ham_of = |ham_weight: f32| {
        let model = fit(&refs, &space, &Options { bits: 12, ham_weight, ..Options::default() });
        predict(&model, &examples[0], &space).probabilities[0]
    };
    let (even, heavy) = (ham_of(1.0), ham_of(4.0));
    assert!((even - 0.5).abs() < 0.1, "{even}");
    assert!(heavy > 0.75, "{heavy}");
}

#[test]
fn thresholds_keep_ham_within_the_budget() {
    let ham = |p: f32| {
        (
            Example { class: Class::Ham, copy: false, weight: 1.0, signals: Vec::new(), buckets: Vec::new() },
            [1.0 - p, 0.0, p, 0.0],
        )
    };
    let mut pairs: Vec<(Example, [f32; 4])> = (0..1000).map(|i| ham(i as f32 / 2000.0)).collect();
    pairs.push(ham(0.97));
    pairs.push(ham(0.95));
    let (examples, p): (Vec<Example>, Vec<[f32; 4]>) = pairs.into_iter().unzip();
    let p: Vec<Prediction> = p.into_iter().map(Prediction::of).collect();
    // 0.1% of 1002 ham: one threat allowed, or two suspicious.
    let t = choose_thresholds(&examples, &p, 0.001);
    assert_eq!(t.threat, 0.951);
    // No ham reads like extortion: its threshold goes down to the floor.
    assert_eq!(t.extortion, 0.5);
    let f = figures(&examples, &p, &t);
    assert!(f[0].rate(Class::Ham) <= 0.001, "{t:?} {f:?}");
    // 0.2%: both may be flagged, and the floor is reached.
    assert_eq!(choose_thresholds(&examples, &p, 0.002).threat, 0.5);
}

/// Ham that reads as other spam is only suspicious, half a false positive; with a fraud
/// signal it is a threat, a whole one (as classification judges it), and the budget and
/// the figures count it so; unless the fraud signal was what made it unwanted.
#[test]
fn fraud_read_as_other_spam_counts_as_a_threat_in_the_budget_and_the_figures() {
    let budget_with = |fraud: &dyn Fn(f32) -> Option<f32>| {
        let ham = |p: f32| {
            let example = Example {
                class: Class::Ham,
                copy: false,
                weight: 1.0,
                signals: Vec::new(),
                buckets: Vec::new(),
            };
            (example, Prediction { probabilities: [1.0 - p, 0.0, 0.0, p], fraud: fraud(p) })
        };
        let mut pairs: Vec<(Example, Prediction)> = (0..1000).map(|i| ham(i as f32 / 2000.0)).collect();
        pairs.push(ham(0.97));
        pairs.push(ham(0.95));
        let (examples, p): (Vec<Example>, Vec<Prediction>) = pairs.into_iter().unzip();
        // 0.1% of 1002 ham: one threat allowed, or two suspicious.
        let t = choose_thresholds(&examples, &p, 0.001);
        (t, figures(&examples, &p, &t)[0])
    };
    let (spam, figures_spam) = budget_with(&|_| None);
    assert_eq!(spam.threat, 0.5, "two suspicious fit the budget");
    assert_eq!((figures_spam.threat, figures_spam.suspicious), (0, 2));
    let (fraud, figures_fraud) = budget_with(&Some);
    assert_eq!(fraud.threat, 0.951, "two threats do not");
    assert_eq!((figures_fraud.threat, figures_fraud.suspicious), (1, 0));
    // Without its fraud signal each reads as ham: other spam, as without the rule.
    let (lifted, figures_lifted) = budget_with(&|_| Some(0.3));
    assert_eq!(lifted.threat, 0.5);
    assert_eq!((figures_lifted.threat, figures_lifted.suspicious), (0, 2));
}

#[test]
fn thresholds_go_down_to_the_floor_when_no_ham_comes_near() {
    // Ham that all scores low: the old search never left its start of 1.0, and a
    // model trained on a clean set flagged nothing at all.
    let (examples, p): (Vec<Example>, Vec<[f32; 4]>) = (0..100)
        .map(|i| {
            let ham = Example {
                class: Class::Ham,
                copy: false,
                weight: 1.0,

                signals: Vec::new(),
                buckets: Vec::new(),
            };
            let score = i as f32 / 1000.0;
            (ham, [1.0 - score, score, 0.0, 0.0])
        })
        .unzip();
    let mut p: Vec<Prediction> = p.into_iter().map(Prediction::of).collect();
    assert_eq!(choose_thresholds(&examples, &p, 0.001), Thresholds::uniform(0.5, 0.5));
    // One ham at 0.7 of 100, with a budget of two: it may be flagged, so still the floor;
    // with a budget of none, just above it.
    p[0] = Prediction::of([0.3, 0.7, 0.0, 0.0]);
    assert_eq!(choose_thresholds(&examples, &p, 0.02).threat, 0.5);
    assert_eq!(choose_thresholds(&examples, &p, 0.001).threat, 0.701);
}

#[test]
fn authentication_fields_are_taken_out_and_nothing_else() {
    let raw = b"Authentication-Results: mx.example; dkim=pass\r\n header.d=b.example\r\nFrom: a@b.example\r\nARC-Seal: i=1\r\nSubject: hi\r\n\r\nAuthentication-Results: in the body stays\r\n";
    let stripped = String::from_utf8(without_authentication(raw)).expect("utf-8");
    assert_eq!(
        stripped,
        "From: a@b.example\r\nSubject: hi\r\n\r\nAuthentication-Results: in the body stays\r\n"
    );
}

#[test]
fn a_rare_source_weighs_more_than_a_common_one_within_its_class() {
    let example =
        |class| Example { class, copy: false, weight: 1.0, signals: Vec::new(), buckets: Vec::new() };
    let mut examples: Vec<Example> = (0..21).map(|_| example(Class::Ham)).collect();
    examples.push(example(Class::Phishing));
    // Ham: 16 from one list, 4 from a shop, 1 from a friend; the median source has 4.
    let mut sources: Vec<String> = (0..16).map(|_| "list".to_string()).collect();
    sources.extend((0..4).map(|_| "shop".to_string()));
    sources.push("friend".into());
    sources.push("list".into());
    weigh_sources(&mut examples, &sources);
    let weights: Vec<f32> = examples.iter().map(|e| e.weight).collect();
    assert_eq!(weights.first(), Some(&0.5)); // sqrt(4 / 16)
    assert_eq!(weights.get(16), Some(&1.0));
    assert_eq!(weights.get(20), Some(&2.0)); // sqrt(4 / 1)
    // A source is counted within its class: one phishing mail from "list" is its class's median.
    assert_eq!(weights.get(21), Some(&1.0));
}

#[test]
fn folder_names_map_to_classes() {
    assert_eq!(Class::named("phishing"), Some(Class::Phishing));
    assert_eq!(Class::named("spam"), None);
    assert!(Class::ALL.iter().all(|c| Class::named(c.name()) == Some(*c)));
}

#[test]
fn the_fit_is_the_mean_of_the_epochs_parameters() {
    let mut average = Average::default();
    assert!(Average::default().mean().is_none(), "nothing added, no mean");
    average.add([&[[1.0, 2.0, 3.0]], &[[0.0; 3], [4.0; 3]], &[[-6.0; 3]]]);
    average.add([&[[3.0, 2.0, 1.0]], &[[2.0; 3], [0.0; 3]], &[[-4.0; 3]]]);
    let [signals, tokens, bias] = average.mean().expect("two epochs added");
    assert_eq!(signals, vec![[2.0, 2.0, 2.0]]);
    assert_eq!(tokens, vec![[1.0; 3], [2.0; 3]]);
    assert_eq!(bias, vec![[-5.0; 3]]);
}
