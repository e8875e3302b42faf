//! Confirmation e-mails over SMTP (lettre). Without an SMTP host no mail is sent: [`Mailer::enabled`]
//! says so, and the chat tells the citizen to note the code instead.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{MailSettings, MailTls};

/// How long one delivery to the SMTP server may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);

/// One e-mail.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// An iCalendar file to attach, with its file name.
    pub calendar: Option<(String, String)>,
}

/// Why a mail was not sent (for the log; the citizen hears only that it failed).
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// No SMTP server is configured.
    #[error("no SMTP server is configured")]
    Disabled,
    /// The address or message is invalid.
    #[error("invalid mail: {0}")]
    Invalid(String),
    /// The SMTP server refused or could not be reached.
    #[error("SMTP delivery failed: {0}")]
    Smtp(String),
}

/// Sends mail, or knows that it cannot.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
}

/// Whether a sender address (`Name <addr>` or `addr`) is valid.
pub fn valid_sender(from: &str) -> bool {
    from.parse::<Mailbox>().is_ok()
}

impl Mailer {
    /// A mailer that sends nothing.
    pub fn disabled() -> Mailer {
        Mailer { transport: None }
    }

    /// The mailer the settings describe (disabled without an SMTP host).
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Mailer> {
        let Some(host) = settings.smtp_host.as_deref() else {
            return Ok(Mailer::disabled());
        };
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail.from is not a valid sender: {e}"))?;
        let mut builder = match settings.tls {
            MailTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            MailTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
            MailTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
        };
        if let Some(port) = settings.smtp_port {
            builder = builder.port(port);
        }
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let transport = builder.timeout(Some(SEND_TIMEOUT)).build();
        Ok(Mailer {
            transport: Some((transport, from)),
        })
    }

    /// Whether mail is sent at all.
    pub fn enabled(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends one mail and waits for the server's acceptance.
    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let Some((transport, from)) = &self.transport else {
            return Err(MailError::Disabled);
        };
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| MailError::Invalid(format!("recipient: {e}")))?;
        let text = SinglePart::plain(mail.body.clone());
        let builder = lettre::Message::builder()
            .from(from.clone())
            .to(to)
            .subject(mail.subject.clone());
        let message = match &mail.calendar {
            Some((file_name, ics)) => {
                let content_type =
                    ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                        .map_err(|e| MailError::Invalid(e.to_string()))?;
                let attachment =
                    Attachment::new(file_name.clone()).body(ics.clone().into_bytes(), content_type);
                builder.multipart(MultiPart::mixed().singlepart(text).singlepart(attachment))
            }
            None => builder.singlepart(text),
        }
        .map_err(|e| MailError::Invalid(e.to_string()))?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError::Smtp(e.to_string()))
    }
}
