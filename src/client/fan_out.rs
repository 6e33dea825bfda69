//! Asking every source at once, on std threads, and keeping each answer with its source.

use std::sync::Arc;

use crate::Result;
use crate::repository::SourceRepository;

/// What one source answered.
#[derive(Debug, Clone)]
pub struct SourceResult<T> {
    /// The source's name.
    pub source: String,
    /// Its answer or its failure.
    pub result: Result<T>,
}

/// Runs `operation` on every source concurrently (one scoped thread per source beyond the
/// first) and returns the answers in source order.
pub(crate) fn fan_out<T, F>(sources: &[Arc<SourceRepository>], operation: F) -> Vec<SourceResult<T>>
where
    T: Send,
    F: Fn(&SourceRepository) -> Result<T> + Sync,
{
    let answer = |source: &SourceRepository| SourceResult {
        source: source.name().to_string(),
        result: operation(source),
    };
    let Some((first, rest)) = sources.split_first() else {
        return Vec::new();
    };
    if rest.is_empty() {
        return vec![answer(first)];
    }
    std::thread::scope(|scope| {
        let answer = &answer;
        let handles: Vec<_> = rest
            .iter()
            .map(|source| {
                let spawned = std::thread::Builder::new()
                    .name("rnuget-source".into())
                    .spawn_scoped(scope, move || answer(source));
                (source, spawned)
            })
            .collect();
        // The calling thread does the first source's work instead of waiting idle.
        let mut answers = vec![answer(first)];
        for (source, spawned) in handles {
            answers.push(match spawned {
                // A panic is a bug in a provider: pass it on to the caller's boundary.
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                // No thread to be had: do the work here.
                Err(_) => answer(source),
            });
        }
        answers
    })
}
