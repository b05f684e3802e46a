//! Rendered exposition of small fixtures. Each snapshot was read line by line against the Go
//! exporter's names and labels (the `anchor` module checks the same mechanically).

use nbu_metrics::{Exposition, FamilySet};

use crate::fixtures;

fn render_site(site: &str, set: &FamilySet) -> String {
    let mut exposition = Exposition::new();
    exposition.site(site, set);
    exposition.render()
}

#[test]
fn job_families_of_one_site() {
    let allowlist = vec!["db01.example.com".to_owned()];
    insta::assert_snapshot!("jobs", render_site("paris", &fixtures::job_set(&allowlist)));
}

#[test]
fn storage_families_of_one_site() {
    insta::assert_snapshot!("storage", render_site("paris", &fixtures::storage_set()));
}

#[test]
fn optional_families_of_one_site() {
    insta::assert_snapshot!("optional", render_site("paris", &fixtures::optional_set()));
}

/// Two sites (one with characters that need escaping), self-metrics built by the collector
/// through the generic API, and a global family without `site`.
#[test]
fn sites_merge_with_self_metrics_and_global_families() {
    let mut exposition = Exposition::new();
    for (site, up) in [("paris", 1.0), ("lab \"west\"\\2\nb", 0.0)] {
        let mut own = FamilySet::new();
        own.gauge("nbu_up", "1 when the site answered.")
            .push(vec![], up);
        own.gauge("nbu_api_version", "Negotiated API version (always 1).")
            .push(vec![("version", "13.0".to_owned())], 1.0);
        exposition.site(site, &own);
        let mut status = FamilySet::new();
        status.gauge("nbu_jobs_count", "Jobs in the window.").push(
            vec![
                ("action", "BACKUP".to_owned()),
                ("policy_type", "VMWARE".to_owned()),
                ("status", "0".to_owned()),
            ],
            3.0,
        );
        exposition.site(site, &status);
    }
    let mut global = FamilySet::new();
    global
        .gauge("nbu_exporter_build_info", "Build information (always 1).")
        .push(
            vec![
                ("version", "0.1.0".to_owned()),
                ("goversion", "rustc 1.88".to_owned()),
            ],
            1.0,
        );
    exposition.global(&global);
    insta::assert_snapshot!("two_sites", exposition.render());
}

#[test]
fn rendering_is_deterministic() {
    let allowlist = vec!["db01.example.com".to_owned()];
    let a = render_site("paris", &fixtures::job_set(&allowlist));
    let b = render_site("paris", &fixtures::job_set(&allowlist));
    assert_eq!(a, b);
}
