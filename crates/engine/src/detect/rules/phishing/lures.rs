//! Phishing and malware rules about what a mail asks for and carries: the phishing claim
//! families, a login form in the mail itself, a lure typed into a sharing service's
//! notification, a bill inside a calendar invitation, and dangerous attachments.

use super::{Facts, PHISHING_FAMILIES, Signal, SignalId, levels};
use crate::detect::phrases::Family;
use crate::detect::tables::{
    DECOY_ENDINGS, EXECUTABLE_ENDINGS, PAGE_OR_IMAGE_ENDINGS, SHARING_BOUNCE_DOMAINS, SHARING_NOTIFIERS,
};

/// The phishing claim families: a request to log in or verify, a threat to the account,
/// a request for sensitive data, haste, a reward waiting to be claimed. Each is everyday
/// language for real services, so each weighs little; see [`phishing_pattern`].
pub fn credential_claims(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    for family in PHISHING_FAMILIES {
        if let (Some(hit), Some(id)) = (facts.families.get(family), family.signal()) {
            out.push(Signal::new(id, hit.first));
        }
    }
}

/// A password field inside the mail itself: a login page delivered to the reader, so the
/// credentials never touch the real site.
pub fn login_form_in_mail(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if facts.email.html_marks.has_password_field {
        out.push(Signal::new(SignalId::LoginFormInMail, "password field in the body"));
    }
}

/// A document-sharing, calendar or team notification (from the service's own address)
/// whose text is about money, cryptocurrency, a prize or a date: the lure is in what the
/// sharer typed into a document title, an event or a team name. A forwarded notification
/// carries the same lure.
pub fn shared_document_lure(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let Some(hit) = [Family::Cryptocurrency, Family::Lure].into_iter().find_map(|f| facts.families.get(f))
    else {
        return;
    };
    if let Some(service) = sharing_service(facts) {
        let evidence = format!("a notification from {service} is about \"{}\"", hit.first);
        out.push(Signal::new(SignalId::SharedDocumentLure, evidence));
    }
}

/// The document-sharing service that delivered the mail (or the forwarded mail), by its
/// notification address or the bounce domain its envelope was checked against.
pub(crate) fn sharing_service(facts: &Facts<'_>) -> Option<String> {
    let email = facts.email;
    let notifier = |address: &str| SHARING_NOTIFIERS.iter().any(|n| address.eq_ignore_ascii_case(n));
    let from = email.from.as_ref().map(|f| f.address.as_str()).unwrap_or_default();
    if notifier(from) {
        return Some(from.to_string());
    }
    let envelopes = &facts.authentication.envelopes;
    if let Some(domain) =
        SHARING_BOUNCE_DOMAINS.iter().copied().find(|d| envelopes.iter().any(|e| e.domain == *d))
    {
        return Some(domain.to_string());
    }
    facts.forwarded_sender().map(|sender| &sender.address).filter(|address| notifier(address)).cloned()
}

/// A calendar invitation that reads like a bill: a payment and an amount in the text of
/// an event. Invitations arrive from the calendar service's own servers, so scammers
/// type fake renewal notices ("your subscription was renewed, $425.88, call +1 …") into
/// an event and invite their targets; a real bill is not a meeting.
pub fn invoice_in_invitation(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let invitation = facts.email.attachments.iter().any(|a| {
        let kind = a.content_type.to_ascii_lowercase();
        kind.starts_with("text/calendar")
            || kind.starts_with("application/ics")
            || a.name.to_lowercase().ends_with(".ics")
    });
    if !invitation || !facts.families.has(Family::PaymentDemand) {
        return;
    }
    if let Some(amount) = facts.text_numbers.amounts().first() {
        let evidence = format!("an invitation charging {}", amount.text);
        out.push(Signal::new(SignalId::InvoiceInInvitation, evidence));
    }
}

/// An attachment that runs code or opens a page when clicked, or hides its type behind a
/// double extension ("invoice.pdf.exe"). Executables are malware; HTML pages are
/// phishing forms.
pub fn dangerous_attachment(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    for attachment in &facts.email.attachments {
        let name = attachment.name.to_lowercase();
        let name = name.trim();
        let double = DECOY_ENDINGS.iter().any(|d| name.contains(&format!("{d}.")));
        if EXECUTABLE_ENDINGS.iter().any(|e| name.ends_with(e)) {
            let level = if double { &levels::DOUBLE_EXTENSION } else { &levels::EXECUTABLE };
            out.push(Signal::at(SignalId::DangerousAttachment, level, attachment.name.clone()));
            return;
        }
        if PAGE_OR_IMAGE_ENDINGS.iter().any(|e| name.ends_with(e)) {
            let level = if name.ends_with(".iso") || name.ends_with(".img") {
                &levels::DISK_IMAGE
            } else {
                &levels::ATTACHED_PAGE
            };
            out.push(Signal::at(SignalId::DangerousAttachment, level, attachment.name.clone()));
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::{email, fired, html_email};

    #[test]
    fn credential_claims_report_each_family() {
        let mail = email(
            "From: a@b.example",
            "Your account is suspended. Log in to verify your password immediately.",
        );
        assert_eq!(
            fired(credential_claims, &mail),
            [
                SignalId::AsksForLogin,
                SignalId::ThreatensAccount,
                SignalId::AsksForSensitiveData,
                SignalId::UrgesHaste
            ]
        );
        assert!(fired(credential_claims, &email("From: a@b.example", "Dinner on Friday?")).is_empty());
    }

    #[test]
    fn login_form_in_mail_needs_a_form_or_password_field() {
        assert_eq!(
            fired(
                login_form_in_mail,
                &html_email("<form action='https://x.example/'><input type=password></form>")
            ),
            [SignalId::LoginFormInMail]
        );
        assert!(fired(login_form_in_mail, &html_email("<p>No form here</p>")).is_empty());
    }

    #[test]
    fn shared_document_lure_needs_a_notifier_and_a_money_topic() {
        let lure = email(
            "From: drive-shares-noreply@google.com",
            "Your Bitcoin withdrawal is ready, open the document",
        );
        assert_eq!(fired(shared_document_lure, &lure), [SignalId::SharedDocumentLure]);
        let work = email("From: drive-shares-noreply@google.com", "Ann shared the meeting notes with you");
        assert!(fired(shared_document_lure, &work).is_empty());
        let other = email("From: friend@example.com", "Your Bitcoin withdrawal is ready");
        assert!(fired(shared_document_lure, &other).is_empty());
        let form = email(
            "Authentication-Results: mx.example; spf=pass smtp.mailfrom=trix.bounces.google.com\r\n\
             From: owner@forms-owner.example",
            "I've invited you to fill out a form: confirm your details to claim your reward",
        );
        assert_eq!(fired(shared_document_lure, &form), [SignalId::SharedDocumentLure]);
        let forwarded = email(
            "From: me@home.example\r\nSubject: Fw: You have been added as a guest",
            "____\nDe: Microsoft Teams <noreply@email.teams.microsoft.com>\nAssunto: guest\n\n\
             Ann added you to the team \"Live sex chat, write me\"",
        );
        assert_eq!(fired(shared_document_lure, &forwarded), [SignalId::SharedDocumentLure]);
        let typed =
            email("From: me@home.example\r\nSubject: Fw: chat", "From: a@b.example\nLive sex chat, write me");
        assert!(fired(shared_document_lure, &typed).is_empty(), "forwarded from someone, not a service");
    }

    #[test]
    fn invoice_in_invitation_needs_an_invitation_a_payment_and_an_amount() {
        let invite = |text: &str, calendar: bool| {
            let (kind, name) =
                if calendar { ("application/ics", "invite.ics") } else { ("application/pdf", "notes.pdf") };
            let raw = format!(
                "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n{text}\r\n--b\r\nContent-Type: {kind}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\nBEGIN:VCALENDAR\r\n--b--\r\n"
            );
            crate::mail::parse(raw.as_bytes()).expect("parses")
        };
        let renewal =
            "Payment confirmation: your plan renewed, total amount $425.88. Call +1 (555) 010-0199.";
        assert_eq!(fired(invoice_in_invitation, &invite(renewal, true)), [SignalId::InvoiceInInvitation]);
        assert!(fired(invoice_in_invitation, &invite(renewal, false)).is_empty(), "not an invitation");
        let meeting = "Quarterly review of the payment flow with the billing team.";
        assert!(fired(invoice_in_invitation, &invite(meeting, true)).is_empty(), "no amount");
        assert!(
            fired(invoice_in_invitation, &invite("Team lunch, about $25 each", true)).is_empty(),
            "no payment"
        );
    }

    #[test]
    fn dangerous_attachment_reads_the_file_name() {
        let attached = |name: &str| {
            let raw = format!(
                "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\nAAAA\r\n--b--\r\n"
            );
            crate::mail::parse(raw.as_bytes()).expect("parses")
        };
        assert_eq!(
            fired(dangerous_attachment, &attached("invoice.pdf.exe")),
            [SignalId::DangerousAttachment]
        );
        assert_eq!(fired(dangerous_attachment, &attached("login.html")), [SignalId::DangerousAttachment]);
        assert!(fired(dangerous_attachment, &attached("report.pdf")).is_empty());
    }

    #[test]
    fn a_sharing_service_is_known_by_its_own_bounce_domain_only() {
        let lure = |envelope: &str| {
            let headers = format!(
                "Authentication-Results: mx.example; spf=pass smtp.mailfrom={envelope}\r\nFrom: owner@forms-owner.example"
            );
            fired(shared_document_lure, &email(&headers, "Confirm your details to claim your reward"))
        };
        assert_eq!(lure("doclist.bounces.google.com"), [SignalId::SharedDocumentLure]);
        assert!(lure("bounces.shop.example").is_empty());
    }

    #[test]
    fn an_invitation_is_known_by_its_type_or_its_name() {
        let renewal = "Payment confirmation: your plan renewed, total amount $425.88.";
        let run = |kind: &str, name: &str| {
            let raw = format!(
                "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n{renewal}\r\n--b\r\nContent-Type: {kind}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\nBEGIN:VCALENDAR\r\n--b--\r\n"
            );
            fired(invoice_in_invitation, &crate::mail::parse(raw.as_bytes()).expect("parses"))
        };
        assert_eq!(run("text/calendar", "meeting"), [SignalId::InvoiceInInvitation]);
        assert_eq!(run("application/ics", "meeting"), [SignalId::InvoiceInInvitation]);
        assert_eq!(run("application/octet-stream", "invite.ics"), [SignalId::InvoiceInInvitation]);
    }

    #[test]
    fn disk_images_are_malware_and_pages_are_phishing() {
        let category = |name: &str| {
            let raw = format!(
                "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\nAAAA\r\n--b--\r\n"
            );
            let email = crate::mail::parse(raw.as_bytes()).expect("parses");
            let mut out = Vec::new();
            dangerous_attachment(&Facts::gather(&email), &mut out);
            out.first().map(Signal::category)
        };
        assert_eq!(category("disk.iso"), Some(crate::detect::Category::Malware));
        assert_eq!(category("disk.img"), Some(crate::detect::Category::Malware));
        assert_eq!(category("login.html"), Some(crate::detect::Category::Phishing));
    }
}
