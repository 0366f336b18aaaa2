//! API errors as `metav1.Status`: upstream's reasons, codes and messages, so that kubectl
//! (ours, and the real one through `kubeplay serve`) prints `Error from server (NotFound): ...`.

use std::fmt;

use super::validation::FieldErrors;
use crate::api::Kind;

/// `metav1.StatusReason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    NotFound,
    AlreadyExists,
    Conflict,
    Invalid,
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    Gone,
    Expired,
    TooManyRequests,
    InternalError,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NotFound => "NotFound",
            Reason::AlreadyExists => "AlreadyExists",
            Reason::Conflict => "Conflict",
            Reason::Invalid => "Invalid",
            Reason::BadRequest => "BadRequest",
            Reason::Forbidden => "Forbidden",
            Reason::MethodNotAllowed => "MethodNotAllowed",
            Reason::Gone => "Gone",
            Reason::Expired => "Expired",
            Reason::TooManyRequests => "TooManyRequests",
            Reason::InternalError => "InternalError",
        }
    }
    pub fn code(self) -> u16 {
        match self {
            Reason::NotFound => 404,
            Reason::AlreadyExists | Reason::Conflict => 409,
            Reason::Invalid => 422,
            Reason::BadRequest => 400,
            Reason::Forbidden => 403,
            Reason::MethodNotAllowed => 405,
            Reason::Gone | Reason::Expired => 410,
            Reason::TooManyRequests => 429,
            Reason::InternalError => 500,
        }
    }
}

/// A failed API call.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub reason: Reason,
    /// `Status.message`, e.g. `pods "x" not found`.
    pub message: String,
    /// `details.kind` (`Deployment`) and `details.name`, used by kubectl for Invalid errors.
    pub kind: String,
    pub name: String,
    /// `details.causes` for Invalid errors.
    pub causes: FieldErrors,
    /// The rest of `details`, when set (boxed: most errors have none, and an
    /// `ApiError` travels in every `Result` of the API server).
    pub details: Option<Box<StatusDetails>>,
}

/// `details.causes` that name no field, and `details.retryAfterSeconds`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatusDetails {
    /// Causes such as `DisruptionBudget` or `NamespaceTerminating`.
    pub causes: Vec<StatusCause>,
    /// `retryAfterSeconds` (0: not set).
    pub retry_after_seconds: i32,
}

/// One `metav1.StatusCause` that names no field: its `type` and `message`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatusCause {
    pub type_: String,
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ApiError {
    fn new(reason: Reason, message: String) -> ApiError {
        ApiError {
            reason,
            message,
            kind: String::new(),
            name: String::new(),
            causes: FieldErrors::default(),
            details: None,
        }
    }

    pub fn code(&self) -> u16 {
        self.reason.code()
    }

    pub fn not_found(kind: Kind, name: &str) -> ApiError {
        ApiError {
            name: name.into(),
            ..Self::new(
                Reason::NotFound,
                format!("{} {name:?} not found", kind.info().group_resource()),
            )
        }
    }

    /// A 404 with a message of its own (`the server could not find the requested resource`).
    pub fn not_found_message(message: String) -> ApiError {
        Self::new(Reason::NotFound, message)
    }

    pub fn already_exists(kind: Kind, name: &str) -> ApiError {
        ApiError {
            name: name.into(),
            ..Self::new(
                Reason::AlreadyExists,
                format!("{} {name:?} already exists", kind.info().group_resource()),
            )
        }
    }

    pub fn conflict(kind: Kind, name: &str, why: &str) -> ApiError {
        Self::new(
            Reason::Conflict,
            format!(
                "Operation cannot be fulfilled on {} {name:?}: {why}",
                kind.info().group_resource()
            ),
        )
    }

    /// A 409 with a message of its own (subresources word theirs differently).
    pub fn new_conflict(message: String) -> ApiError {
        Self::new(Reason::Conflict, message)
    }

    pub fn forbidden(kind: Kind, name: &str, why: String) -> ApiError {
        let gr = kind.info().group_resource();
        let msg = if name.is_empty() {
            format!("{gr} is forbidden: {why}")
        } else {
            format!("{gr} {name:?} is forbidden: {why}")
        };
        Self::new(Reason::Forbidden, msg)
    }

    pub fn bad_request(message: String) -> ApiError {
        Self::new(Reason::BadRequest, message)
    }

    pub fn gone(requested: u64, oldest: u64) -> ApiError {
        Self::new(
            Reason::Expired,
            format!("too old resource version: {requested} ({oldest})"),
        )
    }

    /// 422 Invalid: `Deployment.apps "x" is invalid: spec.replicas: ...` (one cause) or
    /// `... is invalid: [a, b]` (several), with the causes kept for kubectl.
    pub fn invalid(kind: Kind, name: &str, errs: FieldErrors) -> ApiError {
        let info = kind.info();
        let qualified = if info.group.is_empty() {
            info.kind.to_string()
        } else {
            format!("{}.{}", info.kind, info.group)
        };
        let list: Vec<String> = errs.0.iter().map(|e| e.to_string()).collect();
        let joined = if list.len() == 1 {
            list[0].clone()
        } else {
            format!("[{}]", list.join(", "))
        };
        ApiError {
            reason: Reason::Invalid,
            message: format!("{qualified} {name:?} is invalid: {joined}"),
            kind: info.kind.to_string(),
            name: name.to_string(),
            causes: errs,
            details: None,
        }
    }

    /// 429 TooManyRequests (upstream `NewTooManyRequests`): the message as given, and
    /// `retryAfterSeconds` when positive.
    pub fn too_many_requests(message: String, retry_after_seconds: i32) -> ApiError {
        let mut e = Self::new(Reason::TooManyRequests, message);
        if retry_after_seconds > 0 {
            e.details_mut().retry_after_seconds = retry_after_seconds;
        }
        e
    }

    /// A 403 whose message is already worded (a resource named differently from a kind,
    /// as the eviction subresource's `poddisruptionbudget.policy "x" is forbidden: ...`).
    pub fn new_forbidden(message: String) -> ApiError {
        Self::new(Reason::Forbidden, message)
    }

    /// A 500 with the message as given (a `metav1.Status` of code 500 that a subresource
    /// returns as its result).
    pub fn internal(message: String) -> ApiError {
        Self::new(Reason::InternalError, message)
    }

    /// Adds a `details.causes` entry that names no field.
    pub fn with_cause(mut self, type_: &str, message: String) -> ApiError {
        self.details_mut().causes.push(StatusCause {
            type_: type_.to_string(),
            message,
        });
        self
    }

    pub fn details_mut(&mut self) -> &mut StatusDetails {
        self.details.get_or_insert_with(Default::default)
    }

    /// `details.causes` that name no field.
    pub fn status_causes(&self) -> &[StatusCause] {
        self.details.as_ref().map_or(&[], |d| d.causes.as_slice())
    }

    /// `details.retryAfterSeconds` (0 when not set).
    pub fn retry_after_seconds(&self) -> i32 {
        self.details.as_ref().map_or(0, |d| d.retry_after_seconds)
    }

    /// Whether `details.causes` holds a cause of this type (upstream `HasStatusCause`).
    pub fn has_cause(&self, type_: &str) -> bool {
        self.status_causes().iter().any(|c| c.type_ == type_)
    }
}
