//! The FE<->BE gRPC contract (generated from `proto/*.proto`), shared type helpers, the
//! error-code table used at the MySQL and HTTP edges of both processes, and the shape and
//! naming rules of both processes' metric tables (`telemetry`).

pub mod error_code;
pub mod load_dialect;
pub mod schema;
pub mod telemetry;
pub mod token;

/// Shared messages: types, schemas, statuses.
#[allow(clippy::all)]
pub mod types {
    tonic::include_proto!("starload.types");
}

/// FE -> BE and BE -> BE service.
#[allow(clippy::all)]
pub mod be {
    tonic::include_proto!("starload.be");
}

/// FE <-> FE service (Raft replication of metadata, statement forwarding).
#[allow(clippy::all)]
pub mod ha {
    tonic::include_proto!("starload.ha");
}

/// BE -> FE service.
#[allow(clippy::all)]
pub mod fe {
    tonic::include_proto!("starload.fe");
}

impl types::Status {
    /// The OK status.
    pub fn ok() -> Self {
        Self {
            code: types::StatusCode::Ok as i32,
            message: String::new(),
            reason: types::FailureReason::Unspecified as i32,
        }
    }

    /// A failure with `code` and a message meant for the user.
    pub fn err(code: types::StatusCode, message: impl Into<String>) -> Self {
        Self {
            code: code as i32,
            message: message.into(),
            reason: types::FailureReason::Unspecified as i32,
        }
    }

    /// A load task failure: `code`, its class `reason` (what the FE decides on; prost's
    /// `reason()` reads it back, UNSPECIFIED when unset or unknown) and the message meant for
    /// the user.
    pub fn failure(
        code: types::StatusCode,
        reason: types::FailureReason,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code: code as i32,
            message: message.into(),
            reason: reason as i32,
        }
    }

    /// True when the status is OK (an unset status counts as OK for older peers).
    pub fn is_ok(&self) -> bool {
        matches!(
            types::StatusCode::try_from(self.code),
            Ok(types::StatusCode::Ok) | Ok(types::StatusCode::Unspecified)
        )
    }
}
