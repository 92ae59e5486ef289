//! Identical units aggregated into one integer unit per group (Knueven, Ostrowski and Watson,
//! "Exploiting identical generators in unit commitment", 2018), and the schedule of each
//! member recovered from the group's counts.
//!
//! Units are identical when every datum the formulation reads is equal: limits, ramps, times,
//! costs and the initial state as the model sees it (committed or not, output, the periods the
//! initial condition forces, and — for a unit that is off — its time offline up to the coldest
//! startup lag). Swapping two such units maps every schedule onto one of the same cost, so a
//! MILP over individual units explores each commitment pattern as many times as the group has
//! permutations; HiGHS's own symmetry detection reported 3 generators on `rts_gmlc/2020-01-27`,
//! whose 73 units form 22 groups of two to six identical units and 17 single ones.
//!
//! The aggregated model (`formulation::build_with_counts`) sums the rows of a group's members,
//! so it is a relaxation: its bound is a valid bound of the original problem. Its integer
//! counts are split back into 0/1 commitments that respect every member's minimum up and down
//! times (always possible when the counts satisfy the aggregated minimum-time rows: at each
//! period any unit eligible to stop or start stays eligible later), pairing restarts with the
//! shutdowns the aggregated startup-cost matching chose. The members' dispatch then comes from
//! the economic-dispatch LP of the original model, so the schedule returned is feasible for
//! the original units and its cost is their own. Summed ramp and startup/shutdown rows do not
//! always split into the members' own (the members' dispatch may cost more, or have none);
//! then [`crate::uc::solve`] goes on with the MIP over the individual units.

use super::formulation::Formulation;
use super::model::{ThermalUnit, UcInstance};

/// Identical thermal units: `members[k]` lists the indices (into `inst.thermal`, ascending) of
/// group `k`; groups are ordered by their first member and every unit is in exactly one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitGroups {
    /// Members of each group.
    pub members: Vec<Vec<usize>>,
}

impl UnitGroups {
    /// Number of groups with more than one member.
    pub fn merged(&self) -> usize {
        self.members.iter().filter(|m| m.len() > 1).count()
    }

    /// Units in groups of more than one.
    pub fn merged_units(&self) -> usize {
        self.members
            .iter()
            .filter(|m| m.len() > 1)
            .map(Vec::len)
            .sum()
    }
}

/// The unit as the formulation sees it: name dropped, the times before the horizon clamped
/// where larger values change nothing.
fn model_view(g: &ThermalUnit) -> ThermalUnit {
    let mut k = g.clone();
    k.name.clear();
    if g.on_t0 {
        k.up_t0_h = g.up_t0_h.min(g.min_up_h);
        k.down_t0_h = 0;
    } else {
        let cold_lag = g.startup.last().map_or(0, |s| s.lag_h);
        k.down_t0_h = g.down_t0_h.min(cold_lag.max(g.min_down_h));
        k.up_t0_h = 0;
    }
    k
}

/// Groups the thermal units of `inst` into classes of identical units.
pub fn identical_groups(inst: &UcInstance) -> UnitGroups {
    let views: Vec<ThermalUnit> = inst.thermal.iter().map(model_view).collect();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut heads: Vec<usize> = Vec::new();
    for (i, v) in views.iter().enumerate() {
        match heads.iter().position(|&h| views[h] == *v) {
            Some(k) => members[k].push(i),
            None => {
                heads.push(i);
                members.push(vec![i]);
            }
        }
    }
    UnitGroups { members }
}

/// The instance with one representative (the first member) per group, and the group sizes.
pub(crate) fn reduced_instance(inst: &UcInstance, groups: &UnitGroups) -> (UcInstance, Vec<u32>) {
    let mut red = inst.clone();
    red.thermal = groups
        .members
        .iter()
        .map(|m| inst.thermal[m[0]].clone())
        .collect();
    let counts = groups
        .members
        .iter()
        .map(|m| u32::try_from(m.len()).unwrap_or(u32::MAX))
        .collect();
    (red, counts)
}

/// Every pair of a column of the aggregated model `fa` and a column of the original model `f`
/// it sums: the units' own columns (`u, v, w, p, r`, segments, startup matchings) once per
/// member of the group, the system columns (renewables, slacks) once.
fn column_pairs(f: &Formulation, fa: &Formulation, groups: &UnitGroups) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (k, m) in groups.members.iter().enumerate() {
        for &g in m {
            for (ca, c) in fa.cols[k].iter().zip(&f.cols[g]) {
                pairs.extend([
                    (ca.u, c.u),
                    (ca.v, c.v),
                    (ca.w, c.w),
                    (ca.p, c.p),
                    (ca.r, c.r),
                ]);
                pairs.extend(ca.seg.iter().copied().zip(c.seg.iter().copied()));
            }
            pairs.extend(
                fa.matches[k]
                    .iter()
                    .zip(&f.matches[g])
                    .map(|(a, o)| (a.col, o.col)),
            );
        }
    }
    pairs.extend(fa.ren.iter().copied().zip(f.ren.iter().copied()));
    if let (Some(sa), Some(s)) = (&fa.slack, &f.slack) {
        for (a, o) in sa.iter().zip(s) {
            pairs.extend([(a.0, o.0), (a.1, o.1), (a.2, o.2)]);
        }
    }
    pairs
}

/// A solution of the original model `f` summed into the aggregated model `fa`.
pub(crate) fn aggregate_solution(
    f: &Formulation,
    fa: &Formulation,
    groups: &UnitGroups,
    x: &[f64],
) -> Vec<f64> {
    let mut xa = vec![0.0; fa.md.num_col()];
    for (a, o) in column_pairs(f, fa, groups) {
        xa[a] += x.get(o).copied().unwrap_or(0.0);
    }
    xa
}

/// The LP's commitment of each original unit (`u[g][t]`) from a solution `xa` of the
/// aggregated LP, for rounding: a group's count is filled member by member (count 2.4 of
/// three: 1, 1, 0.4), so that rounding at a threshold commits about as many members as the
/// count — equal shares (`1/n` of the count each) would commit all or none.
pub(crate) fn filled_commitment(
    inst: &UcInstance,
    fa: &Formulation,
    groups: &UnitGroups,
    xa: &[f64],
) -> Vec<Vec<f64>> {
    let mut u = vec![vec![0.0; inst.periods]; inst.thermal.len()];
    for (k, m) in groups.members.iter().enumerate() {
        for (t, c) in fa.cols[k].iter().enumerate() {
            let n = xa.get(c.u).copied().unwrap_or(0.0);
            for (i, &g) in m.iter().enumerate() {
                u[g][t] = (n - i as f64).clamp(0.0, 1.0);
            }
        }
    }
    u
}

/// State of one member while its group's counts are split.
#[derive(Debug, Clone, Copy)]
struct Member {
    on: bool,
    /// Period of the last start or shutdown (negative: before the horizon).
    since: i64,
    /// Still in its pre-horizon off spell.
    pre_horizon_off: bool,
}

fn count(x: &[f64], c: usize) -> i64 {
    x.get(c).copied().unwrap_or(0.0).round() as i64
}

/// Splits the aggregated solution `xa` of `fa` into a 0/1 commitment of every original unit
/// (`commitment[g][t]`). `None` when the counts cannot be split within the members' minimum
/// up and down times (not expected for a solution of the aggregated MILP).
pub(crate) fn disaggregate(
    inst: &UcInstance,
    fa: &Formulation,
    groups: &UnitGroups,
    xa: &[f64],
) -> Option<Vec<Vec<bool>>> {
    let nt = inst.periods;
    let mut commitment = vec![vec![false; nt]; inst.thermal.len()];
    for (k, m) in groups.members.iter().enumerate() {
        let g = &inst.thermal[m[0]];
        let ut = i64::from(g.min_up_h.max(1));
        let dt = i64::from(g.min_down_h.max(1));
        let mut st: Vec<Member> = m
            .iter()
            .map(|&i| {
                let u = &inst.thermal[i];
                Member {
                    on: u.on_t0,
                    since: if u.on_t0 {
                        -i64::from(u.up_t0_h)
                    } else {
                        -i64::from(u.down_t0_h)
                    },
                    pre_horizon_off: !u.on_t0,
                }
            })
            .collect();
        // Pairings still to come, per shutdown (None = pre-horizon): (startup period, count).
        let matches: Vec<(Option<usize>, usize, i64)> = fa.matches[k]
            .iter()
            .map(|mt| (mt.shutdown, mt.startup, count(xa, mt.col)))
            .filter(|x| x.2 > 0)
            .collect();
        let cohort = |s: &Member| -> Option<Option<usize>> {
            if s.on {
                None
            } else if s.pre_horizon_off {
                Some(None)
            } else {
                usize::try_from(s.since).ok().map(Some)
            }
        };
        let mut prev_on = st.iter().filter(|s| s.on).count() as i64;
        for t in 0..nt {
            let ti = t as i64;
            let on_t = count(xa, fa.cols[k][t].u).clamp(0, m.len() as i64);
            let mut stops = count(xa, fa.cols[k][t].w).max(0);
            let mut starts = on_t - prev_on + stops;
            if starts < 0 {
                stops -= starts;
                starts = 0;
            }
            // Shutdowns: the longest-running eligible members first.
            let mut eligible: Vec<usize> = (0..st.len())
                .filter(|&i| st[i].on && ti - st[i].since >= ut)
                .collect();
            if (eligible.len() as i64) < stops {
                return None;
            }
            eligible.sort_by_key(|&i| (st[i].since, i));
            for &i in eligible.iter().take(stops as usize) {
                st[i] = Member {
                    on: false,
                    since: ti,
                    pre_horizon_off: false,
                };
            }
            // Startups: first the pairings the aggregated matching chose.
            let mut started: Vec<usize> = Vec::new();
            for &(sd, _, n) in matches.iter().filter(|x| x.1 == t) {
                let mut left = n.min(starts - started.len() as i64);
                for i in 0..st.len() {
                    if left <= 0 {
                        break;
                    }
                    if !st[i].on && cohort(&st[i]) == Some(sd) && ti - st[i].since >= dt {
                        st[i].on = true;
                        started.push(i);
                        left -= 1;
                    }
                }
            }
            // Then the rest, from cohorts with members to spare for later pairings, hottest
            // first; members promised to a later pairing only when nothing else is eligible.
            while (started.len() as i64) < starts {
                let spare = |s: &Member| -> bool {
                    let c = cohort(s);
                    let promised: i64 = matches
                        .iter()
                        .filter(|x| x.1 > t && Some(x.0) == c)
                        .map(|x| x.2)
                        .sum();
                    let have = st.iter().filter(|o| cohort(o) == c).count() as i64;
                    have > promised
                };
                let pick = (0..st.len())
                    .filter(|&i| !st[i].on && ti - st[i].since >= dt)
                    .max_by_key(|&i| (spare(&st[i]), st[i].since, std::cmp::Reverse(i)));
                match pick {
                    Some(i) => {
                        st[i].on = true;
                        started.push(i);
                    }
                    None => return None,
                }
            }
            for &i in &started {
                st[i].since = ti;
                st[i].pre_horizon_off = false;
            }
            for (s, &gi) in st.iter().zip(m) {
                commitment[gi][t] = s.on;
            }
            prev_on = on_t;
        }
    }
    Some(commitment)
}
