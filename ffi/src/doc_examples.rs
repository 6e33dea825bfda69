//! The JSON examples in the header's function docs must have the shape the functions produce.
//!
//! Each example (the indented block in a function's comment in `include/rnuget.h`) is parsed and
//! compared with what the function answers against the demo feed: the same keys in every object,
//! the same JSON types where both sides have a value. A field added to the model without a doc
//! update, or a doc example with a typo, fails here.

use std::collections::BTreeMap;
use std::ffi::{CStr, c_char};

use rnuget::demo::DemoFeed;
use serde_json::Value;

use crate::autocomplete::*;
use crate::cache::*;
use crate::client::*;
use crate::download::rnuget_client_download_to_file;
use crate::observability::rnuget_client_health_json;
use crate::options::{rnuget_client_options_free, rnuget_client_options_new};
use crate::resilience::*;
use crate::status::rnuget_status::{self, RNUGET_OK};
use crate::strings::rnuget_string_free;

/// Every JSON example in the header, by the function whose comment holds it.
fn header_examples() -> BTreeMap<String, Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../include/rnuget.h");
    let header = std::fs::read_to_string(path).expect("include/rnuget.h is readable");
    let mut examples = BTreeMap::new();
    let mut block = String::new();
    let mut pending: Option<Value> = None;
    for line in header.lines() {
        if let Some(code) = line.strip_prefix("//     ") {
            block.push_str(code);
            block.push('\n');
            continue;
        }
        if !block.is_empty() {
            let example = serde_json::from_str(&block)
                .unwrap_or_else(|err| panic!("header example is not JSON ({err}):\n{block}"));
            pending = Some(example);
            block.clear();
        }
        if let Some(name) = declared_function(line) {
            if let Some(example) = pending.take() {
                examples.insert(name, example);
            }
        }
    }
    examples
}

/// The function a header line declares, if any (`enum rnuget_status rnuget_x(...`).
fn declared_function(line: &str) -> Option<String> {
    if line.starts_with("//") {
        return None;
    }
    let open = line.find('(')?;
    let name = line[..open].rsplit([' ', '*']).next()?;
    name.starts_with("rnuget_").then(|| name.to_string())
}

/// Checks that `actual` has the shape of `example`; `path` names the place in messages.
fn same_shape(example: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (example, actual) {
        (Value::Null, _) | (_, Value::Null) => Ok(()),
        (Value::Object(want), Value::Object(got)) => {
            let want_keys: Vec<&String> = want.keys().collect();
            let got_keys: Vec<&String> = got.keys().collect();
            if want_keys != got_keys {
                return Err(format!(
                    "{path}: keys {want_keys:?} documented, {got_keys:?} produced"
                ));
            }
            want.iter()
                .try_for_each(|(key, value)| same_shape(value, &got[key], &format!("{path}.{key}")))
        }
        (Value::Array(want), Value::Array(got)) => want
            .iter()
            .zip(got)
            .enumerate()
            .try_for_each(|(i, (w, g))| same_shape(w, g, &format!("{path}[{i}]"))),
        (Value::String(_), Value::String(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::Bool(_), Value::Bool(_)) => Ok(()),
        _ => Err(format!("{path}: documented {example}, produced {actual}")),
    }
}

/// Takes an owned JSON string from the library and parses it.
fn take_json(status: rnuget_status, text: *mut c_char) -> Value {
    assert_eq!(status, RNUGET_OK, "{}", last_message());
    // SAFETY: on RNUGET_OK the function wrote a live string it owns to us; freed once below.
    let value = serde_json::from_str(unsafe { CStr::from_ptr(text) }.to_str().unwrap()).unwrap();
    // SAFETY: `text` came from the library and is not used again.
    unsafe { rnuget_string_free(text) };
    value
}

fn last_message() -> String {
    // SAFETY: the accessor returns a NUL-terminated string valid until the next call.
    let message = unsafe { CStr::from_ptr(crate::last_error::rnuget_last_error_message()) };
    message.to_string_lossy().into_owned()
}

/// Whatever each documented function answers against the demo feed, by function name; search
/// and autocomplete also ask a source that refuses connections (port 9 on loopback), so that
/// their examples' error entries are checked.
fn actual_documents(feed: &DemoFeed) -> Vec<(&'static str, Value)> {
    let good = std::ffi::CString::new(feed.index_url()).unwrap();
    let refused = c"http://127.0.0.1:9/v3/index.json";
    let sources = [good.as_ptr(), refused.as_ptr()];
    let mut both = std::ptr::null_mut();
    let mut client = std::ptr::null_mut();
    let mut documents = Vec::new();
    let dir = std::env::temp_dir().join(format!("rnuget-doc-examples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // SAFETY: every pointer handed over is a live local or string; results are freed by
    // take_json and the client is freed at the end.
    unsafe {
        let none = std::ptr::null();
        assert_eq!(
            rnuget_client_new(sources.as_ptr(), 2, none, &mut both),
            RNUGET_OK
        );
        assert_eq!(
            rnuget_client_new(sources.as_ptr(), 1, none, &mut client),
            RNUGET_OK
        );
        let mut out = std::ptr::null_mut();
        let status = rnuget_client_search(both, c"".as_ptr(), 0, 20, 3, &mut out);
        documents.push(("rnuget_client_search", take_json(status, out)));
        let status = rnuget_client_autocomplete_ids(both, c"demo".as_ptr(), 0, 20, 1, &mut out);
        documents.push(("rnuget_client_autocomplete_ids", take_json(status, out)));
        let core = c"Demo.Core".as_ptr();
        let status = rnuget_client_autocomplete_versions(both, core, 1, &mut out);
        documents.push((
            "rnuget_client_autocomplete_versions",
            take_json(status, out),
        ));
        crate::client::rnuget_client_free(both);
        for (id, versions) in feed.packages() {
            let id = std::ffi::CString::new(id).unwrap();
            let status = rnuget_client_list_versions(client, id.as_ptr(), &mut out);
            documents.push(("rnuget_client_list_versions", take_json(status, out)));
            let status = rnuget_client_get_metadata(client, id.as_ptr(), 3, &mut out);
            let all = take_json(status, out);
            for metadata in all.as_array().unwrap() {
                documents.push(("rnuget_client_get_version_metadata", metadata.clone()));
            }
            let version = std::ffi::CString::new(versions[0].0.clone()).unwrap();
            let path = std::ffi::CString::new(dir.join("p.nupkg").to_str().unwrap()).unwrap();
            let status = rnuget_client_download_to_file(
                client,
                id.as_ptr(),
                version.as_ptr(),
                path.as_ptr(),
                &mut out,
            );
            documents.push(("rnuget_client_download_to_file", take_json(status, out)));
        }
        crate::client::rnuget_client_free(client);

        // A client with both cache tiers, for the statistics.
        let mut options = std::ptr::null_mut();
        assert_eq!(rnuget_client_options_new(&mut options), RNUGET_OK);
        let cache_dir = std::ffi::CString::new(dir.join("cache").to_str().unwrap()).unwrap();
        let tiers = RNUGET_CACHE_MEMORY | RNUGET_CACHE_DISK;
        assert_eq!(
            rnuget_client_options_set_cache(options, tiers, cache_dir.as_ptr()),
            RNUGET_OK
        );
        let mut cached = std::ptr::null_mut();
        assert_eq!(
            rnuget_client_new(sources.as_ptr(), 1, options, &mut cached),
            RNUGET_OK
        );
        rnuget_client_options_free(options);
        let status = rnuget_client_list_versions(cached, c"Demo.Core".as_ptr(), &mut out);
        take_json(status, out);
        let status = rnuget_client_cache_stats(cached, &mut out);
        documents.push(("rnuget_client_cache_stats", take_json(status, out)));
        crate::client::rnuget_client_free(cached);

        // A client with a breaker and source limits, for their statistics.
        assert_eq!(rnuget_client_options_new(&mut options), RNUGET_OK);
        assert_eq!(
            rnuget_client_options_set_circuit_breaker(options, 5, 30_000, 1),
            RNUGET_OK
        );
        let no_name = std::ptr::null();
        assert_eq!(
            rnuget_client_options_set_source_limits(options, no_name, 100, 10, 4, 0),
            RNUGET_OK
        );
        let mut guarded = std::ptr::null_mut();
        assert_eq!(
            rnuget_client_new(sources.as_ptr(), 1, options, &mut guarded),
            RNUGET_OK
        );
        rnuget_client_options_free(options);
        let status = rnuget_client_list_versions(guarded, c"Demo.Core".as_ptr(), &mut out);
        take_json(status, out);
        // Both lists must hold an entry, or there would be no shape to compare.
        let status = rnuget_client_breaker_stats(guarded, &mut out);
        let breakers = take_json(status, out);
        assert_eq!(breakers.as_array().map(Vec::len), Some(1), "{breakers}");
        documents.push(("rnuget_client_breaker_stats", breakers));
        let status = rnuget_client_limiter_stats(guarded, &mut out);
        let limiters = take_json(status, out);
        assert_eq!(limiters.as_array().map(Vec::len), Some(1), "{limiters}");
        documents.push(("rnuget_client_limiter_stats", limiters));
        let status = rnuget_client_health_json(guarded, &mut out);
        documents.push(("rnuget_client_health_json", take_json(status, out)));
        crate::client::rnuget_client_free(guarded);
    }
    let _ = std::fs::remove_dir_all(&dir);
    documents
}

#[test]
fn header_json_examples_match_what_the_functions_produce() {
    let examples = header_examples();
    let feed = DemoFeed::start().expect("the demo feed starts");
    let mut checked = BTreeMap::<&str, usize>::new();
    for (function, actual) in actual_documents(&feed) {
        let example = examples
            .get(function)
            .unwrap_or_else(|| panic!("{function} has no JSON example in the header"));
        if let Err(difference) = same_shape(example, &actual, function) {
            panic!("the header's example for {function} is out of date: {difference}");
        }
        *checked.entry(function).or_default() += 1;
    }
    for function in examples.keys() {
        assert!(
            checked.contains_key(function.as_str()),
            "{function}'s example was not checked"
        );
    }
    println!("checked: {checked:?}");
}
