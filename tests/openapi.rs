//! The OpenAPI document and the router describe the same routes: a route added to the router
//! without documentation, or documented without existing, fails here.

mod common;

use std::collections::BTreeSet;

use common::TestService;
use meldpunt::server::http::{openapi, route_table};

fn documented() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(openapi::document()).unwrap();
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn every_route_is_documented_and_every_documented_route_exists() {
    let routed: BTreeSet<(String, String)> = route_table()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect();
    assert_eq!(
        routed.len(),
        route_table().len(),
        "a route is registered twice"
    );
    let documented = documented();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document: {undocumented:?}"
    );
    assert!(
        phantom.is_empty(),
        "documented routes the router lacks: {phantom:?}"
    );
}

#[test]
fn the_document_is_served_and_every_route_is_reachable() {
    let svc = TestService::start(0);
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut res = agent
        .get(format!("{}/api/v1/openapi.json", svc.url()))
        .call()
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let served: serde_json::Value = res.body_mut().read_json().unwrap();
    assert!(served["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(served, serde_json::to_value(openapi::document()).unwrap());

    // Every routed path answers its method with something other than "no such route".
    for route in route_table() {
        let path = route
            .path
            .replace("{ref}", "MP-0000-0000")
            .replace("{token}", "x")
            .replace("{id}", "x");
        let req = ureq::http::Request::builder()
            .method(route.method.as_str())
            .uri(format!("{}{path}", svc.url()))
            .header("Content-Type", "application/json")
            .body(Vec::new())
            .unwrap();
        let mut res = agent.run(req).unwrap();
        let status = res.status().as_u16();
        let body = res.body_mut().read_to_string().unwrap_or_default();
        assert!(
            !(status == 405 || (status == 404 && body.contains("\"not_found\""))),
            "{} {} is not routed ({status} {body})",
            route.method,
            route.path
        );
    }
}
