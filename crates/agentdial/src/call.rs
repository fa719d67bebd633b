//! Provider-neutral call types.

use serde_json::{Map, Value};
use std::fmt;

/// A supported platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Provider {
    Altur,
    Alta,
    Fluents,
    HmsSovereign,
}

impl Provider {
    /// Every provider, in a slice so that adding one changes no type.
    pub const ALL: &'static [Provider] =
        &[Provider::Altur, Provider::Alta, Provider::Fluents, Provider::HmsSovereign];

    /// The crate suffix (`agentdial-<name>`).
    pub fn name(self) -> &'static str {
        match self {
            Provider::Altur => "altur",
            Provider::Alta => "alta",
            Provider::Fluents => "fluents",
            Provider::HmsSovereign => "hmsovereign",
        }
    }

    /// The environment variable [`crate::ClientBuilder::build`] reads the key from when none is given.
    pub fn env_var(self) -> &'static str {
        match self {
            Provider::Altur => "ALTUR_API_KEY",
            Provider::Alta => "ALTA_API_KEY",
            Provider::Fluents => "FLUENTS_API_KEY",
            Provider::HmsSovereign => "HMSOVEREIGN_API_KEY",
        }
    }

    /// What this provider's API (as its spec describes it) lets the facade do.
    pub fn capabilities(self) -> Capabilities {
        match self {
            Provider::Altur => Capabilities {
                dial: true,
                dial_returns_call_id: true,
                call_status: false,
                hang_up: false,
                idempotency_keys: false,
                notes: "Altur's published document has only Start Call (POST /call); its response carries the call's id and initial status, but there is no endpoint to read a call later or end it.",
            },
            Provider::Alta => Capabilities {
                dial: true,
                dial_returns_call_id: false,
                call_status: false,
                hang_up: false,
                idempotency_keys: false,
                notes: "Alta's document has only Trigger an assistant call (POST /assistant/calls), whose 200 response has no body: no call id comes back, and there is no status or hang-up endpoint.",
            },
            Provider::Fluents => Capabilities {
                dial: true,
                dial_returns_call_id: true,
                call_status: false,
                hang_up: false,
                idempotency_keys: false,
                notes: "Fluents' document has only Create call (POST /v1/calls/create), whose 201 body is the call with its id and status; no read or end endpoint is in the document.",
            },
            Provider::HmsSovereign => Capabilities {
                dial: true,
                dial_returns_call_id: true,
                call_status: true,
                hang_up: true,
                idempotency_keys: false,
                notes: "HMS Sovereign: POST /calls/outbound, GET /calls/{id}, and POST /calls/{id}/control with an end-call command. No idempotency key is documented; POSTs are not idempotent.",
            },
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::Altur => "Altur",
            Provider::Alta => "Alta",
            Provider::Fluents => "Fluents",
            Provider::HmsSovereign => "HMS Sovereign",
        })
    }
}

/// What a provider can do through the facade, stated up front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    pub dial: bool,
    /// Whether [`crate::Client::dial`] learns the new call's id.
    pub dial_returns_call_id: bool,
    /// [`crate::Client::call`] and [`crate::Client::wait_until_ended`].
    pub call_status: bool,
    /// [`crate::Client::hang_up`].
    pub hang_up: bool,
    /// Whether the provider accepts an idempotency key (none of ours documents one).
    pub idempotency_keys: bool,
    /// Where this comes from in the provider's document.
    pub notes: &'static str,
}

/// A call to place. Which fields a provider needs:
///
/// | field | Altur | Alta | Fluents | HMS Sovereign |
/// |---|---|---|---|---|
/// | `to` (E.164) | `phone_number_to` | `phoneNumber` | `to_number` | `destination` |
/// | `from` (E.164) | — | — | `from_number` and `agent_phone_number` (required) | — (use `phone_number_id`) |
/// | `agent_id` | `agent_id` (required) | `assistantId` (required) | — | `assistant_id` (UUID) |
/// | `phone_number_id` | — | — | — | `number_id` (UUID) |
/// | `customer_name` | `end_user_display_name` | `name` (required) | — | — |
/// | `variables` | `end_user_context` | `data` | `context` | `assistant_override.metadata` |
///
/// `provider_fields` are merged last into the request body, for what only one provider has
/// (Fluents requires `agent` and `telephony_provider`; Alta takes `callTransfer`, ...). The body is
/// then checked against the provider's exact generated request type before anything is sent.
///
/// Build one with [`OutboundCall::to`] and the methods below (the struct is `#[non_exhaustive]`:
/// fields may be added).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct OutboundCall {
    pub to: String,
    pub from: Option<String>,
    pub agent_id: Option<String>,
    pub phone_number_id: Option<String>,
    pub customer_name: Option<String>,
    pub variables: Map<String, Value>,
    pub provider_fields: Map<String, Value>,
}

impl OutboundCall {
    pub fn to(number: impl Into<String>) -> Self {
        Self { to: number.into(), ..Self::default() }
    }
    pub fn from(mut self, number: impl Into<String>) -> Self {
        self.from = Some(number.into());
        self
    }
    pub fn agent(mut self, id: impl Into<String>) -> Self {
        self.agent_id = Some(id.into());
        self
    }
    pub fn phone_number_id(mut self, id: impl Into<String>) -> Self {
        self.phone_number_id = Some(id.into());
        self
    }
    pub fn customer_name(mut self, name: impl Into<String>) -> Self {
        self.customer_name = Some(name.into());
        self
    }
    pub fn variable(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.variables.insert(key.into(), value.into());
        self
    }
    pub fn provider_field(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.provider_fields.insert(key.into(), value.into());
        self
    }
}

/// A placed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallHandle {
    pub provider: Provider,
    /// `None` when the provider does not return one (Alta).
    pub id: Option<String>,
}

/// A call's state, normalized across providers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallStatus {
    /// Accepted, not yet ringing (Altur `created`/`queued`, Fluents `not_started`, HMS `connecting`).
    Queued,
    Ringing,
    /// Connected (Altur `forwarding` too).
    InProgress,
    /// Over without a platform error. `reason` is the provider's (`busy`, `no-answer`, `transferred`,
    /// HMS `end_reason`, ...).
    Ended {
        reason: Option<String>,
    },
    /// Over because something failed. `reason` is the provider's status or error text.
    Failed {
        reason: Option<String>,
    },
    /// A status the provider added after this crate was generated, as sent. Not treated as final.
    Unrecognized {
        status: String,
    },
}

impl CallStatus {
    pub fn is_final(&self) -> bool {
        matches!(self, CallStatus::Ended { .. } | CallStatus::Failed { .. })
    }
}

/// The provider's own response to creating a call, in its exact type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DialResponse {
    #[cfg(feature = "altur")]
    Altur(Box<agentdial_altur::types::Call>),
    /// Alta answers 200 with no body.
    #[cfg(feature = "alta")]
    Alta,
    #[cfg(feature = "fluents")]
    Fluents(Box<agentdial_fluents::types::CallDto>),
    #[cfg(feature = "hmsovereign")]
    HmsSovereign(agentdial_hmsovereign::types::OutboundCallResponse),
}

/// The result of [`crate::Client::dial`].
#[derive(Debug, Clone, PartialEq)]
pub struct Dialed {
    pub handle: CallHandle,
    /// The status the creating response reported, when it reported one.
    pub status: Option<CallStatus>,
    pub response: DialResponse,
}

/// The provider's own call object, in its exact type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ProviderCall {
    #[cfg(feature = "hmsovereign")]
    HmsSovereign(Box<agentdial_hmsovereign::types::Call>),
}

/// The result of [`crate::Client::call`].
#[derive(Debug, Clone, PartialEq)]
pub struct CallState {
    pub status: CallStatus,
    pub call: ProviderCall,
}
