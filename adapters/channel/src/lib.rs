//! Channel-neutral conversation types: what every adapter (web, Telegram, Matrix) hands to the core and
//! gets back. No framework dependency: adapters translate wire formats to and from these types, the core
//! implements [`Conversation`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

/// A boxed future, so that [`Conversation`] can be used as `Arc<dyn Conversation>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Which channel a message came through. Together with the channel's own conversation id it keys the
/// conversation state in the core's store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// The HTTP chat API and the web widget.
    Web,
    /// Telegram, through the Bot API.
    Telegram,
    /// Matrix, through the client-server API.
    Matrix,
}

impl Channel {
    /// The stable lower-case name used in storage and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Telegram => "telegram",
            Channel::Matrix => "matrix",
        }
    }

    /// Parses the name written by [`Channel::as_str`].
    pub fn parse(name: &str) -> Option<Channel> {
        match name {
            "web" => Some(Channel::Web),
            "telegram" => Some(Channel::Telegram),
            "matrix" => Some(Channel::Matrix),
            _ => None,
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One message from a citizen, as an adapter understood it.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    /// The channel it came through.
    pub channel: Channel,
    /// The conversation's id on that channel (web session id, Telegram chat id, Matrix room id).
    /// `None` starts a new conversation (only the web channel does that).
    pub conversation: Option<String>,
    /// What the citizen sent.
    pub content: InboundContent,
    /// The language the client asked for or the channel reports (a BCP 47 tag such as `de` or `en-GB`).
    pub lang_hint: Option<String>,
}

/// What a citizen sent.
#[derive(Debug, Clone, PartialEq)]
pub enum InboundContent {
    /// Free text typed by the citizen.
    Text(String),
    /// The action of a button the citizen pressed (see [`Button::action`]).
    Action(String),
    /// A shared location, for example the place of a problem report.
    Location {
        /// Latitude in degrees (WGS 84).
        latitude: f64,
        /// Longitude in degrees (WGS 84).
        longitude: f64,
    },
    /// An image, for example the photo of a notice's QR code.
    Image {
        /// The MIME type the channel reported.
        mime: String,
        /// The image bytes.
        bytes: Vec<u8>,
    },
}

/// The core's answer to one [`Inbound`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The conversation id to use for the next message (new when the inbound had none).
    pub conversation: String,
    /// The language of the reply's texts (`de`, `en`, ...).
    pub lang: String,
    /// What the core understood the message to be.
    pub intent: IntentMatch,
    /// The knowledge entry the answer is grounded in, if any.
    pub service: Option<ServiceRef>,
    /// The messages to show, in order.
    pub messages: Vec<Message>,
    /// True when the conversation was handed to a human agent.
    pub handoff: bool,
    /// The answer's number in the conversation (1, 2, ...): what a rating of the answer refers to.
    #[serde(default)]
    pub turn: u64,
}

/// An intent name with the classifier's confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntentMatch {
    /// One of the intent names of the public contract (`service.info`, `fallback`, ...).
    pub name: String,
    /// Confidence between 0 and 1.
    pub confidence: f32,
}

/// A reference to the knowledge entry an answer is grounded in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRef {
    /// The service slug (catalogue id).
    pub slug: String,
    /// The service's name in the reply language.
    pub title: String,
    /// The official page the entry was checked against.
    pub url: String,
    /// The LeiKa key, where one exists.
    pub leika: Option<String>,
}

/// One chat bubble: plain text, optionally a structured answer card, and buttons.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Message {
    /// The full text of the message as plain text; channels without cards show only this.
    pub text: String,
    /// A structured answer card, for channels that can render one.
    pub card: Option<Card>,
    /// Buttons to offer after the message.
    pub buttons: Vec<Button>,
    /// An image to show with the message (a GiroCode, say); channels fetch it from the URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
}

impl Message {
    /// A message of plain text alone.
    pub fn plain(text: impl Into<String>) -> Message {
        Message {
            text: text.into(),
            ..Message::default()
        }
    }
}

/// An image: where to fetch it (a path on this server or a full URL) and its text alternative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// Where the image is.
    pub url: String,
    /// What it shows, for screen readers and text-only channels.
    pub alt: String,
}

/// A button: a label to show and the action sent back when it is pressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// What the citizen reads.
    pub label: String,
    /// What is sent back as [`InboundContent::Action`].
    pub action: String,
}

/// A short grounded answer: the passage that answers, with fee, documents, office, link and as-of date.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Card {
    /// The service name.
    pub title: String,
    /// The passage of the knowledge base that answers.
    pub passage: String,
    /// Fees in words, one per line ("46,00 EUR: ab 24 Jahren").
    pub fees: Vec<String>,
    /// Documents to bring.
    pub documents: Vec<String>,
    /// The responsible office in words.
    pub office: Option<String>,
    /// The online service, if there is one.
    pub link: Option<Link>,
    /// The official source of the passage.
    pub source_url: String,
    /// When the facts were checked (ISO date).
    pub as_of: String,
    /// A caveat about the sources beside the date ("Angaben zu Linien aus 2018, nicht geprüft").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_note: Option<String>,
}

/// A hyperlink with its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// What the citizen reads.
    pub label: String,
    /// Where it goes.
    pub url: String,
}

/// Why the core could not answer; adapters show a polite apology and log the correlation id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConversationError {
    /// The input was rejected; the text says why, in words fit for the citizen.
    BadInput(String),
    /// Something failed inside; only the log knows more, under this correlation id.
    Internal {
        /// The id under which the log recorded the cause.
        correlation_id: String,
    },
}

impl fmt::Display for ConversationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConversationError::BadInput(reason) => write!(f, "bad input: {reason}"),
            ConversationError::Internal { correlation_id } => {
                write!(f, "internal error (correlation id {correlation_id})")
            }
        }
    }
}

impl std::error::Error for ConversationError {}

/// The conversation core as adapters see it: one inbound message in, one reply out.
pub trait Conversation: Send + Sync {
    /// Handles one message of a citizen and answers it.
    fn handle(&self, inbound: Inbound) -> BoxFuture<'_, Result<Reply, ConversationError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_round_trip() {
        for channel in [Channel::Web, Channel::Telegram, Channel::Matrix] {
            assert_eq!(Channel::parse(channel.as_str()), Some(channel));
        }
        assert_eq!(Channel::parse("fax"), None);
    }

    struct Echo;

    impl Conversation for Echo {
        fn handle(&self, inbound: Inbound) -> BoxFuture<'_, Result<Reply, ConversationError>> {
            Box::pin(async move {
                let InboundContent::Text(text) = inbound.content else {
                    return Err(ConversationError::BadInput("text only".into()));
                };
                Ok(Reply {
                    conversation: inbound.conversation.unwrap_or_else(|| "new".into()),
                    lang: "de".into(),
                    intent: IntentMatch {
                        name: "fallback".into(),
                        confidence: 1.0,
                    },
                    service: None,
                    messages: vec![Message {
                        text,
                        ..Message::default()
                    }],
                    handoff: false,
                    turn: 1,
                })
            })
        }
    }

    #[test]
    fn a_conversation_can_be_shared_as_a_trait_object() {
        let conversation: std::sync::Arc<dyn Conversation> = std::sync::Arc::new(Echo);
        let inbound = Inbound {
            channel: Channel::Web,
            conversation: None,
            content: InboundContent::Text("Hallo".into()),
            lang_hint: None,
        };
        // A minimal executor: the future is ready at once.
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        let mut future = conversation.handle(inbound);
        let std::task::Poll::Ready(reply) = future.as_mut().poll(&mut context) else {
            panic!("echo future should be ready at once");
        };
        assert_eq!(reply.unwrap().messages[0].text, "Hallo");
    }
}
