//! Statistics behind the observation report: robust spike detection and trend tests.
//!
//! Pure functions over plain `f64` series, no I/O and no DataFusion, so they are easy to
//! check by hand and reusable by the live detectors:
//!
//! - [`spikes`]: points far above a robust baseline (median and MAD over a trailing
//!   window, optionally blended with the same hour-of-week in previous weeks), with
//!   contiguous flagged points merged into one [`Spike`];
//! - [`mann_kendall`], [`theil_sen`] and [`rising`]: a monotonic-trend test with tie
//!   correction and a robust slope, as used for "services whose traffic is rising";
//! - [`normal_cdf`]: the standard normal CDF the trend test needs.
//!
//! ```
//! use kansoku_analyze::stats::{spikes, SpikeParams};
//! let mut hourly = vec![10.0, 12.0].repeat(48); // four quiet days
//! hourly.push(90.0);
//! let found = spikes(&hourly, &SpikeParams::hourly());
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].peak_index, 96);
//! ```

mod normal;
mod robust;
mod spike;
mod trend;

pub use normal::{erfc, normal_cdf};
pub use robust::{mad, median};
pub use spike::{Spike, SpikeParams, spikes};
pub use trend::{MannKendall, TheilSen, Trend, mann_kendall, rising, theil_sen};
