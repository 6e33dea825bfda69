//! The `host` label of the per-host metrics (retries, circuit breakers), capped. Hosts come from
//! URLs a feed hands out (resources, registration pages, package content), so without a cap a
//! hostile feed could add series without end, one per host it names.

use std::collections::HashSet;

use parking_lot::RwLock;

/// Most hosts given series of their own; later ones share [`OTHER_HOSTS`].
pub const MAX_HOST_LABELS: usize = 100;

/// The label of every host past the first [`MAX_HOST_LABELS`].
pub const OTHER_HOSTS: &str = "other";

/// The hosts that have series of their own: the first ones seen, up to the cap.
#[derive(Debug, Default)]
pub(crate) struct HostLabels {
    admitted: RwLock<HashSet<String>>,
}

impl HostLabels {
    /// `Some(host)` when `host` has series of its own (admitting it while there is room),
    /// `None` when it counts under [`OTHER_HOSTS`].
    pub fn own<'a>(&self, host: &'a str) -> Option<&'a str> {
        if self.admitted.read().contains(host) {
            return Some(host);
        }
        let mut admitted = self.admitted.write();
        if admitted.len() < MAX_HOST_LABELS {
            admitted.insert(host.to_string());
        }
        admitted.contains(host).then_some(host)
    }

    /// The label `host` is counted under.
    pub fn label<'a>(&self, host: &'a str) -> &'a str {
        self.own(host).unwrap_or(OTHER_HOSTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_hosts_keep_their_label_and_later_ones_share_one() {
        let labels = HostLabels::default();
        let hosts: Vec<String> = (0..MAX_HOST_LABELS + 5)
            .map(|i| format!("h{i}:443"))
            .collect();
        for host in &hosts {
            labels.label(host);
        }
        assert_eq!(labels.label(&hosts[0]), "h0:443");
        assert_eq!(
            labels.label(&hosts[MAX_HOST_LABELS - 1]),
            hosts[MAX_HOST_LABELS - 1]
        );
        assert_eq!(labels.label(&hosts[MAX_HOST_LABELS]), OTHER_HOSTS);
        assert_eq!(labels.own(&hosts[MAX_HOST_LABELS + 4]), None);
    }
}
