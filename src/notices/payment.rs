//! Payment providers. German cities' providers (ePayBL, pmPayment, epay21) work by redirecting the citizen
//! to a hosted pay page and confirming server to server; [`PaymentProvider`] is that shape. The built-in
//! [`SimulatedProvider`] has its own pay page on this server and sends an HMAC-signed confirmation to the
//! callback, so the whole flow runs locally.

use serde::{Deserialize, Serialize};

use super::{hmac_hex, hmac_verify};

/// The header that carries the confirmation's signature: `sha256=HEX`.
pub const SIGNATURE_HEADER: &str = "x-payment-signature";

/// A confirmation from the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    /// Our payment id.
    pub payment_id: String,
    /// The amount the provider collected, in cents.
    pub amount_cents: i64,
    /// `paid` or `failed`.
    pub status: String,
    /// The provider's own transaction reference.
    pub provider_ref: String,
}

/// Why a confirmation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// No or a wrong signature.
    #[error("the signature is missing or wrong")]
    Signature,
    /// Not a confirmation.
    #[error("not a payment confirmation: {0}")]
    Malformed(String),
}

/// A payment provider.
pub trait PaymentProvider: Send + Sync {
    /// The provider's name (for logs and receipts).
    fn name(&self) -> &'static str;
    /// Where the citizen pays this payment.
    fn checkout_url(&self, payment_id: &str) -> String;
    /// Checks a server-to-server confirmation and reads it.
    fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<Confirmation, CallbackError>;
}

/// The built-in provider: a pay page at `/pay/{id}` on this server and signed confirmations.
pub struct SimulatedProvider {
    secret: Vec<u8>,
    public_url: String,
}

impl SimulatedProvider {
    /// The provider signing with `secret`, its pages under `public_url`.
    pub fn new(secret: Vec<u8>, public_url: &str) -> SimulatedProvider {
        SimulatedProvider {
            secret,
            public_url: public_url.trim_end_matches('/').to_string(),
        }
    }

    /// The body and signature header value of a confirmation (what the provider's server sends).
    pub fn sign(&self, confirmation: &Confirmation) -> (String, String) {
        let body = serde_json::to_string(confirmation).expect("a confirmation serialises");
        let signature = format!("sha256={}", hmac_hex(&self.secret, body.as_bytes()));
        (body, signature)
    }
}

impl PaymentProvider for SimulatedProvider {
    fn name(&self) -> &'static str {
        "simulated"
    }

    fn checkout_url(&self, payment_id: &str) -> String {
        format!("{}/pay/{payment_id}", self.public_url)
    }

    fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<Confirmation, CallbackError> {
        let signature = signature
            .and_then(|s| s.strip_prefix("sha256="))
            .ok_or(CallbackError::Signature)?;
        if !hmac_verify(&self.secret, body, signature) {
            return Err(CallbackError::Signature);
        }
        serde_json::from_slice(body).map_err(|e| CallbackError::Malformed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_confirmations_verify_and_forged_ones_do_not() {
        let provider = SimulatedProvider::new(b"provider key".to_vec(), "http://127.0.0.1:8115/");
        let confirmation = Confirmation {
            payment_id: "p1".into(),
            amount_cents: 4_650,
            status: "paid".into(),
            provider_ref: "sim-1".into(),
        };
        let (body, signature) = provider.sign(&confirmation);
        assert_eq!(
            provider.verify(body.as_bytes(), Some(&signature)),
            Ok(confirmation)
        );
        let forged = body.replace("4650", "1");
        assert_eq!(
            provider.verify(forged.as_bytes(), Some(&signature)),
            Err(CallbackError::Signature)
        );
        assert_eq!(
            provider.verify(body.as_bytes(), None),
            Err(CallbackError::Signature)
        );
        assert_eq!(provider.checkout_url("p1"), "http://127.0.0.1:8115/pay/p1");
    }
}
