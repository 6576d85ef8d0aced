//! The checkout model's closed form: the exact error-page rate of a
//! configuration with constant or drifting skews and periodic polls (see
//! [`super::exact`] and `docs/statistics.md`, "Closed forms in the tail"),
//! and the back-of-envelope report built on it.

use super::config::{Arrivals, CheckoutConfig, expected_users};
use super::exact;
use super::log::RequestLog;
use crate::model::BackOfEnvelope;
use crate::time::SimDuration;

/// The closed form's results.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClosedForm {
    /// Expected error-page rate.
    pub error_rate: f64,
    /// The same with ideal clocks.
    pub error_rate_ideal: f64,
    /// Probability that a record is moved before `t_paid + grace`.
    pub early_rate: f64,
    /// Skew at t = 0 (transfer minus stamp), seconds.
    pub skew0: f64,
    /// Skew change per second (drift difference), s/s.
    pub skew_slope: f64,
    /// What was integrated numerically rather than in closed form, if
    /// anything: the move delay (both latencies random), the horizon (a
    /// drifting skew), or both.
    pub quadrature: Option<&'static str>,
    /// True when no error page can happen at all: the redirect latency's
    /// support ends before the shortest wait the skew allows.
    pub impossible: bool,
}

/// The exact back-of-envelope (see [`exact`] and the project's
/// `docs/statistics.md`, "Closed forms in the tail"): with a wait
/// `w = max(0, g - s)` between payment and eligibility,
/// `P(error | w) = E_D[C_L(w + D) - C_L(w + D + P)] / P`, averaged (with
/// drift) over the arrival-weighted horizon by adaptive quadrature. `Err`
/// says why it does not apply.
pub fn closed_form(cfg: &CheckoutConfig) -> Result<ClosedForm, String> {
    let mut skew0 = 0.0;
    let mut slope = 0.0;
    for (i, spec) in cfg.clocks.iter().enumerate() {
        let sign = if i == cfg.transfer && i == cfg.stamp {
            0.0
        } else if i == cfg.transfer {
            1.0
        } else if i == cfg.stamp {
            -1.0
        } else {
            0.0
        };
        if sign == 0.0 {
            continue;
        }
        if spec.sync.is_some() {
            return Err(format!(
                "host `{}` synchronises its clock; the closed form assumes a constant or drifting skew",
                cfg.hosts[i]
            ));
        }
        if spec.wander_ppm != 0.0 {
            return Err(format!("host `{}` has clock wander", cfg.hosts[i]));
        }
        if !spec.steps.is_empty() {
            return Err(format!("host `{}` has scheduled clock steps", cfg.hosts[i]));
        }
        let off = spec.offset.as_constant().ok_or_else(|| {
            format!(
                "host `{}` draws its offset from a distribution",
                cfg.hosts[i]
            )
        })?;
        let drift = spec.drift_ppm.as_constant().ok_or_else(|| {
            format!(
                "host `{}` draws its drift from a distribution",
                cfg.hosts[i]
            )
        })?;
        skew0 += sign * off.as_secs_f64();
        slope += sign * drift * 1e-6;
    }
    if cfg.poll_jitter.as_constant() != Some(SimDuration::ZERO) {
        return Err("polls have jitter; the closed form assumes periodic polls".into());
    }
    if cfg.batch_limit != 0 {
        return Err("a batch limit can delay selection; the closed form assumes none".into());
    }
    let g = cfg.grace.as_secs_f64();
    let k = kernel(cfg);
    let wait = |s: f64| (g - s).max(0.0);
    let (rate, early) = if slope == 0.0 {
        (k.error(wait(skew0)), k.early(wait(skew0)))
    } else {
        // the arrival-weighted average over the horizon, by adaptive
        // quadrature in time: split at every hour (the profile's steps) or
        // into 64 pieces, and where the skew crosses the grace (the kink)
        let h = cfg.horizon.as_secs_f64();
        let profile = match &cfg.arrivals {
            Arrivals::Poisson {
                profile: Some(w), ..
            } => Some(*w),
            _ => None,
        };
        let mut points: Vec<f64> = match profile {
            Some(_) => (0..)
                .map(|i| f64::from(i) * 3600.0)
                .take_while(|t| *t < h)
                .collect(),
            None => (0..64).map(|i| h * f64::from(i) / 64.0).collect(),
        };
        let kink = (g - skew0) / slope;
        if kink > 0.0 && kink < h {
            points.push(kink);
        }
        points.push(h);
        points.sort_by(f64::total_cmp);
        points.dedup();
        let weight = |t: f64| match &profile {
            Some(w) => w[((t / 3600.0) as usize) % 24],
            None => 1.0,
        };
        // the weight is constant on each hour, so every piece holds one
        let integral = |f: &dyn Fn(f64) -> f64| {
            crate::dist::quad::integrate(
                &mut |t| weight(t) * f(wait(skew0 + slope * t)),
                &points,
                1e-10,
                0.0,
            )
            .value
        };
        let total = integral(&|_| 1.0);
        (
            integral(&|w| k.error(w)) / total,
            integral(&|w| k.early(w)) / total,
        )
    };
    let quadrature = match (k.quadrature(), slope != 0.0) {
        (true, true) => Some("the move delay and the horizon"),
        (true, false) => Some("the move delay"),
        (false, true) => Some("the horizon"),
        (false, false) => None,
    };
    // the shortest wait over the horizon
    let min_wait = if slope == 0.0 {
        wait(skew0)
    } else {
        wait(skew0).min(wait(skew0 + slope * cfg.horizon.as_secs_f64()))
    };
    Ok(ClosedForm {
        error_rate: rate,
        error_rate_ideal: k.error(wait(0.0)),
        early_rate: early,
        skew0,
        skew_slope: slope,
        quadrature,
        impossible: k.impossible_beyond(min_wait),
    })
}

/// The error kernel of a configuration.
pub(crate) fn kernel(cfg: &CheckoutConfig) -> exact::Kernel<'_> {
    exact::Kernel::new(
        &cfg.redirect_latency.0,
        &cfg.move_delay.0,
        cfg.poll_interval.as_secs_f64(),
        cfg.grace.as_secs_f64(),
    )
}

/// The back-of-envelope as `racesim estimate` prints it.
pub fn back_of_envelope(cfg: &CheckoutConfig) -> BackOfEnvelope {
    back_of_envelope_for(cfg, None)
}

/// [`back_of_envelope`] of a configuration that may replay a request log:
/// the log's logged redirect latencies are the empirical law `L` (their
/// configuration's `redirect_latency`, see [`RequestLog::marginal`]), and
/// its expected users are counted from its rows.
pub(super) fn back_of_envelope_for(
    cfg: &CheckoutConfig,
    log: Option<&RequestLog>,
) -> BackOfEnvelope {
    let mut r = BackOfEnvelope::default();
    r.notes.push(
        "P(error | wait w) = E_D[C_L(w + D) - C_L(w + D + P)] / P, w = max(0, g - s), C_L(c) = E[(L - c)^+] the stop-loss transform of L (exact in the tail)"
            .into(),
    );
    r.notes.push(format!(
        "g = grace {}, P = poll_interval {}, D = move_delay, L = redirect_latency",
        cfg.grace, cfg.poll_interval
    ));
    if let Some(log) = log {
        r.notes.push(log.envelope_note());
    }
    match closed_form(cfg) {
        Ok(e) => {
            r.notes.push(format!(
                "s = skew (transfer clock minus stamp clock) = {} at t = 0{}",
                SimDuration::from_secs_f64(e.skew0),
                if e.skew_slope != 0.0 {
                    format!(", changing {:+.3} ppm", e.skew_slope * 1e6)
                } else {
                    String::new()
                }
            ));
            if let Some(what) = e.quadrature {
                r.notes.push(format!(
                    "no closed form over {what}: integrated by adaptive Gauss-Kronrod quadrature (relative error below 1e-10, controlled in the tail)"
                ));
            }
            if e.impossible {
                r.notes.push(
                    "0, impossible under these distributions: the redirect latency never exceeds the shortest wait plus the move delay".into(),
                );
            }
            let users = log.map_or_else(|| expected_users(cfg), RequestLog::expected_users);
            r.figures
                .push(("error_page_rate".into(), e.error_rate, String::new()));
            r.figures.push((
                "skew_error_rate".into(),
                e.error_rate - e.error_rate_ideal,
                String::new(),
            ));
            r.figures
                .push(("users".into(), users, "per replication".into()));
            r.figures.push((
                "error_pages".into(),
                e.error_rate * users,
                "per replication".into(),
            ));
            r.figures.push((
                "early_moves".into(),
                e.early_rate * users,
                "per replication".into(),
            ));
        }
        Err(why) => r.not_applicable = Some(why),
    }
    r
}
