//! `POST /api/v1/chat`: the public chat contract. Validates the request, hands it to the
//! [`auskunft_channel::Conversation`] as an `Inbound` of the web channel, and maps the reply to JSON.

use auskunft_channel::{
    Button, Card, Channel, ConversationError, Inbound, InboundContent, Link, Reply,
};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, ApiJson, ErrorCode};
use crate::lang::Lang;

/// The longest session id accepted.
const MAX_SESSION_ID_CHARS: usize = 64;

/// The longest button action accepted.
const MAX_ACTION_CHARS: usize = 200;

/// A chat message: either typed text or the action of a pressed button.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    /// The session id from the previous answer; null starts a new conversation.
    pub session_id: Option<String>,
    /// What the citizen typed.
    pub text: Option<String>,
    /// The action of the button the citizen pressed.
    pub action: Option<String>,
    /// The client's language (BCP 47: de, en, de-leicht, uk, ar).
    pub lang: Option<String>,
    /// A photo (for example of a notice's QR code), instead of text or action.
    #[serde(default)]
    pub image: Option<ImageUpload>,
    /// A location shared from the device (browser geolocation), instead of text.
    #[serde(default)]
    pub location: Option<LocationBody>,
}

/// A position in WGS 84 degrees.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationBody {
    /// -90 to 90.
    pub latitude: f64,
    /// -180 to 180.
    pub longitude: f64,
}

/// An uploaded image.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageUpload {
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    /// The image, base64-encoded (at most 4 MiB decoded).
    pub data: String,
}

/// The largest image accepted, decoded.
pub const MAX_IMAGE_BYTES: usize = 4 * 1024 * 1024;

/// The answer to a chat message.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChatResponse {
    /// Send it back with the next message.
    pub session_id: String,
    /// The language of the answer.
    pub lang: String,
    /// What the assistant understood.
    pub intent: IntentBody,
    /// The knowledge entry the answer is grounded in; null when none.
    pub service: Option<ServiceBody>,
    /// The messages to show, in order.
    pub messages: Vec<MessageBody>,
    /// True when the conversation was handed to a human agent.
    pub handoff: bool,
    /// The answer's number in the conversation, for `POST /api/v1/feedback`.
    #[serde(default)]
    pub turn: u64,
}

/// An intent with its confidence.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IntentBody {
    /// service.info, fallback, ...
    pub name: String,
    /// From 0 to 1.
    pub confidence: f32,
}

/// The service an answer is grounded in.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceBody {
    /// Catalogue slug.
    pub slug: String,
    /// Name in the answer's language.
    pub title: String,
    /// The official page.
    pub url: String,
    /// The 14-digit LeiKa key, where one exists.
    pub leika: Option<String>,
}

/// One chat bubble.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MessageBody {
    /// The message as plain text.
    pub text: String,
    /// Buttons to offer.
    pub buttons: Vec<ButtonBody>,
    /// The structured answer card, when the message is one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub card: Option<CardBody>,
    /// An image to show (a GiroCode, say).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub image: Option<ImageBody>,
}

/// An image with its text alternative.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImageBody {
    /// Where to fetch it (a path on this server).
    pub url: String,
    /// What it shows.
    pub alt: String,
}

/// A button.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ButtonBody {
    /// What the citizen reads.
    pub label: String,
    /// Send it back as `action`.
    pub action: String,
}

/// A structured answer card.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CardBody {
    /// The service name.
    pub title: String,
    /// The passage that answers.
    pub passage: String,
    /// Fees in words.
    pub fees: Vec<String>,
    /// Documents to bring.
    pub documents: Vec<String>,
    /// The responsible office in words.
    pub office: Option<String>,
    /// The online service.
    pub link: Option<LinkBody>,
    /// The official source.
    pub source_url: String,
    /// When the facts were checked (ISO date).
    pub as_of: String,
}

/// A link.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LinkBody {
    /// What the citizen reads.
    pub label: String,
    /// Where it goes.
    pub url: String,
}

impl From<Reply> for ChatResponse {
    fn from(reply: Reply) -> ChatResponse {
        ChatResponse {
            session_id: reply.conversation,
            lang: reply.lang,
            intent: IntentBody {
                name: reply.intent.name,
                confidence: reply.intent.confidence,
            },
            service: reply.service.map(|s| ServiceBody {
                slug: s.slug,
                title: s.title,
                url: s.url,
                leika: s.leika,
            }),
            messages: reply
                .messages
                .into_iter()
                .map(|m| MessageBody {
                    text: m.text,
                    buttons: m
                        .buttons
                        .into_iter()
                        .map(|Button { label, action }| ButtonBody { label, action })
                        .collect(),
                    card: m.card.map(card_body),
                    image: m.image.map(|i| ImageBody {
                        url: i.url,
                        alt: i.alt,
                    }),
                })
                .collect(),
            handoff: reply.handoff,
            turn: reply.turn,
        }
    }
}

fn card_body(card: Card) -> CardBody {
    CardBody {
        title: card.title,
        passage: card.passage,
        fees: card.fees,
        documents: card.documents,
        office: card.office,
        link: card.link.map(|Link { label, url }| LinkBody { label, url }),
        source_url: card.source_url,
        as_of: card.as_of,
    }
}

/// Checks a chat request and turns it into an inbound message of the web channel.
pub fn inbound_from(request: ChatRequest, max_text_chars: usize) -> Result<Inbound, ApiError> {
    if let Some(session_id) = &request.session_id {
        let valid = !session_id.is_empty()
            && session_id.len() <= MAX_SESSION_ID_CHARS
            && session_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(ApiError::invalid(format!(
                "session_id must be 1 to {MAX_SESSION_ID_CHARS} letters, digits, '-' or '_' (or null for a new session)"
            )));
        }
    }
    if let Some(lang) = &request.lang
        && Lang::negotiate(lang).is_none()
    {
        return Err(ApiError::invalid(format!(
            "unsupported lang '{lang}': use de, en, de-leicht, uk or ar"
        )));
    }
    if let Some(location) = request.location {
        if request.text.is_some() || request.action.is_some() || request.image.is_some() {
            return Err(ApiError::invalid(
                "send one of text, action, image or location, not several",
            ));
        }
        let valid = (-90.0..=90.0).contains(&location.latitude)
            && (-180.0..=180.0).contains(&location.longitude);
        if !valid {
            return Err(ApiError::invalid(
                "location.latitude must be between -90 and 90 and location.longitude between -180 and 180",
            ));
        }
        return Ok(Inbound {
            channel: Channel::Web,
            conversation: request.session_id,
            content: InboundContent::Location {
                latitude: location.latitude,
                longitude: location.longitude,
            },
            lang_hint: request.lang,
        });
    }
    if let Some(image) = request.image {
        if request.text.is_some() || request.action.is_some() {
            return Err(ApiError::invalid(
                "send one of text, action or image, not several",
            ));
        }
        if !matches!(image.content_type.as_str(), "image/png" | "image/jpeg") {
            return Err(ApiError::invalid(
                "image.content_type must be image/png or image/jpeg",
            ));
        }
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(image.data.trim())
            .map_err(|_| ApiError::invalid("image.data is not valid base64"))?;
        if bytes.is_empty() || bytes.len() > MAX_IMAGE_BYTES {
            return Err(ApiError::invalid(format!(
                "the image must have 1 byte to {} MiB",
                MAX_IMAGE_BYTES / 1024 / 1024
            )));
        }
        return Ok(Inbound {
            channel: Channel::Web,
            conversation: request.session_id,
            content: InboundContent::Image {
                mime: image.content_type,
                bytes,
            },
            lang_hint: request.lang,
        });
    }
    let content = match (request.text, request.action) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid("send either text or action, not both"));
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "send text (what the citizen typed) or action (a button's action)",
            ));
        }
        (Some(text), None) => {
            if text.trim().is_empty() {
                return Err(ApiError::invalid("text is empty"));
            }
            let chars = text.chars().count();
            if chars > max_text_chars {
                return Err(ApiError::new(
                    ErrorCode::TextTooLong,
                    format!("text has {chars} characters; at most {max_text_chars} are accepted"),
                ));
            }
            if text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            {
                return Err(ApiError::invalid("text contains control characters"));
            }
            InboundContent::Text(text)
        }
        (None, Some(action)) => {
            if action.trim().is_empty() || action.chars().count() > MAX_ACTION_CHARS {
                return Err(ApiError::invalid(format!(
                    "action must be 1 to {MAX_ACTION_CHARS} characters"
                )));
            }
            InboundContent::Action(action)
        }
    };
    Ok(Inbound {
        channel: Channel::Web,
        conversation: request.session_id,
        content,
        lang_hint: request.lang,
    })
}

/// Answers one chat message.
#[utoipa::path(
    post,
    path = "/api/v1/chat",
    request_body = ChatRequest,
    responses(
        (status = 200, description = "The assistant's answer", body = ChatResponse),
        (status = 400, description = "The body is not JSON", body = super::error::ErrorBody),
        (status = 413, description = "The body is too large", body = super::error::ErrorBody),
        (status = 415, description = "The body is not declared as JSON", body = super::error::ErrorBody),
        (status = 422, description = "A field is missing, unknown or not acceptable", body = super::error::ErrorBody),
    ),
    tag = "chat"
)]
pub async fn chat(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ChatRequest>,
) -> Result<Json<ChatResponse>, ApiError> {
    let inbound = inbound_from(request, state.max_text_chars)?;
    match state.conversation.handle(inbound).await {
        Ok(reply) => Ok(Json(reply.into())),
        Err(ConversationError::BadInput(reason)) => Err(ApiError::invalid(reason)),
        Err(ConversationError::Internal { correlation_id }) => Err(ApiError::new(
            ErrorCode::Internal,
            format!(
                "the request could not be completed; please try again (correlation id {correlation_id})"
            ),
        )),
    }
}
