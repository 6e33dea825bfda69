//! Conformance with NuGet.Frameworks: every row of `frameworks/frameworks.tsv` (what
//! `NuGetFramework.Parse` answers) is parsed by rnuget and every column compared.

use rnuget::framework::NuGetFramework;

use crate::support::{self, tsv};

/// What rnuget answers for one oracle column; `None` for a column this test does not know, which
/// fails the row so that a new column cannot pass unchecked.
fn column(framework: &NuGetFramework, name: &str) -> Option<String> {
    let flag = |b: bool| if b { "1" } else { "0" }.to_string();
    Some(match name {
        "framework" => framework.framework().to_string(),
        "version" => framework.version().to_string(),
        "profile" => framework.profile().to_string(),
        "platform" => framework.platform().to_string(),
        "platform_version" => framework.platform_version().to_string(),
        "short_folder_name" => framework
            .try_short_folder_name()
            .unwrap_or_else(|_| "<exception>".to_string()),
        "dotnet_framework_name" => framework.dotnet_framework_name(),
        "is_unsupported" => flag(framework.is_unsupported()),
        "is_any" => flag(framework.is_any()),
        "is_pcl" => flag(framework.is_pcl()),
        "is_specific" => flag(framework.is_specific()),
        _ => return None,
    })
}

/// NuGet writes a thrown exception as `<Type>`; rnuget's failure is compared as `<exception>`.
fn expected(cell: &str) -> &str {
    if cell.starts_with('<') && cell.ends_with("Exception>") {
        "<exception>"
    } else {
        cell
    }
}

fn check_row(row: &tsv::Row, columns: &[String]) -> Option<String> {
    let input = row.get("input");
    let parsed = NuGetFramework::parse(input);
    let framework = match (row.flag("ok"), parsed) {
        (true, Ok(framework)) => framework,
        (false, Err(_)) => return None,
        (true, Err(err)) => {
            return Some(format!(
                "line {}: {input:?}: rnuget failed: {err}",
                row.line
            ));
        }
        (false, Ok(f)) => {
            let thrown = row.get("framework");
            return Some(format!(
                "line {}: {input:?}: NuGet threw {thrown}, rnuget parsed {f:?}",
                row.line
            ));
        }
    };
    let differences: Vec<String> = columns
        .iter()
        .filter_map(|name| {
            let want = expected(row.get(name));
            match column(&framework, name) {
                Some(got) if got == want => None,
                Some(got) => Some(format!("{name}: got {got:?}, NuGet says {want:?}")),
                None => Some(format!("{name}: column unknown to this test")),
            }
        })
        .collect();
    (!differences.is_empty())
        .then(|| format!("line {}: {input:?}: {}", row.line, differences.join("; ")))
}

/// The column names, in file order.
fn header(path: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("oracle file is readable");
    let first = text.lines().next().unwrap_or("");
    first.split('\t').map(str::to_string).collect()
}

#[test]
fn parse_and_format_match_nuget_frameworks() {
    let Some(oracle) = support::oracle_dir() else {
        return;
    };
    let path = support::required_file(&oracle, "frameworks/frameworks.tsv");
    let table = tsv::Table::read(&path);
    let columns: Vec<String> = header(&path)
        .into_iter()
        .filter(|c| c != "input" && c != "ok")
        .collect();
    let mut diffs = tsv::Diffs::new("frameworks/frameworks.tsv");
    for row in table.rows() {
        diffs.check(check_row(&row, &columns));
    }
    assert!(
        table.len() >= 563,
        "frameworks.tsv has only {} rows",
        table.len()
    );
    diffs.finish();
}

#[test]
fn any_is_the_framework_of_groups_without_one() {
    let any = NuGetFramework::any();
    assert!(any.is_any() && !any.is_specific());
    assert_eq!(any.short_folder_name(), "any");
    assert_eq!(NuGetFramework::parse("ANY").unwrap(), any);
    assert_eq!(serde_json::to_string(&any).unwrap(), "\"any\"");
}

#[test]
fn errors_name_the_framework() {
    let err = NuGetFramework::parse("plat,Version=badversion").unwrap_err();
    assert_eq!(err.kind(), rnuget::ErrorKind::InvalidFramework);
    assert!(err.message().contains("plat,Version=badversion"), "{err}");
}
