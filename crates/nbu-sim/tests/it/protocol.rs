//! Versions, authentication, ping, login, release differences and the control endpoints.

use nbu_sim::Release;
use serde_json::json;

use crate::support::{Api, accept, small};

#[tokio::test]
async fn versions_are_negotiated_per_release() {
    let sim = small(Release::V11_2).spawn().await.expect("sim starts");
    let api = Api::new(&sim);
    let with_accept = |value: &str| {
        api.http
            .get(api.url("/admin/jobs"))
            .header("Authorization", sim.api_key())
            .header("Accept", value.to_owned())
    };
    for version in ["14.0", "13.0", "12.0", "10.0"] {
        let answer = api.send(with_accept(&accept(version))).await;
        assert_eq!(answer.status, 200, "11.2 must accept {version}");
        assert_eq!(
            answer.header("content-type"),
            Some(accept(version).as_str())
        );
    }
    for bad in [
        accept("11.0"),
        accept("15.0"),
        accept("3.0"),
        "application/json".into(),
        "application/vnd.netbackup+json".into(),
        "*/*".into(),
    ] {
        let answer = api.send(with_accept(&bad)).await;
        let message = answer.error_message(406);
        assert!(
            message.contains("10.0, 12.0, 13.0, 14.0"),
            "{bad}: {message}"
        );
    }
    let missing = api
        .send(
            api.http
                .get(api.url("/admin/jobs"))
                .header("Authorization", sim.api_key()),
        )
        .await;
    missing.error_message(406);

    let old = small(Release::V10_3).spawn().await.expect("sim starts");
    let old_api = Api::new(&old);
    let answer = old_api
        .send(
            old_api
                .http
                .get(old_api.url("/admin/jobs"))
                .header("Authorization", old.api_key())
                .header("Accept", accept("12.0")),
        )
        .await;
    answer.error_message(406);
    assert_eq!(old_api.get("/admin/jobs").await.status, 200);
}

#[tokio::test]
async fn authentication_uses_the_api_key_or_a_login_token() {
    let sim = small(Release::V11_2)
        .api_key("k3y")
        .credentials("ops", "pa55")
        .spawn()
        .await
        .expect("sim starts");
    let api = Api::new(&sim);
    let get = |key: Option<&str>| {
        let request = api
            .http
            .get(api.url("/storage/storage-units"))
            .header("Accept", accept("14.0"));
        match key {
            Some(key) => request.header("Authorization", key.to_owned()),
            None => request,
        }
    };
    assert_eq!(api.send(get(Some("k3y"))).await.status, 200);
    for wrong in [None, Some("wrong"), Some("Bearer k3y"), Some("")] {
        let message = api.send(get(wrong)).await.error_message(401);
        assert!(
            !message.contains("k3y"),
            "the key leaks into the error: {message}"
        );
    }
    let login = api
        .post(
            "/login",
            &json!({"userName": "ops", "password": "pa55", "domainName": "", "domainType": "vx"}),
        )
        .await;
    assert_eq!(login.status, 201, "{}", login.text);
    let token = login.json()["token"].as_str().expect("token").to_owned();
    assert_eq!(login.json()["validity"], 86_400);
    assert_eq!(api.send(get(Some(&token))).await.status, 200);
    api.post("/login", &json!({"userName": "ops", "password": "nope"}))
        .await
        .error_message(401);
    // Login takes its version from Content-Type; a wrong one is 415.
    let bad = api
        .send(
            api.http
                .post(api.url("/login"))
                .header("Content-Type", "application/json")
                .body(json!({"userName": "ops", "password": "pa55"}).to_string()),
        )
        .await;
    bad.error_message(415);
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let builder = small(Release::V11_2)
        .api_key("super-secret-key")
        .credentials("ops", "hunter2");
    let debug = format!("{builder:?}");
    assert!(
        !debug.contains("super-secret-key") && !debug.contains("hunter2"),
        "{debug}"
    );
    assert!(debug.contains("ops"));
}

#[tokio::test]
async fn ping_needs_no_auth_and_announces_the_version() {
    for (release, version) in [(Release::V10_3, "10.0"), (Release::V11_2, "14.0")] {
        let sim = small(release).spawn().await.expect("sim starts");
        let api = Api::new(&sim);
        let answer = api.send(api.http.get(api.url("/ping"))).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("x-netbackup-api-version"), Some(version));
        assert!(
            answer
                .text
                .parse::<u64>()
                .is_ok_and(|ms| ms > 1_700_000_000_000),
            "{}",
            answer.text
        );
        assert_eq!(
            answer.header("content-type"),
            Some(format!("text/vnd.netbackup+plain;version={version}").as_str())
        );
        let info = api
            .send(
                api.http
                    .get(api.url("/security/serverinfo"))
                    .header("Accept", accept(version)),
            )
            .await;
        assert_eq!(info.json()["nbuVersion"], release.as_str());
    }
}

#[tokio::test]
async fn releases_differ_where_the_specs_do() {
    let old = small(Release::V10_3).spawn().await.expect("sim starts");
    let api = Api::new(&old);
    for path in [
        "/storage/tape-media",
        "/storage/tape-volume-pools",
        "/storage/robots-device-hosts",
    ] {
        api.get(path).await.error_message(404);
    }
    assert_eq!(api.get("/storage/drives").await.status, 200);
    let scans = api.get("/malware/latest-scan-results").await.json();
    assert!(
        scans["data"][0]["attributes"]
            .get("noOfFilesImpacted")
            .is_some()
    );
    assert!(
        scans["data"][0]["attributes"]
            .get("numberOfFilesImpacted")
            .is_none()
    );

    let new = small(Release::V11_2).spawn().await.expect("sim starts");
    let mut api = Api::new(&new);
    let scans = api.get("/malware/latest-scan-results").await.json();
    assert!(
        scans["data"][0]["attributes"]
            .get("numberOfFilesImpacted")
            .is_some()
    );
    let images = api.get("/catalog/images").await.json();
    assert!(
        images["data"][0]["attributes"]
            .get("malwareStatus")
            .is_some()
    );
    assert_eq!(api.get("/storage/tape-media").await.status, 200);
    // Asking 11.2 for API 10.0 gets the 10.0 shapes.
    api.version = "10.0".into();
    let scans = api.get("/malware/latest-scan-results").await.json();
    assert!(
        scans["data"][0]["attributes"]
            .get("noOfFilesImpacted")
            .is_some()
    );
    let filtered = api
        .get_query("/catalog/images", &[("filter", "malwareStatus eq 'CLEAN'")])
        .await;
    assert!(filtered.error_message(400).contains("malwareStatus"));
}

#[tokio::test]
async fn collections_paginate_filter_and_count() {
    let sim = small(Release::V11_2)
        .storage_units(12)
        .spawn()
        .await
        .expect("sim starts");
    let api = Api::new(&sim);
    let all = api
        .get("/storage/storage-units?page[limit]=500")
        .await
        .json();
    assert_eq!(all["meta"]["pagination"]["count"], 12);
    let units = all["data"].as_array().expect("data");
    let cloud: Vec<_> = units
        .iter()
        .filter(|u| u["attributes"]["storageCategory"] == "CLOUD")
        .collect();
    assert!(
        !cloud.is_empty()
            && cloud
                .iter()
                .all(|u| u["attributes"].get("totalCapacityBytes").is_none())
    );
    assert!(
        units
            .iter()
            .any(|u| u["attributes"]["storageCategory"] == "TAPE")
    );
    assert!(
        units
            .iter()
            .filter(|u| u["attributes"]["storageCategory"] == "MSDP")
            .all(|u| u["attributes"]["freeCapacityBytes"].is_u64())
    );

    let page = api
        .get("/storage/storage-units?page[limit]=5&page[offset]=10")
        .await
        .json();
    assert_eq!(page["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(page["meta"]["pagination"]["prev"], 5);
    assert!(page["meta"]["pagination"].get("next").is_none());
    let tape = api
        .get_query(
            "/storage/storage-units",
            &[("filter", "storageCategory eq 'TAPE'")],
        )
        .await
        .json();
    assert!(
        tape["data"]
            .as_array()
            .expect("data")
            .iter()
            .all(|u| u["attributes"]["storageCategory"] == "TAPE")
    );
    api.get("/storage/storage-units?page[after]=x")
        .await
        .error_message(400);

    // Catalog images: meta.pagination.count answers count-only questions.
    let counted = api
        .get_query(
            "/catalog/images",
            &[
                ("page[limit]", "1"),
                ("filter", "malwareScanResult eq 'CLEAN'"),
            ],
        )
        .await
        .json();
    let clean = counted["meta"]["pagination"]["count"]
        .as_u64()
        .expect("count");
    let everything =
        api.get("/catalog/images?page[limit]=1").await.json()["meta"]["pagination"]["count"]
            .as_u64()
            .expect("count");
    assert!(clean > 0 && clean < everything, "{clean} of {everything}");

    // The small collections filter on any attribute, date-times included.
    let alerts = api.get("/manage/alerts?page[limit]=500").await.json();
    let total = alerts["meta"]["pagination"]["count"]
        .as_u64()
        .expect("count");
    let since = alerts["data"][total as usize / 2]["attributes"]["createdDateTime"]
        .as_str()
        .expect("createdDateTime")
        .to_owned();
    let recent = api
        .get_query(
            "/manage/alerts",
            &[
                ("page[limit]", "500"),
                (
                    "filter",
                    &format!("severity eq 'ERROR' and createdDateTime ge {since}"),
                ),
            ],
        )
        .await
        .json();
    let recent = recent["data"].as_array().expect("data");
    assert!(!recent.is_empty() && recent.len() < total as usize);
    assert!(recent.iter().all(|a| a["attributes"]["severity"] == "ERROR"
        && a["attributes"]["createdDateTime"].as_str() >= Some(since.as_str())));
    let media = api
        .get_query(
            "/config/hosts",
            &[("filter", "nbuHostType eq 'MEDIA_SERVER'")],
        )
        .await
        .json();
    assert_eq!(media["hosts"].as_array().map(Vec::len), Some(4));

    // Tape media walk with cursors covers every medium once.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut query = vec![("page[limit]", "50".to_owned())];
        if let Some(cursor) = &after {
            query.push(("page[after]", cursor.clone()));
        }
        let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = api.get_query("/storage/tape-media", &pairs).await.json();
        seen.extend(
            page["data"]
                .as_array()
                .expect("data")
                .iter()
                .map(|m| m["id"].as_str().expect("id").to_owned()),
        );
        after = page["meta"]["pagination"]["next"]
            .as_str()
            .map(str::to_owned);
        if after.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 120);
    assert_eq!(
        seen.iter().collect::<std::collections::BTreeSet<_>>().len(),
        120
    );
    api.get("/storage/tape-media?page[offset]=0")
        .await
        .error_message(400);
    api.get("/storage/tape-media?page[after]=zz")
        .await
        .error_message(400);
}

#[tokio::test]
async fn control_endpoints_need_no_auth_and_are_not_counted() {
    let sim = small(Release::V11_2).spawn().await.expect("sim starts");
    let api = Api::new(&sim);
    api.get("/admin/jobs").await;
    api.get("/admin/jobs/1").await;
    api.get("/nope").await;
    let control = |path: &str| format!("http://{}/_sim/{path}", sim.addr());
    let stats = api.send(api.http.get(control("stats"))).await.json();
    assert_eq!(stats["total"], 3, "{stats}");
    assert_eq!(stats["endpoints"]["GET /admin/jobs"]["requests"], 1);
    assert_eq!(stats["endpoints"]["GET /admin/jobs/{jobId}"]["requests"], 1);
    assert_eq!(stats["endpoints"]["GET (unknown)"]["statuses"]["404"], 1);
    let reset = api.send(api.http.delete(control("stats"))).await;
    assert_eq!(reset.status, 204);
    assert_eq!(sim.stats().total, 0);

    let changes = api
        .send(api.http.post(control("changes")).body(r#"{"count": 20}"#))
        .await;
    assert_eq!(changes.status, 200);
    assert!(changes.json()["changed"].as_u64().is_some_and(|n| n > 0));
    assert_eq!(
        api.send(api.http.post(control("changes")).body("{}"))
            .await
            .status,
        400
    );
    assert_eq!(api.send(api.http.get(control("nothing"))).await.status, 404);
    assert_eq!(sim.stats().total, 0, "control calls are not counted");
}
