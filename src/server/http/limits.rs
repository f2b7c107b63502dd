//! How the server bounds slow clients and many connections (hardening finding 5), so a few
//! thousand idle or trickling sockets cannot take the service from real reporters.
//!
//! Contract:
//! - A request's head must arrive within [`HEADER_TIMEOUT`], a body within
//!   `Settings::body_timeout_secs` of the handler starting to read it (`reporter::read_json`,
//!   else `408 request_timeout` and the connection is closed); an idle keep-alive connection is
//!   closed after [`KEEP_ALIVE`].
//! - At most [`connection_cap`] connections are open at once (split over the workers); beyond
//!   it the listener stops accepting and new connections wait in the kernel's backlog until a
//!   slot frees, instead of failing with "too many open files". The cap is the configured
//!   `max_connections`, lowered to what the process's file-descriptor limit leaves after
//!   [`FD_RESERVE`] for the database and key files; the soft limit is raised towards the hard
//!   one first when it is too low.
//! - A body nobody reads to its end is never drained: left alone, actix keeps reading (and
//!   discarding) a chunked body that a handler did not read, or stopped reading at the body
//!   timeout, for as long as a client trickles it. [`close_unread_bodies`] holds every
//!   request's body until its answer is sent, so an unfinished one makes actix close the
//!   connection after the answer instead.
//! - Per-address limits are not here: the server never sees client addresses (G2). An operator
//!   who wants one sets it in the TLS proxy.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

/// Longest wait for a request's head (actix's `client_request_timeout`).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest idle time of a keep-alive connection between requests.
pub const KEEP_ALIVE: Duration = Duration::from_secs(5);
/// Longest time a closing connection may take to shut down.
pub const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// File descriptors kept for everything but client connections.
pub const FD_RESERVE: u64 = 128;
/// The fewest connections a low descriptor limit lowers the cap to.
const MIN_CONNECTIONS: usize = 16;

/// The number of client connections the server may hold: `wanted`, or fewer (but not fewer
/// than `MIN_CONNECTIONS`) if the process may not open that many files. Raises the soft
/// `RLIMIT_NOFILE` towards the hard limit when it is lower than `wanted` needs.
pub fn connection_cap(wanted: usize) -> usize {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let needed = wanted as u64 + FD_RESERVE;
    let limit = getrlimit(Resource::Nofile);
    let mut soft = limit.current.unwrap_or(u64::MAX);
    if soft < needed {
        let raised = limit.maximum.map_or(needed, |hard| hard.min(needed));
        let new = Rlimit {
            current: Some(raised),
            maximum: limit.maximum,
        };
        if raised > soft && setrlimit(Resource::Nofile, new).is_ok() {
            soft = raised;
        }
    }
    let allowed = soft.saturating_sub(FD_RESERVE).max(MIN_CONNECTIONS as u64) as usize;
    allowed.min(wanted)
}

/// A request body, shared between the handler and the answer that keeps it alive.
#[derive(Clone)]
struct HeldBody(Rc<RefCell<Payload>>);

impl futures_util::Stream for HeldBody {
    type Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut *self.0.borrow_mut()).poll_next(cx)
    }
}

/// An answer's body that holds its request's body until the answer has been sent: actix
/// decides whether to drain or close when the last byte of the answer goes out.
struct AnswerHolding {
    answer: BoxBody,
    _request_body: HeldBody,
}

impl MessageBody for AnswerHolding {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> actix_web::body::BodySize {
        self.answer.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<actix_web::web::Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().answer).poll_next(cx)
    }
}

/// Middleware: keeps each request's body alive (see the module contract) until its answer
/// has been sent.
pub async fn close_unread_bodies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let held = HeldBody(Rc::new(RefCell::new(req.take_payload())));
    req.set_payload(Payload::Stream {
        payload: Box::pin(held.clone()),
    });
    let res = next.call(req).await?.map_into_boxed_body();
    Ok(res.map_body(|_, answer| AnswerHolding {
        answer,
        _request_body: held,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_fits_the_descriptor_limit() {
        let cap = connection_cap(1024);
        let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .unwrap_or(u64::MAX);
        assert!(cap as u64 + FD_RESERVE <= soft.max(MIN_CONNECTIONS as u64 + FD_RESERVE));
        assert!((MIN_CONNECTIONS..=1024).contains(&cap));
        assert_eq!(connection_cap(10), 10, "an operator's lower cap is kept");
    }
}
