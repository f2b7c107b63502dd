//! The one place where [`ApiError`] becomes an HTTP response: `{"error":{"code","message"}}`
//! with the variant's status. Bodies are built from the variant alone, so two failures of the
//! same kind are byte-for-byte the same (a wrong and an unknown access code look alike).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::server::error::ApiError;

/// The body of every error response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable; see docs/PROTOCOL.md §8.
    pub code: String,
    /// For people; never carries secrets.
    pub message: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code()).json(ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message: self.to_string(),
            },
        });
        if matches!(self, ApiError::Unauthorized) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"meldpunt\""),
            );
        }
        if matches!(self, ApiError::BodyTimeout) {
            // The rest of a trickled body must not keep the connection: close it.
            response
                .head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close);
        }
        let retry_after = match self {
            ApiError::TooManyAttempts(secs) | ApiError::PowRequired(secs) => Some(*secs),
            ApiError::Busy => Some(1),
            _ => None,
        };
        if let Some(value) = retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
