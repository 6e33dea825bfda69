//! `../shared/oracle/protocol/registrations.jsonl`: what NuGet.Protocol's
//! `PackageMetadataResource.GetMetadataAsync` returns for each captured registration index
//! served as the registration hive of a live feed. rnuget serves the same captures the same way
//! (remote pages at their own `@id`s) and must give the same answer, field by field.

use std::collections::HashMap;
use std::path::Path;

use rnuget::protocol::v3::V3Provider;
use rnuget::protocol::{MetadataOptions, PackageMetadata};
use serde_json::Value;

use crate::support::captures::{
    CaptureFeed, CaptureRow, capture_rows, serve_registration, serve_registration_feed_index,
};
use crate::support::tsv::Diffs;
use crate::support::{corpus_dir, oracle_dir, required_file};

#[test]
fn metadata_agrees_with_nuget_protocol() {
    let (Some(oracle), Some(corpus)) = (oracle_dir(), corpus_dir()) else {
        return;
    };
    let path = required_file(&oracle, "protocol/registrations.jsonl");
    let text = std::fs::read_to_string(&path).expect("oracle file reads");
    let rows = capture_rows(&corpus);
    let mut diffs = Diffs::new("protocol/registrations.jsonl");
    let mut per_capture: Vec<(String, usize)> = Vec::new();
    let mut feeds: HashMap<String, (CaptureFeed, V3Provider)> = HashMap::new();
    for (line, record) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let record: Value = serde_json::from_str(record).expect("oracle lines are JSON");
        let capture = record["capture"].as_str().unwrap_or("").to_string();
        let id = record["id"].as_str().unwrap_or("");
        let label = format!("line {} {capture}", line + 1);
        if !feeds.contains_key(&capture) {
            match start_feed(&corpus, &rows, &capture, id) {
                Ok(feed) => {
                    feeds.insert(capture.clone(), feed);
                }
                Err(err) => {
                    diffs.check(Some(format!("{label}: {err}")));
                    continue;
                }
            }
        }
        let (feed, provider) = &feeds[&capture];
        let before = diffs_len(&per_capture, &capture);
        let found = check_record(&record, id, feed, provider, &label, &mut diffs);
        add(&mut per_capture, &capture, before + found);
    }
    for (capture, count) in &per_capture {
        eprintln!("  {capture}: {count} fields differ");
    }
    diffs.finish();
}

fn diffs_len(per_capture: &[(String, usize)], capture: &str) -> usize {
    per_capture
        .iter()
        .find(|(c, _)| c == capture)
        .map_or(0, |(_, n)| *n)
}

fn add(per_capture: &mut Vec<(String, usize)>, capture: &str, count: usize) {
    match per_capture.iter_mut().find(|(c, _)| c == capture) {
        Some(entry) => entry.1 = count,
        None => per_capture.push((capture.to_string(), count)),
    }
}

fn start_feed(
    corpus: &Path,
    rows: &[CaptureRow],
    capture: &str,
    id: &str,
) -> Result<(CaptureFeed, V3Provider), String> {
    let feed = CaptureFeed::start();
    serve_registration(&feed, corpus, rows, capture, id)?;
    serve_registration_feed_index(&feed);
    let provider = feed.provider();
    Ok((feed, provider))
}

/// Checks one oracle record; returns how many fields differed.
fn check_record(
    record: &Value,
    id: &str,
    feed: &CaptureFeed,
    provider: &V3Provider,
    label: &str,
    diffs: &mut Diffs,
) -> usize {
    let mut differ = 0;
    let mut check = |what: String, got: Value, want: &Value| {
        let diff = (&got != want).then(|| format!("{label} {what}: got {got}, NuGet says {want}"));
        differ += usize::from(diff.is_some());
        diffs.check(diff);
    };
    let result = &record["result"];
    if record["call"] == "versions" {
        match provider.list_versions(id) {
            Ok(versions) => {
                let got: Vec<String> = versions.iter().map(|v| v.to_normalized_string()).collect();
                check("versions".into(), Value::from(got), result);
            }
            Err(err) => check("versions".into(), Value::from(err.to_string()), result),
        }
        return differ;
    }
    let options = MetadataOptions {
        include_prerelease: record["include_prerelease"] == true,
        include_unlisted: record["include_unlisted"] == true,
    };
    let tag = format!(
        "[prerelease={} unlisted={}]",
        options.include_prerelease, options.include_unlisted
    );
    let got = provider.get_metadata(id, &options);
    if result.get("error").is_some() {
        // NuGet itself threw here; rnuget may do better, but must answer without crashing.
        eprintln!(
            "  {label} {tag}: NuGet threw {}; rnuget: {}",
            result["error"],
            match &got {
                Ok(items) => format!("{} versions", items.len()),
                Err(err) => err.to_string(),
            }
        );
        diffs.check(None);
        return differ;
    }
    let got = match got {
        Ok(got) => got,
        Err(err) => {
            check(format!("{tag} call"), Value::from(err.to_string()), result);
            return differ;
        }
    };
    let want = result.as_array().cloned().unwrap_or_default();
    let got_versions: Vec<String> = got
        .iter()
        .map(|m| m.version.to_normalized_string())
        .collect();
    let want_versions: Vec<String> = want
        .iter()
        .map(|w| w["version"].as_str().unwrap_or("").to_string())
        .collect();
    if got_versions != want_versions {
        check(
            format!("{tag} versions"),
            Value::from(got_versions),
            &Value::from(want_versions),
        );
        return differ;
    }
    for (metadata, want) in got.iter().zip(&want) {
        let got = restore_strings(Value::Object(as_nuget_json(metadata)), feed);
        let got = got.as_object().cloned().unwrap_or_default();
        for (field, want_value) in want.as_object().into_iter().flatten() {
            let got_value = got
                .get(field)
                .cloned()
                .unwrap_or(Value::String("<absent>".into()));
            let what = format!("{tag} {} {field}", metadata.version.to_normalized_string());
            check(
                what,
                normalize(field, got_value),
                &normalize(field, want_value.clone()),
            );
        }
    }
    differ
}

/// rnuget's metadata in the oracle's shape. Authors and tags are lists in rnuget and one string
/// in NuGet; both sides are compared as lists (see [`normalize`]).
fn as_nuget_json(m: &PackageMetadata) -> serde_json::Map<String, Value> {
    let url = |u: &Option<String>| u.as_deref().map(Value::from).unwrap_or(Value::Null);
    let list_or_null = |l: &[String]| {
        if l.is_empty() {
            Value::Null
        } else {
            Value::from(l.join(", "))
        }
    };
    let groups: Vec<Value> = m
        .dependency_groups
        .iter()
        .map(|g| {
            let deps: Vec<Value> = g
                .dependencies
                .iter()
                .map(|d| serde_json::json!({"id": d.id, "range": d.range.to_normalized_string()}))
                .collect();
            serde_json::json!({"framework": g.target_framework.short_folder_name(), "dependencies": deps})
        })
        .collect();
    let deprecation = m.deprecation.as_ref().map_or(Value::Null, |d| {
        let alternate = d.alternate_package.as_ref().map_or(
            Value::Null,
            |a| serde_json::json!({"id": a.id, "range": a.range.to_normalized_string()}),
        );
        serde_json::json!({"message": d.message, "reasons": d.reasons, "alternate": alternate})
    });
    let vulnerabilities = if m.vulnerabilities.is_empty() {
        Value::Null
    } else {
        m.vulnerabilities
            .iter()
            .map(|v| serde_json::json!({"advisory_url": v.advisory_url, "severity": v.severity}))
            .collect()
    };
    let license = m.license_expression.as_ref().map_or(
        Value::Null,
        |e| serde_json::json!({"type": "Expression", "value": e}),
    );
    let mut out = serde_json::Map::new();
    out.insert("id".into(), Value::from(m.id.clone()));
    out.insert(
        "version".into(),
        Value::from(m.version.to_normalized_string()),
    );
    out.insert(
        "version_full".into(),
        Value::from(m.version.to_full_string()),
    );
    out.insert("title".into(), Value::from(m.title.clone()));
    out.insert("authors".into(), Value::from(m.authors.join(", ")));
    out.insert("owners".into(), list_or_null(&m.owners));
    out.insert("description".into(), Value::from(m.description.clone()));
    out.insert("summary".into(), Value::from(m.summary.clone()));
    out.insert("tags".into(), Value::from(m.tags.join(", ")));
    out.insert("listed".into(), Value::from(m.listed));
    out.insert("published".into(), Value::from(m.published.clone()));
    out.insert("project_url".into(), url(&m.project_url));
    out.insert("icon_url".into(), url(&m.icon_url));
    out.insert("license_url".into(), url(&m.license_url));
    out.insert(
        "require_license_acceptance".into(),
        Value::from(m.require_license_acceptance),
    );
    out.insert("download_count".into(), Value::from(m.download_count));
    out.insert("license".into(), license);
    out.insert("dependency_groups".into(), Value::from(groups));
    out.insert("deprecation".into(), deprecation);
    out.insert("vulnerabilities".into(), vulnerabilities);
    out
}

/// Every string with the capture's own URLs put back.
fn restore_strings(value: Value, feed: &CaptureFeed) -> Value {
    match value {
        Value::String(s) => Value::String(feed.restore_text(&s)),
        Value::Array(items) => items
            .into_iter()
            .map(|v| restore_strings(v, feed))
            .collect(),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, restore_strings(v, feed)))
                .collect(),
        ),
        other => other,
    }
}

/// NuGet joins a JSON array of authors or tags with `", "` and keeps a JSON string as written;
/// rnuget keeps the items. Both sides are compared as their items: split on commas (and, for
/// tags, spaces), trimmed, blanks dropped.
fn normalize(field: &str, value: Value) -> Value {
    let separators: &[char] = match field {
        "authors" => &[','],
        "tags" => &[',', ' '],
        _ => return value,
    };
    let text = value.as_str().unwrap_or("");
    let items: Vec<&str> = text
        .split(separators)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    Value::from(items)
}
