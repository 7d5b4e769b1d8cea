//! Outgoing email reaches a real SMTP server; a server that is down gets the email later.

use ehealth_api::mail::{self, Mail, Mailer};
use ehealth_tests::smtp::SmtpServer;
use ehealth_tests::{TestApp, on_both_backends};

fn mailer(app: &TestApp, url: &str) -> Mailer {
    let mut config = app.state.config.clone();
    config.smtp_url = Some(url.to_owned());
    Mailer::from_config(&config).unwrap_or_else(|e| panic!("{e}"))
}

async fn queue(app: &TestApp, to: &str, mail: Mail) {
    let to = to.to_owned();
    let now = app.state.now_ms();
    app.state
        .db
        .transaction(move |c| mail::queue(c, &to, "en", &mail, now))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

on_both_backends!(a_queued_email_reaches_the_smtp_server_once);
async fn a_queued_email_reaches_the_smtp_server_once(app: TestApp) {
    let smtp = SmtpServer::start().await;
    queue(
        &app,
        "applicant@example.com",
        Mail::EmailConfirmation {
            code: "482913".into(),
        },
    )
    .await;
    let mailer = mailer(&app, &smtp.url);
    let sent = mail::deliver_due(&app.state, &mailer)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sent, 1);
    let got = smtp.to("applicant@example.com");
    assert_eq!(got.len(), 1, "{:?}", smtp.received());
    let text = got[0].text();
    assert!(
        text.contains("Subject: Confirm your email address"),
        "{text}"
    );
    assert!(text.contains("482913"), "{text}");
    // Sent is sent: the next pass has nothing to do.
    let again = mail::deliver_due(&app.state, &mailer)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((again, smtp.received().len()), (0, 1));
}

on_both_backends!(an_unreachable_smtp_server_gets_the_email_on_a_later_attempt);
async fn an_unreachable_smtp_server_gets_the_email_on_a_later_attempt(app: TestApp) {
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = closed.local_addr().map(|a| a.port()).unwrap_or_default();
    drop(closed);
    queue(
        &app,
        "office@example.com",
        Mail::ApplicationSubmitted {
            reference: "HCPA-2026-000001".into(),
        },
    )
    .await;
    let down = mailer(&app, &format!("smtp://127.0.0.1:{port}"));
    assert_eq!(
        mail::deliver_due(&app.state, &down)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        1
    );
    // Backed off: an immediate pass against a working server does not send it yet...
    let smtp = SmtpServer::start().await;
    let up = mailer(&app, &smtp.url);
    assert_eq!(
        mail::deliver_due(&app.state, &up)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        0
    );
    // ...but once the backoff has passed, it goes.
    app.clock.advance(chrono::TimeDelta::seconds(31));
    assert_eq!(
        mail::deliver_due(&app.state, &up)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        1
    );
    assert_eq!(smtp.to("office@example.com").len(), 1);
}
