//! The one place where [`ApiError`] becomes an HTTP response: `{"error":{"code","message"}}`
//! with the variant's status. Bodies are built from the variant alone, so two failures of the
//! same kind are byte-for-byte the same (a wrong and an unknown access code look alike).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::ApiError;

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code()).json(Body {
            error: Detail {
                code: self.code(),
                message: self.to_string(),
            },
        });
        if matches!(self, ApiError::Unauthorized) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"meldpunt\""),
            );
        }
        response
    }
}
