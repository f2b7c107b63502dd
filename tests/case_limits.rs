//! A case holds at most `MAX_STATEMENTS_PER_CASE` statements (receipt, messages, status
//! changes). The store enforces it under its append lock, so the cap holds for reporter and
//! staff alike and cannot be overshot by concurrent posts.

mod common;

use common::{TestService, draft};
use meldpunt::client::reporter::{reporter_thread_key, seal_message};
use meldpunt::protocol::MAX_STATEMENTS_PER_CASE;

#[test]
fn a_case_stops_taking_messages_at_its_limit() {
    let svc = TestService::start(0);
    let client = svc.client();
    let submitted = client.submit(&draft("amsterdam", "limiet")).unwrap();
    let code = &submitted.access_code;
    let view = client.raw_case(code).unwrap();
    let key = reporter_thread_key(code, &view.case_id, &view.wraps).unwrap();
    // The receipt is statement 1; fill up to the limit from a few threads at once.
    let remaining = MAX_STATEMENTS_PER_CASE as usize - 1;
    let threads = 4;
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (client, key, case_id) = (svc.client(), &key, view.case_id);
            scope.spawn(move || {
                for _ in (t..remaining).step_by(threads) {
                    let item = seal_message(key, &case_id, "bericht").unwrap();
                    client.post_item(code, &item).unwrap();
                }
            });
        }
    });
    let item = seal_message(&key, &view.case_id, "een te veel").unwrap();
    let err = client.post_item(code, &item).unwrap_err();
    assert_eq!(err.api_code(), Some("case_full"), "{err}");
    let view = client.raw_case(code).unwrap();
    assert_eq!(view.statements.len(), MAX_STATEMENTS_PER_CASE as usize);
}
