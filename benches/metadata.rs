//! Metadata of many packages from a loopback V3 feed, cold: rnuget against a baseline that only
//! does the same GETs with ureq and parses them as `serde_json::Value`.
//!
//! A run of either side starts cold: a new `Client` (rnuget) or a new `ureq::Agent` (baseline),
//! so the service index is fetched again and no connection is reused across runs. Both sides
//! make the same requests (checked before timing): the service index, then one registration
//! index per id. The ratio rnuget / baseline is the figure the goal is about (at most 1.5).
//! Runs alternate between the two sides and the ratio is taken per pair, so that a machine
//! shared with other work slows both alike.
//!
//! `cargo bench --bench metadata`; `RNUGET_BENCH_SHORT=1` for the quick CI run.

mod harness;

use std::hint::black_box;
use std::time::Instant;

use rnuget::client::Client;
use rnuget::demo::{DemoFeed, DemoPackage};
use rnuget::protocol::MetadataOptions;
use serde_json::Value;

/// Versions of each id: stable and prerelease, each with dependency groups, like a small
/// real package.
const VERSIONS: [&str; 4] = ["1.0.0", "1.1.0", "2.0.0-beta.1", "2.0.0"];

fn main() {
    if !harness::selected("metadata") {
        return;
    }
    let (ids, pairs) = if harness::short_mode() {
        (40, 5)
    } else {
        (200, 31)
    };
    let feed = DemoFeed::with_packages((0..ids).flat_map(packages)).expect("start the feed");
    let index_url = feed.index_url();
    let names: Vec<String> = (0..ids).map(id).collect();
    let requests = 1 + names.len();
    check_same_requests(&feed, &index_url, &names, requests);

    // Runs alternate (rnuget, baseline, rnuget, ...) so that both sides see the same load on a
    // shared machine; the ratio is taken per pair, then the median of the pairs is reported.
    let mut rnuget = Vec::new();
    let mut baseline = Vec::new();
    let mut ratios = Vec::new();
    for _ in 0..pairs {
        let ours = time(|| rnuget_run(&index_url, &names));
        let theirs = time(|| baseline_run(&index_url, &names));
        feed.server().clear_requests();
        rnuget.push(ours);
        baseline.push(theirs);
        ratios.push(ours / theirs);
    }
    let rps = |seconds: f64| requests as f64 / seconds;
    println!(
        "metadata of {ids} ids x {} versions, cold, {requests} requests per run, {pairs} pairs",
        VERSIONS.len()
    );
    println!(
        "metadata/rnuget Client::get_metadata        {:>8.0} requests/s  (median run {:.2} ms)",
        rps(median(&mut rnuget)),
        median(&mut rnuget) * 1e3
    );
    println!(
        "metadata/baseline ureq + serde_json::Value  {:>8.0} requests/s  (median run {:.2} ms)",
        rps(median(&mut baseline)),
        median(&mut baseline) * 1e3
    );
    let (low, high) = quartiles(&mut ratios);
    println!(
        "metadata/ratio rnuget time / baseline time: median {:.2} (quartiles {low:.2} .. {high:.2}); \
         goal: at most 1.5",
        median(&mut ratios)
    );
}

/// Seconds one call of `run` takes.
fn time(run: impl FnOnce()) -> f64 {
    let started = Instant::now();
    run();
    started.elapsed().as_secs_f64()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn quartiles(values: &mut [f64]) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    (values[values.len() / 4], values[values.len() * 3 / 4])
}

fn id(index: usize) -> String {
    format!("Bench.Package{index:03}")
}

fn packages(index: usize) -> Vec<DemoPackage> {
    VERSIONS
        .iter()
        .map(|version| {
            DemoPackage::new(&id(index), version)
                .with_tags(&["bench", "metadata"])
                .with_dependency(
                    Some(".NETStandard2.0"),
                    "Bench.Base",
                    Some("[1.0.0, 2.0.0)"),
                )
                .with_dependency(Some("net8.0"), "Bench.Base", Some("[1.2.0, )"))
                .with_downloads(1000)
        })
        .collect()
}

/// rnuget, cold: a new client, every version's metadata (prerelease included) of every id.
fn rnuget_run(index_url: &str, ids: &[String]) {
    let client = Client::for_sources(&[index_url]).expect("client");
    let options = MetadataOptions {
        include_prerelease: true,
        include_unlisted: true,
    };
    for id in ids {
        let found = client.get_metadata(id, &options).expect("metadata");
        assert_eq!(found.value.len(), VERSIONS.len());
        black_box(found);
    }
}

/// The baseline, cold: a new agent, the same GETs, parsed as untyped JSON.
fn baseline_run(index_url: &str, ids: &[String]) {
    let agent = ureq::Agent::new_with_defaults();
    let get = |url: &str| -> Value {
        let mut response = agent.get(url).call().expect("GET");
        let bytes = response.body_mut().read_to_vec().expect("body");
        serde_json::from_slice(&bytes).expect("JSON")
    };
    let index = get(index_url);
    let base = registrations_base(&index);
    for id in ids {
        let registration = get(&format!("{base}{}/index.json", id.to_lowercase()));
        assert_eq!(
            registration["items"][0]["items"].as_array().map(Vec::len),
            Some(VERSIONS.len())
        );
        black_box(registration);
    }
}

fn registrations_base(index: &Value) -> String {
    let resources = index["resources"].as_array().expect("resources");
    resources
        .iter()
        .find(|r| r["@type"] == "RegistrationsBaseUrl/3.6.0")
        .and_then(|r| r["@id"].as_str())
        .expect("RegistrationsBaseUrl/3.6.0")
        .to_string()
}

/// Both sides must make exactly the requests the comparison assumes.
fn check_same_requests(feed: &DemoFeed, index_url: &str, ids: &[String], expected: usize) {
    for (side, run) in [
        ("rnuget", rnuget_run as fn(&str, &[String])),
        ("baseline", baseline_run),
    ] {
        feed.server().clear_requests();
        run(index_url, ids);
        let made = feed.server().request_count();
        assert_eq!(
            made, expected,
            "{side} made {made} requests, expected {expected}"
        );
    }
    feed.server().clear_requests();
}
