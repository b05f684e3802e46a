//! `/admin/jobs`: cursor pagination, filters and sorts against the generator's ground truth.

use std::collections::BTreeSet;

use nbu_sim::{JobInfo, Release, Server};
use serde_json::json;

use crate::support::{Api, fixed_now, job_ids, small};

fn iso(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

fn ids_where(truth: &[JobInfo], keep: impl Fn(&JobInfo) -> bool) -> BTreeSet<u64> {
    truth
        .iter()
        .filter(|job| keep(job))
        .map(|job| job.job_id)
        .collect()
}

fn as_set(ids: &[u64]) -> BTreeSet<u64> {
    let set: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(set.len(), ids.len(), "a job was returned twice");
    set
}

#[tokio::test]
async fn walking_ten_thousand_jobs_returns_each_once_in_one_hundred_requests() {
    let sim = Server::builder()
        .jobs(10_000)
        .seed(3)
        .now(fixed_now())
        .spawn()
        .await
        .expect("sim starts");
    let api = Api::new(&sim);
    let pages = api.walk_jobs(&[("page[limit]", "100")]).await;
    assert_eq!(pages.len(), 100);
    assert_eq!(sim.stats().requests("GET /admin/jobs"), 100);
    let ids = job_ids(&pages);
    let truth = sim.jobs();
    assert_eq!(as_set(&ids), ids_where(&truth, |_| true));
    // The default order is newest start first.
    let starts: Vec<String> = pages
        .iter()
        .flat_map(|p| p["data"].as_array().cloned().unwrap_or_default())
        .map(|job| {
            job["attributes"]["startTime"]
                .as_str()
                .expect("startTime")
                .to_owned()
        })
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] >= w[1]),
        "not sorted by -startTime"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn filters_return_exactly_the_matching_jobs() {
    let sim = Server::builder()
        .jobs(4_000)
        .clients(150)
        .seed(9)
        .now(fixed_now())
        .spawn()
        .await
        .expect("sim starts");
    let api = Api::new(&sim);
    let truth = sim.jobs();
    let mut updates: Vec<jiff::Timestamp> = truth.iter().map(|job| job.last_update_time).collect();
    updates.sort();
    let x = updates[updates.len() / 2];
    let y = updates[updates.len() * 9 / 10];
    let end_x = fixed_now() - jiff::SignedDuration::from_hours(6);
    let client = truth[truth.len() / 3].client_name.clone();

    type Case = (String, Box<dyn Fn(&JobInfo) -> bool>);
    let cases: Vec<Case> = vec![
        (
            format!("lastUpdateTime ge {}", iso(x)),
            Box::new(move |j: &JobInfo| j.last_update_time >= x),
        ),
        (
            format!(
                "lastUpdateTime ge {} and lastUpdateTime lt {}",
                iso(x),
                iso(y)
            ),
            Box::new(move |j: &JobInfo| j.last_update_time >= x && j.last_update_time < y),
        ),
        (
            format!("endTime gt {}", iso(end_x)),
            Box::new(move |j: &JobInfo| j.end_time.is_some_and(|e| e > end_x)),
        ),
        (
            format!("startTime le {} and state eq 'DONE'", iso(x)),
            Box::new(move |j: &JobInfo| j.start_time <= x && j.state == "DONE"),
        ),
        (
            "state eq 'ACTIVE' or state eq 'QUEUED'".into(),
            Box::new(|j: &JobInfo| matches!(j.state, "ACTIVE" | "QUEUED")),
        ),
        (
            "jobType eq 'BACKUP' and status ne 0 and state eq 'DONE'".into(),
            Box::new(|j: &JobInfo| j.job_type == "BACKUP" && j.status != 0 && j.state == "DONE"),
        ),
        (
            "status eq 196 or status eq 50".into(),
            Box::new(|j: &JobInfo| matches!(j.status, 196 | 50)),
        ),
        (
            format!("clientName eq '{client}'"),
            Box::new(move |j: &JobInfo| j.client_name == client),
        ),
        (
            "policyType eq 'VMWARE' and not (jobType eq 'SNAPSHOT')".into(),
            Box::new(|j: &JobInfo| j.policy_type == "VMWARE" && j.job_type != "SNAPSHOT"),
        ),
        (
            "contains(policyName,'SQL') and state ne 'DONE'".into(),
            Box::new(|j: &JobInfo| j.policy_name.contains("SQL") && j.state != "DONE"),
        ),
    ];
    for (filter, keep) in &cases {
        let expected = ids_where(&truth, keep);
        for sort in ["-startTime", "lastUpdateTime", "-lastUpdateTime", "jobId"] {
            let pages = api
                .walk_jobs(&[("page[limit]", "100"), ("filter", filter), ("sort", sort)])
                .await;
            assert_eq!(
                as_set(&job_ids(&pages)),
                expected,
                "filter {filter:?} sort {sort}"
            );
            let expected_pages = expected.len().div_ceil(100).max(1);
            assert_eq!(
                pages.len(),
                expected_pages,
                "filter {filter:?} sort {sort}: a page too many or too few"
            );
        }
        let count = api
            .post(
                "/admin/jobs-count-requests",
                &json!({"data": {"type": "jobCount", "attributes": {"filter": filter}}}),
            )
            .await;
        assert_eq!(count.status, 200, "{}", count.text);
        assert_eq!(
            count.json()["data"]["attributes"]["count"],
            expected.len(),
            "count of {filter:?}"
        );
    }
    assert!(cases.len() >= 10);
    sim.shutdown().await;
}

#[tokio::test]
async fn sorts_and_backward_pages_follow_the_cursor() {
    let sim = small(Release::V11_2).spawn().await.expect("sim starts");
    let api = Api::new(&sim);
    let ascending = job_ids(
        &api.walk_jobs(&[("page[limit]", "50"), ("sort", "jobId")])
            .await,
    );
    assert!(ascending.windows(2).all(|w| w[0] < w[1]));
    let by_update = api
        .walk_jobs(&[("page[limit]", "100"), ("sort", "-lastUpdateTime")])
        .await;
    let updates: Vec<String> = by_update
        .iter()
        .flat_map(|p| p["data"].as_array().cloned().unwrap_or_default())
        .map(|job| {
            job["attributes"]["lastUpdateTime"]
                .as_str()
                .expect("lastUpdateTime")
                .to_owned()
        })
        .collect();
    assert!(updates.windows(2).all(|w| w[0] >= w[1]));

    // page[before] with page 2's prev cursor gives page 1 back.
    let first = api.get("/admin/jobs?page[limit]=20").await.json();
    let next = first["meta"]["pagination"]["next"]
        .as_str()
        .expect("next")
        .to_owned();
    assert!(
        first["meta"]["pagination"].get("prev").is_none(),
        "the first page has no prev"
    );
    let second = api
        .get_query(
            "/admin/jobs",
            &[("page[limit]", "20"), ("page[after]", &next)],
        )
        .await
        .json();
    let prev = second["meta"]["pagination"]["prev"]
        .as_str()
        .expect("prev")
        .to_owned();
    let back = api
        .get_query(
            "/admin/jobs",
            &[("page[limit]", "20"), ("page[before]", &prev)],
        )
        .await
        .json();
    assert_eq!(job_ids(&[back]), job_ids(std::slice::from_ref(&first)));
    // Each item carries its own cursor, and the last one is the page's next.
    assert_eq!(
        first["data"][19]["meta"]["page"]["cursor"].as_str(),
        Some(next.as_str())
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_paging_and_filters_are_rejected_like_a_real_server() {
    let sim = small(Release::V11_2).spawn().await.expect("sim starts");
    let api = Api::new(&sim);
    let cases = [
        ("page[offset]=0", "page[offset]"),
        ("page[limit]=101", "page[limit]"),
        ("page[limit]=-1", "page[limit]"),
        ("page[limit]=ten", "page[limit]"),
        ("page[after]=not-a-cursor", "cursor"),
        ("page[after]=0123456789abcdef0123", "cursor"),
        ("sort=policyFoo", "sort"),
        ("filter=state%20eq%20'RUNNING'", "RUNNING"),
        ("filter=startTime%20ge%20'2025-01-01T00:00:00Z'", "unquoted"),
        ("filter=policyName%20eq%20'x'", "policyName"),
        ("filter=state%20eq", "invalid filter"),
    ];
    for (query, mentions) in cases {
        let answer = api.get(&format!("/admin/jobs?{query}")).await;
        let message = answer.error_message(400);
        assert!(message.contains(mentions), "{query}: {message}");
    }
    // A cursor from another sort order is refused too.
    let page = api
        .get("/admin/jobs?page[limit]=5&sort=lastUpdateTime")
        .await
        .json();
    let cursor = page["meta"]["pagination"]["next"]
        .as_str()
        .expect("next")
        .to_owned();
    let answer = api
        .get_query("/admin/jobs", &[("page[after]", &cursor)])
        .await;
    assert!(answer.error_message(400).contains("sort order"));
    assert_eq!(api.get("/admin/jobs?page[limit]=100").await.status, 200);
    assert!(
        api.get("/admin/jobs/abc")
            .await
            .error_message(400)
            .contains("jobId")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn incremental_walks_survive_live_changes() {
    let sim = Server::builder()
        .jobs(3_000)
        .seed(5)
        .now(fixed_now())
        .spawn()
        .await
        .expect("sim starts");
    let api = Api::new(&sim);
    let since = fixed_now() - jiff::SignedDuration::from_hours(2);
    let filter = format!("lastUpdateTime ge {}", iso(since));
    let query = [
        ("page[limit]", "100"),
        ("filter", filter.as_str()),
        ("sort", "lastUpdateTime"),
    ];

    // Read one page, let the estate move, then continue from the cursor.
    let first = api.get_query("/admin/jobs", &query).await.json();
    let cursor = first["meta"]["pagination"]["next"]
        .as_str()
        .expect("next")
        .to_owned();
    let changed = sim.apply_changes(150);
    assert!(changed > 0);
    let mut seen = job_ids(&[first]);
    let mut after = Some(cursor);
    while let Some(cursor) = after {
        let mut pairs = query.to_vec();
        pairs.push(("page[after]", &cursor));
        let page = api.get_query("/admin/jobs", &pairs).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let page = page.json();
        seen.extend(job_ids(std::slice::from_ref(&page)));
        after = page["meta"]["pagination"]["next"]
            .as_str()
            .map(str::to_owned);
    }
    // Every job updated since `since` is seen; jobs changed after the first page may be seen twice
    // (once before, once at their new place at the end), as with a real server.
    let truth = sim.jobs();
    let expected = ids_where(&truth, |job| job.last_update_time >= since);
    let seen_set: BTreeSet<u64> = seen.iter().copied().collect();
    assert_eq!(seen_set, expected);

    // The changed jobs are exactly those updated at the simulator's "now".
    let now = sim.now();
    let recent = api
        .get_query(
            "/admin/jobs",
            &[
                ("page[limit]", "100"),
                ("filter", &format!("lastUpdateTime ge {}", iso(now))),
            ],
        )
        .await
        .json();
    let recent_ids = as_set(&job_ids(&[recent]));
    assert_eq!(
        recent_ids,
        ids_where(&truth, |job| job.last_update_time >= now)
    );
    assert!(
        recent_ids.len() >= changed,
        "{} < {changed}",
        recent_ids.len()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn same_seed_same_estate() {
    let a = small(Release::V11_2).spawn().await.expect("sim starts");
    let b = small(Release::V11_2).spawn().await.expect("sim starts");
    assert_eq!(a.jobs(), b.jobs());
    let attributes = |page: serde_json::Value| {
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|j| j["attributes"].clone())
            .collect::<Vec<_>>()
    };
    let page_a = Api::new(&a).get("/admin/jobs?page[limit]=100").await.json();
    let page_b = Api::new(&b).get("/admin/jobs?page[limit]=100").await.json();
    assert_eq!(attributes(page_a), attributes(page_b));
    let c = small(Release::V11_2)
        .seed(43)
        .spawn()
        .await
        .expect("sim starts");
    assert_ne!(a.jobs(), c.jobs());
}

#[tokio::test]
async fn live_mode_starts_jobs_as_time_passes() {
    let sim = Server::builder()
        .jobs(500)
        .seed(8)
        .jobs_per_minute(6_000.0)
        .spawn()
        .await
        .expect("sim starts");
    let before = sim.jobs().len();
    // The ticker runs every second; wait for its second tick (100 new jobs at 6,000 per minute).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while sim.jobs().len() < before + 50 {
        assert!(
            std::time::Instant::now() < deadline,
            "live mode started no jobs"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let newest = sim.jobs().into_iter().last().expect("jobs");
    assert!(matches!(newest.state, "ACTIVE" | "QUEUED"), "{newest:?}");
    assert!(newest.start_time >= sim.now() - jiff::SignedDuration::from_secs(5));
}

/// A client that takes its watermark from `Date` (as NetBackup clients may) must find every later
/// change stamped at or after it: the header and the job records read one clock, even with a
/// history that ends years before the wall clock.
#[tokio::test]
async fn the_date_header_and_job_updates_share_one_clock() {
    let sim = small(Release::V11_2).spawn().await.expect("sim starts");
    let api = Api::new(&sim);
    let page = api.get("/admin/jobs?page[limit]=1").await;
    assert_eq!(page.status, 200, "{}", page.text);
    let date = page.header("date").expect("a Date header");
    let date = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(date)
        .expect("an HTTP date");
    let drift = date.duration_since(fixed_now()).abs();
    assert!(
        drift < jiff::SignedDuration::from_secs(60),
        "Date {date} is far from the simulated now {}",
        fixed_now()
    );

    assert!(sim.apply_changes(20) > 0);
    let changed_earlier = sim
        .jobs()
        .into_iter()
        .filter(|job| job.last_update_time > fixed_now() && job.last_update_time < date)
        .count();
    assert_eq!(
        changed_earlier, 0,
        "a change made after the page must not be stamped before its Date"
    );
    let newest = sim
        .jobs()
        .into_iter()
        .map(|job| job.last_update_time)
        .max()
        .expect("jobs");
    assert!(newest >= date, "the changes are stamped at or after {date}");
    sim.shutdown().await;
}
