//! The embedded demo feed: a loopback V3 feed of packages rnuget builds itself, so that the main
//! job runs offline. The [`server`] and [`DemoFeed`] are also what the tests and benchmarks use.
//!
//! ```no_run
//! let feed = rnuget::demo::DemoFeed::start()?;
//! println!("point a client at {}", feed.index_url());
//! # Ok::<(), std::io::Error>(())
//! ```

mod catalog;
mod documents;
mod feed;
mod nuspec;
pub mod packages;
mod search;
pub mod server;

pub use catalog::FeedPackage;
pub use documents::PageLayout;
pub use feed::{DemoFeed, DemoFeedBuilder, write_package_file};
pub use packages::{DemoDependency, DemoDependencyGroup, DemoPackage, demo_packages};
pub use server::LoopbackServer;
