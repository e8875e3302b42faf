//! What the chat handlers and the REST API share about notices: the store, the keys, the provider, the
//! limiter, the mailer, and the operations a citizen triggers (verify, pay, GiroCode, remind, object).

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::girocode::{self, Transfer};
use super::payment::SimulatedProvider;
use super::store::{NewObjection, NoticeError, Objection, Payment};
use super::{Notice, Notices, qr, qr_signature};
use crate::booking::mail::{Mail, Mailer};
use crate::config::NoticesSettings;
use crate::limiter::{Attempt, AttemptLimiter};
use crate::store::Database;

/// The largest QR version EPC069-12 allows.
const GIROCODE_MAX_VERSION: i16 = 13;
/// The notice link's QR code: small enough to print next to the address field.
const LINK_MAX_VERSION: i16 = 10;

/// How a citizen proves they hold the letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// The check code printed on the letter.
    CheckCode(String),
    /// The signature carried by the QR code.
    Signature(String),
}

/// Lookups one client may get wrong in the window.
pub const CLIENT_ATTEMPTS: i64 = 5;
/// Wrong check codes for one Kassenzeichen in the window, from whoever: enough that nobody locks out the
/// holder alone, few enough that a guess spread over many addresses gets nowhere.
pub const REFERENCE_ATTEMPTS: i64 = 20;

/// The notices service.
#[derive(Clone)]
pub struct NoticeService {
    /// The store.
    pub notices: Notices,
    qr_key: Vec<u8>,
    /// The built-in payment provider.
    pub provider: Arc<SimulatedProvider>,
    /// Lookup attempts, per client and per Kassenzeichen (shared by every instance).
    pub limiter: AttemptLimiter,
    /// Reminder and objection mails.
    pub mailer: Mailer,
    /// The settings.
    pub settings: NoticesSettings,
    /// Photos sent in the chat (attachments of objections).
    pub uploads: crate::uploads::Uploads,
}

impl NoticeService {
    /// The service on this database: keys from the settings or generated and kept in the database.
    pub async fn new(
        database: &Database,
        settings: &NoticesSettings,
        mailer: Mailer,
    ) -> Result<NoticeService, NoticeError> {
        let notices = Notices::new(database.clone());
        let qr_key = match &settings.qr_secret {
            Some(secret) => secret.clone().into_bytes(),
            None => notices.secret("qr").await?,
        };
        let provider_key = match &settings.provider_secret {
            Some(secret) => secret.clone().into_bytes(),
            None => notices.secret("payment-provider").await?,
        };
        Ok(NoticeService {
            notices,
            qr_key,
            provider: Arc::new(SimulatedProvider::new(provider_key, &settings.public_url)),
            limiter: AttemptLimiter::new(database.clone()),
            mailer,
            settings: settings.clone(),
            uploads: crate::uploads::Uploads::new(database.clone()),
        })
    }

    /// The link a notice's QR code carries.
    pub fn link(&self, kassenzeichen: &str, check_code: &str) -> String {
        format!(
            "{}/n/{kassenzeichen}?s={}",
            self.settings.public_url.trim_end_matches('/'),
            qr_signature(&self.qr_key, kassenzeichen, check_code)
        )
    }

    /// The signature for a notice (what its QR link carries).
    pub fn signature(&self, kassenzeichen: &str, check_code: &str) -> String {
        qr_signature(&self.qr_key, kassenzeichen, check_code)
    }

    /// The notice's QR code.
    pub fn link_code(&self, kassenzeichen: &str, check_code: &str) -> qrcode::QrCode {
        qr::encode(&self.link(kassenzeichen, check_code), LINK_MAX_VERSION)
            .expect("a notice link fits into a QR code of version 10")
    }

    /// Reads a notice link ("…/n/KZ?s=SIG"): the Kassenzeichen and signature, if it is one.
    pub fn parse_link(&self, text: &str) -> Option<(String, String)> {
        let rest = text.trim().split("/n/").nth(1)?;
        let (kassenzeichen, query) = rest.split_once('?')?;
        let signature = query.split('&').find_map(|pair| pair.strip_prefix("s="))?;
        Some((kassenzeichen.to_string(), signature.to_string()))
    }

    /// The notice, if the proof holds. Every attempt counts against the client before the proof is
    /// compared (a right one gives it back); a typed check code also counts against the Kassenzeichen.
    /// A signature (the QR code on the letter) cannot be guessed, so others' wrong check codes never lock
    /// out the holder of the letter. An unknown Kassenzeichen and a wrong proof are told apart by nobody.
    pub async fn verify(
        &self,
        kassenzeichen: &str,
        proof: &Proof,
        client: &str,
    ) -> Result<Verified, NoticeError> {
        let client_key = format!("notice-client:{client}");
        let reference_key = format!("notice-kz:{kassenzeichen}");
        let mut limits = vec![(client_key.as_str(), CLIENT_ATTEMPTS)];
        if matches!(proof, Proof::CheckCode(_)) {
            limits.push((reference_key.as_str(), REFERENCE_ATTEMPTS));
        }
        let database = |e: sqlx::Error| NoticeError::Database(e.to_string());
        if let Attempt::Blocked(seconds) = self
            .limiter
            .attempt(&limits, chrono::Utc::now())
            .await
            .map_err(database)?
        {
            return Ok(Verified::Blocked(std::time::Duration::from_secs(
                seconds.unsigned_abs(),
            )));
        }
        let found = self.notices.get(kassenzeichen).await?;
        let holds = found.as_ref().is_some_and(|(_, check)| match proof {
            Proof::CheckCode(code) => crate::secret::same(code, check),
            Proof::Signature(signature) => {
                crate::secret::same(signature, &self.signature(kassenzeichen, check))
            }
        });
        match found {
            Some((notice, check)) if holds => {
                self.limiter.succeeded(&limits).await.map_err(database)?;
                Ok(Verified::Notice(Box::new(notice), check))
            }
            _ => Ok(Verified::No),
        }
    }

    /// Starts a payment; the page where the citizen pays.
    pub async fn pay(
        &self,
        kassenzeichen: &str,
        now: DateTime<Utc>,
    ) -> Result<(Payment, String), NoticeError> {
        let payment = self.notices.start_payment(kassenzeichen, now).await?;
        let url = crate::notices::payment::PaymentProvider::checkout_url(
            self.provider.as_ref(),
            &payment.id,
        );
        Ok((payment, url))
    }

    /// The GiroCode payload and PNG of a notice.
    pub fn girocode(&self, notice: &Notice) -> Result<(String, Vec<u8>), String> {
        let payload = girocode::payload(&Transfer {
            name: self.settings.payee.clone(),
            iban: notice.data.iban.clone(),
            bic: self.settings.bic.clone(),
            amount_cents: notice.data.amount_cents,
            remittance: notice.data.kassenzeichen.clone(),
        })
        .map_err(|e| e.to_string())?;
        let code = qr::encode(&payload, GIROCODE_MAX_VERSION).map_err(|e| e.to_string())?;
        Ok((payload, qr::png(&code)))
    }

    /// Asks for a reminder `reminder_days` before the due date (or tomorrow, when that is sooner); the day.
    pub async fn remind(
        &self,
        notice: &Notice,
        email: &str,
        lang: &str,
        today: NaiveDate,
    ) -> Result<NaiveDate, NoticeError> {
        let wanted = notice.data.due_date - Duration::days(i64::from(self.settings.reminder_days));
        let day = wanted.max(today + Duration::days(1));
        self.notices
            .remind(&notice.data.kassenzeichen, email, lang, day)
            .await?;
        Ok(day)
    }

    /// Lodges an objection, checked against the deadline.
    pub async fn object(
        &self,
        notice: &Notice,
        new: &NewObjection,
        idempotency_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Objection, NoticeError> {
        let deadline = notice.objection_deadline();
        let today = crate::engine::local_date(now);
        let objection = self
            .notices
            .object(new, deadline, today <= deadline, idempotency_key, now)
            .await?;
        Ok(objection)
    }

    /// Mails the due reminders; how many went out.
    pub async fn send_reminders(&self, now: DateTime<Utc>) -> Result<usize, NoticeError> {
        if !self.mailer.enabled() {
            return Ok(0);
        }
        let mut sent = 0;
        for (kassenzeichen, email, lang) in self
            .notices
            .claim_due_reminders(crate::engine::local_date(now), now)
            .await?
        {
            let Some((notice, _)) = self.notices.get(&kassenzeichen).await? else {
                continue;
            };
            let german = lang.starts_with("de");
            let mail = Mail {
                to: email.clone(),
                subject: if german {
                    format!(
                        "Erinnerung: {} bis {}",
                        notice.data.subject,
                        notice.data.due_date.format("%d.%m.%Y")
                    )
                } else {
                    format!(
                        "Reminder: {} due {}",
                        notice.data.subject, notice.data.due_date
                    )
                },
                body: if german {
                    format!(
                        "Guten Tag,\n\nbitte denken Sie an die Zahlung: {} über {} bis {}.\nKassenzeichen (Verwendungszweck): {}\nEmpfänger: {}, IBAN {}\n",
                        notice.data.subject,
                        super::euros(notice.data.amount_cents),
                        notice.data.due_date.format("%d.%m.%Y"),
                        notice.data.kassenzeichen,
                        self.settings.payee,
                        notice.data.iban
                    )
                } else {
                    format!(
                        "Hello,\n\nplease remember the payment: {} of {} due {}.\nKassenzeichen (reference): {}\nPayee: {}, IBAN {}\n",
                        notice.data.subject,
                        super::euros(notice.data.amount_cents),
                        notice.data.due_date,
                        notice.data.kassenzeichen,
                        self.settings.payee,
                        notice.data.iban
                    )
                },
                calendar: None,
            };
            match self.mailer.send(&mail).await {
                Ok(()) => sent += 1,
                Err(error) => {
                    tracing::warn!(%error, "reminder not sent; tried again at the next sweep");
                    self.notices
                        .unclaim_reminder(&kassenzeichen, &email)
                        .await?;
                }
            }
        }
        Ok(sent)
    }
}

/// The outcome of a verification.
#[derive(Debug, Clone)]
pub enum Verified {
    /// The notice and its check code.
    Notice(Box<Notice>, String),
    /// Unknown Kassenzeichen or wrong proof (indistinguishable).
    No,
    /// Too many failures: wait this long.
    Blocked(std::time::Duration),
}
