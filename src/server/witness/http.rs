//! The witness's HTTP face: `POST /add-checkpoint` of C2SP `tlog-witness`, nothing else.
//!
//! Contract: each [`WitnessAnswer`] becomes the spec's status (200, 400, 403, 404, 409, 422;
//! 500 if the record could not be written); 200 is `text/plain` cosignature lines, 409 is
//! `text/x.tlog.size` with the witness's size. Bodies over `MAX_REQUEST_LEN` are 413 unread;
//! other methods on the route are 405, other paths 404. Errors are short `text/plain` lines,
//! not the JSON of `server::http`: this is another service, speaking the C2SP wire. No access
//! log: the witness logs only origins and sizes (`super`).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::middleware::DefaultHeaders;
use actix_web::{App, HttpResponse, HttpServer, web};

use super::{Witness, WitnessAnswer};
use crate::protocol::log::witness_wire::{
    MAX_REQUEST_LEN, SIZE_CONTENT_TYPE, encode_cosignature_lines, encode_size,
};

const TEXT: &str = "text/plain; charset=utf-8";

fn text(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(TEXT)
        .body(format!("{message}\n"))
}

/// The response for an answer.
pub fn response(answer: WitnessAnswer) -> HttpResponse {
    match answer {
        WitnessAnswer::Cosigned(lines) => HttpResponse::Ok()
            .content_type(TEXT)
            .body(encode_cosignature_lines(&lines)),
        WitnessAnswer::BadRequest(why) => text(StatusCode::BAD_REQUEST, why),
        WitnessAnswer::Forbidden => {
            text(StatusCode::FORBIDDEN, "no valid signature by the log's key")
        }
        WitnessAnswer::UnknownLog => text(StatusCode::NOT_FOUND, "unknown log origin"),
        WitnessAnswer::Conflict(size) => HttpResponse::Conflict()
            .content_type(SIZE_CONTENT_TYPE)
            .body(encode_size(size)),
        WitnessAnswer::Inconsistent(why) => text(StatusCode::UNPROCESSABLE_ENTITY, why),
        WitnessAnswer::Failed => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the witness could not record the checkpoint",
        ),
    }
}

async fn add_checkpoint(witness: web::Data<Witness>, body: web::Bytes) -> HttpResponse {
    // Writing the record fsyncs: off the async workers.
    let witness = witness.into_inner();
    match web::block(move || witness.add_checkpoint(&body)).await {
        Ok(answer) => response(answer),
        Err(_) => response(WitnessAnswer::Failed),
    }
}

async fn method_not_allowed() -> HttpResponse {
    text(StatusCode::METHOD_NOT_ALLOWED, "use POST")
}

async fn not_found() -> HttpResponse {
    text(StatusCode::NOT_FOUND, "not found")
}

/// Registers `POST /add-checkpoint` with its body limit.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_REQUEST_LEN))
        .service(
            web::resource("/add-checkpoint")
                .route(web::post().to(add_checkpoint))
                .default_service(web::to(method_not_allowed)),
        );
}

/// The witness server on an already bound listener.
pub fn build_server(witness: Arc<Witness>, listener: TcpListener) -> std::io::Result<Server> {
    let data = web::Data::from(witness);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(
                DefaultHeaders::new()
                    .add(("Cache-Control", "no-store"))
                    .add(("X-Content-Type-Options", "nosniff")),
            )
            .configure(routes)
            .default_service(web::to(not_found))
    })
    .workers(2)
    .client_request_timeout(Duration::from_secs(10))
    .keep_alive(Duration::from_secs(30))
    .shutdown_timeout(10)
    .listen(listener)?
    .run();
    Ok(server)
}

/// Serves until SIGINT/SIGTERM (actix-server's signal handling, as `meldpunt serve`).
pub async fn serve(witness: Arc<Witness>, listener: TcpListener) -> std::io::Result<()> {
    build_server(witness, listener)?.await
}
