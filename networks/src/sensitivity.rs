//! DC sensitivities: power transfer (PTDF) and line outage (LODF) distribution factors, MATPOWER's `makePTDF`/`makeLODF` semantics, per island.
//!
//! # Mathematics
//!
//! The DC model is MATPOWER's `makeBdc` ([`crate::ybus::DcMatrices`]): `Pbus = Bbus θ + Pbusinj`,
//! `Pf = Bf θ + Pfinj` with `Bf = diag(b) (Cf − Ct)`, `b_k = 1/(x_k τ_k)` for connected branches
//! and 0 otherwise. Each energised island ([`Topology`]) keeps the angles of its reference
//! buses fixed; `n` are the other energised buses and `B_r = Bbus[n, n]` (block diagonal, one
//! block per island) is factorised once by [`DcSensitivities::new`].
//!
//! **PTDF** with the reference buses as slack: the flow change on branch `m` per 1 p.u. injected
//! at bus `i` and withdrawn at the reference bus of `i`'s island,
//!
//! ```text
//! H[m, n] = Bf[m, n] B_r⁻¹,      H[m, i] = 0 for reference and de-energised buses i.
//! ```
//!
//! Row `m` is one transpose solve `B_rᵀ h = Bf[m, n]ᵀ = b_m (e_f − e_t)` (rows computed in
//! parallel with rayon, each task with its own work vector). With a **distributed slack** of
//! weights `w ≥ 0`, normalised to `w̃` (sum 1) within each energised island `I`, an injection is
//! balanced by all the island's weighted buses instead:
//!
//! ```text
//! PTDF_w[m, i] = H[m, i] − Σ_{j ∈ I} H[m, j] w̃_j        (i ∈ I),
//! ```
//!
//! which is `H (E − w̃ 1ᵀ)` per island, MATPOWER's distributed `makePTDF`. An island whose
//! weights sum to zero keeps its reference bus as slack.
//!
//! **LODF**: the change of flow on branch `m` per unit of pre-outage flow on branch `o` when `o`
//! is switched out. With `PTDF_xo = H[x, f_o] − H[x, t_o]` the flow on `x` for a 1 p.u.
//! transfer between the ends of `o` (one solve `B_r y = e_f − e_t` per outage),
//!
//! ```text
//! LODF[m, o] = PTDF_mo / (1 − PTDF_oo)   (m ≠ o),      LODF[o, o] = −1,
//! ```
//!
//! so the post-outage flows are `f_m + LODF[m, o] f_o` (exact in the DC model, by the
//! Sherman–Morrison formula). The LODF does not depend on the slack. When `o` is a bridge its
//! outage splits an island and `1 − PTDF_oo = 0`: such outages are flagged in
//! [`Lodf::islanding`] and their columns hold NaN instead of a division by zero. Bridges are
//! found topologically (a depth-first search over the connected branches, parallel branches
//! counted as loops) and, as a guard, numerically: `|1 − PTDF_oo| < `[`ISLANDING_TOL`].
//!
//! Indices: buses in the case's bus order (dense index `i` = row `i` of the bus table), branches
//! in the case's branch order; the external bus numbers are carried in [`Ptdf::bus_id`].
//!
//! ```
//! use gridsim_networks::sensitivity::{DcSensitivities, SlackDistribution};
//! use gridsim_networks::{matpower, Network};
//! let case = matpower::parse_str(include_str!("../cases/matpower/case9.m"), "case9.m").unwrap();
//! let net = Network::from_case(&case).unwrap();
//! let sens = DcSensitivities::new(&net).unwrap();
//! let ptdf = sens.ptdf(None, &SlackDistribution::ReferenceBuses).unwrap();
//! // Branch 1 (1-4) carries everything injected at bus 4 towards the slack bus 1.
//! assert!((ptdf.get(0, 3).unwrap() + 1.0).abs() < 1e-12);
//! let lodf = sens.lodf(None, None).unwrap();
//! assert!(lodf.islanding[0]); // 1-4 is the only link of generator bus 1.
//! ```

use rayon::prelude::*;

use crate::case::BusId;
use crate::error::NetworkError;
use crate::network::Network;
use crate::sparse::{CscMatrix, LuError, LuStats, SparseLu};
use crate::topology::{BusRole, Topology};
use crate::ybus::DcMatrices;

/// An outage `o` whose `|1 − PTDF_oo|` is below this is treated as islanding (a bridge) even
/// when the search did not find it topologically (a loop closed only through negligible
/// susceptance).
pub const ISLANDING_TOL: f64 = 1e-8;

/// Marks "no index".
pub(crate) const NONE: usize = usize::MAX;

/// PTDF rows (or LODF columns) per rayon task.
const ROWS_PER_TASK: usize = 8;

/// Which buses balance an injection in the PTDF.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SlackDistribution {
    /// The reference bus(es) of each island (MATPOWER's default `makePTDF`). Default.
    #[default]
    ReferenceBuses,
    /// Weights per bus, in the case's bus order (length = number of buses, each finite and
    /// ≥ 0). They are normalised within each energised island; an island whose weights sum
    /// to zero keeps its reference bus; weights at de-energised buses are ignored.
    Weights(Vec<f64>),
}

/// A PTDF matrix, dense and row-major: one row per monitored branch, one column per bus.
///
/// `values[r * n_bus + i]` is the flow change (p.u. per p.u., equally MW per MW) on branch
/// `branches[r]`, measured at its from end, for 1 p.u. injected at bus `i` (case bus order)
/// and withdrawn by the slack of `i`'s island. Rows of disconnected branches and columns of
/// de-energised buses are zero.
#[derive(Debug, Clone, PartialEq)]
pub struct Ptdf {
    /// Monitored branches (indices into the case's branch table), one per row.
    pub branches: Vec<usize>,
    /// External bus number of each column.
    pub bus_id: Vec<BusId>,
    /// Row-major values, `branches.len() × bus_id.len()`.
    pub values: Vec<f64>,
}

impl Ptdf {
    /// Number of buses (columns).
    pub fn n_bus(&self) -> usize {
        self.bus_id.len()
    }

    /// Row `r` (the row of branch `branches[r]`), `None` when out of range.
    pub fn row(&self, r: usize) -> Option<&[f64]> {
        dense_row(&self.values, r, self.n_bus())
    }

    /// Entry at row `r`, bus `i`.
    pub fn get(&self, r: usize, i: usize) -> Option<f64> {
        self.row(r)?.get(i).copied()
    }

    /// Row of branch `k` (an index into the branch table), if monitored.
    pub fn row_of_branch(&self, k: usize) -> Option<usize> {
        self.branches.iter().position(|&b| b == k)
    }

    /// Flows on the monitored branches for bus injections `p` (any unit; the result is in the
    /// same unit): `PTDF · p`. `None` when `p` does not have one entry per bus.
    pub fn flows(&self, p: &[f64]) -> Option<Vec<f64>> {
        let nb = self.n_bus();
        if p.len() != nb {
            return None;
        }
        if nb == 0 {
            return Some(vec![0.0; self.branches.len()]);
        }
        Some(
            self.values
                .chunks_exact(nb)
                .map(|row| row.iter().zip(p).map(|(a, b)| a * b).sum())
                .collect(),
        )
    }
}

/// An LODF matrix, dense and row-major: one row per monitored branch, one column per outage.
///
/// `values[r * outaged.len() + c]` is the change of flow on `monitored[r]` per unit of
/// pre-outage flow on `outaged[c]` when that branch is switched out; `−1` where the monitored
/// branch is the outaged one, `0` in the column of a branch that is not connected (its outage
/// changes nothing), and NaN in the column of an islanding outage (`islanding[c]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Lodf {
    /// Monitored branches (indices into the branch table), one per row.
    pub monitored: Vec<usize>,
    /// Outaged branches (indices into the branch table), one per column.
    pub outaged: Vec<usize>,
    /// Row-major values, `monitored.len() × outaged.len()`.
    pub values: Vec<f64>,
    /// Per column: the outage splits an island (a bridge); its column is NaN.
    pub islanding: Vec<bool>,
}

impl Lodf {
    /// Entry at row `r` (monitored branch `monitored[r]`), column `c` (outage `outaged[c]`).
    pub fn get(&self, r: usize, c: usize) -> Option<f64> {
        self.row(r)?.get(c).copied()
    }

    /// Row `r` (one entry per outage).
    pub fn row(&self, r: usize) -> Option<&[f64]> {
        dense_row(&self.values, r, self.outaged.len())
    }
}

/// Row `r` of a dense row-major matrix with `ncols` columns, `None` when out of range.
fn dense_row(values: &[f64], r: usize, ncols: usize) -> Option<&[f64]> {
    let start = r.checked_mul(ncols)?;
    values.get(start..start.checked_add(ncols)?)
}

/// An energised island's buses and their normalised slack weights.
type IslandWeights = (Vec<usize>, Vec<f64>);

/// Depth-first search forest of the connected branches: bridges and subtrees.
///
/// Each island is searched from its first reference bus (its first bus when de-energised), so
/// the side of a bridge away from the root is the subtree of the bridge's `child` end, the
/// buses `order[pre[c] .. pre[c] + size[c]]`.
#[derive(Debug, Clone)]
pub(crate) struct Dfs {
    /// Per branch: its outage splits an island.
    pub is_bridge: Vec<bool>,
    /// Per bridge: its end farther from the root (`NONE` for other branches).
    pub child: Vec<usize>,
    /// Preorder number of each bus (`NONE` for out-of-service buses).
    pub pre: Vec<usize>,
    /// Subtree size of each bus.
    pub size: Vec<usize>,
    /// Parent bus in the search tree (`NONE` for roots and out-of-service buses).
    pub parent: Vec<usize>,
    /// Buses in preorder.
    pub order: Vec<usize>,
}

impl Dfs {
    /// Searches the network as it now is, with `topo` its topology.
    pub fn build(net: &Network, topo: &Topology) -> Dfs {
        let nb = net.n_bus();
        let nl = net.n_branch();
        // Adjacency in compressed form: (neighbour, branch).
        let mut deg = vec![0usize; nb + 1];
        let usable = |k: usize| net.branch_connected(k) && net.br_from[k] != net.br_to[k];
        for k in (0..nl).filter(|&k| usable(k)) {
            deg[net.br_from[k] + 1] += 1;
            deg[net.br_to[k] + 1] += 1;
        }
        for i in 0..nb {
            deg[i + 1] += deg[i];
        }
        let mut next = deg.clone();
        let mut adj = vec![(0usize, 0usize); deg[nb]];
        for k in (0..nl).filter(|&k| usable(k)) {
            let (f, t) = (net.br_from[k], net.br_to[k]);
            adj[next[f]] = (t, k);
            next[f] += 1;
            adj[next[t]] = (f, k);
            next[t] += 1;
        }
        let mut dfs = Dfs {
            is_bridge: vec![false; nl],
            child: vec![NONE; nl],
            pre: vec![NONE; nb],
            size: vec![1; nb],
            parent: vec![NONE; nb],
            order: Vec::with_capacity(nb),
        };
        let mut low = vec![0usize; nb];
        // Stack of (bus, branch to its parent, next adjacency position).
        let mut stack: Vec<(usize, usize, usize)> = Vec::new();
        for isl in &topo.islands {
            let root = match (isl.ref_buses.first(), isl.buses.first()) {
                (Some(&r), _) => r,
                (None, Some(&b)) => b,
                (None, None) => continue,
            };
            if dfs.pre[root] != NONE {
                continue;
            }
            dfs.pre[root] = dfs.order.len();
            low[root] = dfs.pre[root];
            dfs.order.push(root);
            stack.push((root, NONE, deg[root]));
            while let Some(top) = stack.last_mut() {
                let (v, pk, pos) = *top;
                if pos < deg[v + 1] {
                    top.2 += 1;
                    let (u, k) = adj[pos];
                    if k == pk {
                        continue;
                    }
                    if dfs.pre[u] == NONE {
                        dfs.pre[u] = dfs.order.len();
                        low[u] = dfs.pre[u];
                        dfs.parent[u] = v;
                        dfs.order.push(u);
                        stack.push((u, k, deg[u]));
                    } else {
                        low[v] = low[v].min(dfs.pre[u]);
                    }
                } else {
                    stack.pop();
                    if let Some(&(p, _, _)) = stack.last() {
                        low[p] = low[p].min(low[v]);
                        dfs.size[p] += dfs.size[v];
                        if low[v] > dfs.pre[p] {
                            dfs.is_bridge[pk] = true;
                            dfs.child[pk] = v;
                        }
                    }
                }
            }
        }
        dfs
    }

    /// Whether `bus` lies in the subtree rooted at `root`.
    pub fn in_subtree(&self, bus: usize, root: usize) -> bool {
        let (p, r) = (self.pre[bus], self.pre[root]);
        p != NONE && r != NONE && p >= r && p < r + self.size[root]
    }
}

/// The factorised reduced DC susceptance matrix of a network, from which PTDF and LODF are
/// computed (and the DC contingency screening of [`crate::contingency`]).
///
/// Built for the network as it is when [`DcSensitivities::new`] is called (in-service flags,
/// reactances, bus types); rebuild it after changing those.
#[derive(Debug, Clone)]
pub struct DcSensitivities {
    pub(crate) topo: Topology,
    pub(crate) dfs: Dfs,
    pub(crate) br_from: Vec<usize>,
    pub(crate) br_to: Vec<usize>,
    /// Series susceptance of each branch, p.u., 0 when not connected.
    pub(crate) b_branch: Vec<f64>,
    pub(crate) bus_id: Vec<BusId>,
    /// Row/column of each bus in the reduced matrix, numbered in the LU's fill-reducing
    /// order; `n_red` (the index of the always-zero last slot of a work vector) for reference
    /// and de-energised buses.
    pub(crate) var: Vec<usize>,
    /// Size of the reduced matrix.
    n_red: usize,
    /// LU of the reduced matrix; `None` when it is empty.
    lu: Option<SparseLu>,
}

impl DcSensitivities {
    /// Builds and factorises the reduced susceptance matrix of `net`.
    ///
    /// The reduced buses are numbered in the fill-reducing (AMD) order, found by a first
    /// analysis, so that the factorisation's row and column permutations are the identity
    /// and every solve skips them.
    ///
    /// Fails with [`NetworkError::Lu`] when the matrix is singular or not finite, which in
    /// the DC model means zero, non-positive or cancelling branch reactances.
    pub fn new(net: &Network) -> Result<DcSensitivities, NetworkError> {
        let topo = Topology::analyze(net);
        let dfs = Dfs::build(net, &topo);
        let dc = DcMatrices::build(net);
        let nb = net.n_bus();
        let mut var = vec![NONE; nb];
        let mut n_red = 0;
        for (v, role) in var.iter_mut().zip(&topo.role) {
            if matches!(role, BusRole::Pv | BusRole::Pq) {
                *v = n_red;
                n_red += 1;
            }
        }
        let bbus = &dc.bbus;
        let reduced = |var: &[usize]| {
            let mut trip = Vec::with_capacity(bbus.nnz());
            for j in 0..bbus.ncols {
                for p in bbus.col_ptr[j]..bbus.col_ptr[j + 1] {
                    let i = bbus.row_idx[p];
                    if var[i] < n_red && var[j] < n_red {
                        trip.push((var[i], var[j], bbus.values[p]));
                    }
                }
            }
            CscMatrix::from_triplets(n_red, n_red, &trip)
        };
        let lu = if n_red == 0 {
            None
        } else {
            let order = SparseLu::analyze(&reduced(&var))?.column_order();
            let mut position = vec![0; n_red];
            for (k, &c) in order.iter().enumerate() {
                position[c] = k;
            }
            for v in var.iter_mut().filter(|v| **v < n_red) {
                *v = position[*v];
            }
            let mat = reduced(&var);
            let identity: Vec<usize> = (0..n_red).collect();
            let mut lu = SparseLu::analyze_with_column_order(&mat, &identity)?;
            lu.factor(&mat)?;
            Some(lu)
        };
        for v in var.iter_mut().filter(|v| **v == NONE) {
            *v = n_red;
        }
        Ok(DcSensitivities {
            topo,
            dfs,
            br_from: net.br_from.clone(),
            br_to: net.br_to.clone(),
            b_branch: dc.b_branch,
            bus_id: net.bus_id.clone(),
            var,
            n_red,
            lu,
        })
    }

    /// Number of buses.
    pub fn n_bus(&self) -> usize {
        self.bus_id.len()
    }

    /// Number of branches.
    pub fn n_branch(&self) -> usize {
        self.br_from.len()
    }

    /// The topology the matrices were built for.
    pub fn topology(&self) -> &Topology {
        &self.topo
    }

    /// Whether the outage of branch `k` splits an island (a bridge of the network graph).
    pub fn is_islanding(&self, k: usize) -> bool {
        self.dfs.is_bridge.get(k).copied().unwrap_or(false)
    }

    /// Sizes of the factorisation (`None` when no bus is left to solve for).
    pub fn lu_stats(&self) -> Option<LuStats> {
        self.lu.as_ref().map(|lu| lu.stats())
    }

    /// Length of a work vector: the reduced system plus one always-zero slot, where the
    /// reference and de-energised buses point.
    pub(crate) fn work_len(&self) -> usize {
        self.n_red + 1
    }

    /// `w ← B_r⁻¹ w` on a work vector (B_r is symmetric, so this is also the transpose
    /// solve); the zero slot stays zero.
    pub(crate) fn solve(&self, w: &mut [f64]) -> Result<(), LuError> {
        match &self.lu {
            Some(lu) => lu.solve_in_place(&mut w[..self.n_red]),
            None => Ok(()),
        }
    }

    /// `w ← B_r⁻ᵀ w` on a work vector.
    fn solve_transpose(&self, w: &mut [f64]) -> Result<(), LuError> {
        match &self.lu {
            Some(lu) => lu.solve_transpose_in_place(&mut w[..self.n_red]),
            None => Ok(()),
        }
    }

    /// Adds `value` to the right-hand side at `bus` (dropped at reference and de-energised
    /// buses, whose injections the slack absorbs or nothing carries).
    pub(crate) fn add(&self, w: &mut [f64], bus: usize, value: f64) {
        if let Some(&v) = self.var.get(bus) {
            if v < self.n_red {
                w[v] += value;
            }
        }
    }

    /// Angle of `bus` in a solved work vector (0 at reference and de-energised buses).
    pub(crate) fn angle(&self, w: &[f64], bus: usize) -> f64 {
        w[self.var[bus]]
    }

    /// Flow on branch `m` for the solved work vector `w`, without phase-shift terms:
    /// `b_m (θ_f − θ_t)`.
    pub(crate) fn flow(&self, w: &[f64], m: usize) -> f64 {
        self.b_branch[m] * (w[self.var[self.br_from[m]]] - w[self.var[self.br_to[m]]])
    }

    /// Solves for a unit transfer from the from end to the to end of branch `o` (in `w`,
    /// overwritten) and returns `PTDF_oo`.
    pub(crate) fn transfer(&self, w: &mut [f64], o: usize) -> Result<f64, LuError> {
        w.iter_mut().for_each(|x| *x = 0.0);
        self.add(w, self.br_from[o], 1.0);
        self.add(w, self.br_to[o], -1.0);
        self.solve(w)?;
        Ok(self.flow(w, o))
    }

    /// PTDF rows of the `monitored` branches (all branches when `None`), with the slack given
    /// by `slack`. Fails with [`NetworkError::InvalidData`] for a branch index out of range or
    /// unusable weights.
    pub fn ptdf(
        &self,
        monitored: Option<&[usize]>,
        slack: &SlackDistribution,
    ) -> Result<Ptdf, NetworkError> {
        let branches = branch_list(monitored, self.n_branch(), "monitored")?;
        let islands = self.slack_weights(slack)?;
        let nb = self.n_bus();
        let work_len = self.work_len();
        let mut values = vec![0.0; branches.len() * nb];
        if nb > 0 && !branches.is_empty() {
            values
                .par_chunks_mut(nb * ROWS_PER_TASK)
                .zip(branches.par_chunks(ROWS_PER_TASK))
                .try_for_each(|(block, ks)| -> Result<(), LuError> {
                    let mut w = vec![0.0; work_len];
                    for (row, &k) in block.chunks_mut(nb).zip(ks) {
                        self.ptdf_row(k, &mut w, row)?;
                        for (buses, wt) in &islands {
                            let s: f64 = buses.iter().zip(wt).map(|(&j, &x)| row[j] * x).sum();
                            for &j in buses {
                                row[j] -= s;
                            }
                        }
                    }
                    Ok(())
                })?;
        }
        Ok(Ptdf {
            branches,
            bus_id: self.bus_id.clone(),
            values,
        })
    }

    /// One single-slack PTDF row: `B_rᵀ h = b_k (e_f − e_t)`, scattered to bus order.
    fn ptdf_row(&self, k: usize, w: &mut [f64], row: &mut [f64]) -> Result<(), LuError> {
        row.iter_mut().for_each(|x| *x = 0.0);
        let b = self.b_branch[k];
        if b == 0.0 {
            return Ok(());
        }
        w.iter_mut().for_each(|x| *x = 0.0);
        self.add(w, self.br_from[k], b);
        self.add(w, self.br_to[k], -b);
        self.solve_transpose(w)?;
        for (i, r) in row.iter_mut().enumerate() {
            *r = self.angle(w, i);
        }
        Ok(())
    }

    /// Per energised island with positive total weight: its buses and normalised weights.
    fn slack_weights(&self, slack: &SlackDistribution) -> Result<Vec<IslandWeights>, NetworkError> {
        let SlackDistribution::Weights(w) = slack else {
            return Ok(Vec::new());
        };
        let nb = self.n_bus();
        let mut problems = Vec::new();
        if w.len() != nb {
            problems.push(format!(
                "slack weights: {} given, one per bus ({nb}) expected",
                w.len()
            ));
        }
        for (i, &x) in w.iter().enumerate().take(nb) {
            if !(x.is_finite() && x >= 0.0) {
                problems.push(format!(
                    "slack weight of bus {} is {x}, a finite non-negative number expected",
                    self.bus_id[i]
                ));
            }
        }
        if !problems.is_empty() {
            return Err(NetworkError::InvalidData(problems));
        }
        let mut out = Vec::new();
        for isl in self.topo.islands.iter().filter(|i| i.energized) {
            let total: f64 = isl.buses.iter().map(|&i| w[i]).sum();
            if total > 0.0 {
                let wt = isl.buses.iter().map(|&i| w[i] / total).collect();
                out.push((isl.buses.clone(), wt));
            }
        }
        Ok(out)
    }

    /// LODF of the `monitored` branches (all when `None`) for the outage of each of the
    /// `outaged` branches (all when `None`): one solve per outage, in parallel. Fails with
    /// [`NetworkError::InvalidData`] for a branch index out of range.
    pub fn lodf(
        &self,
        monitored: Option<&[usize]>,
        outaged: Option<&[usize]>,
    ) -> Result<Lodf, NetworkError> {
        let mon = branch_list(monitored, self.n_branch(), "monitored")?;
        let out = branch_list(outaged, self.n_branch(), "outaged")?;
        let work_len = self.work_len();
        let columns: Vec<(Vec<f64>, bool)> = out
            .par_iter()
            .map_init(|| vec![0.0; work_len], |w, &o| self.lodf_column(o, &mon, w))
            .collect::<Result<_, LuError>>()?;
        let (nm, no) = (mon.len(), out.len());
        let mut values = vec![0.0; nm * no];
        let mut islanding = Vec::with_capacity(no);
        for (c, (col, isl)) in columns.into_iter().enumerate() {
            for (r, x) in col.into_iter().enumerate() {
                values[r * no + c] = x;
            }
            islanding.push(isl);
        }
        Ok(Lodf {
            monitored: mon,
            outaged: out,
            values,
            islanding,
        })
    }

    /// One LODF column and whether the outage islands.
    fn lodf_column(
        &self,
        o: usize,
        mon: &[usize],
        w: &mut [f64],
    ) -> Result<(Vec<f64>, bool), LuError> {
        let diag = |m: usize, x: f64| if m == o { -1.0 } else { x };
        if self.b_branch[o] == 0.0 {
            return Ok((mon.iter().map(|&m| diag(m, 0.0)).collect(), false));
        }
        if self.dfs.is_bridge[o] {
            return Ok((mon.iter().map(|&m| diag(m, f64::NAN)).collect(), true));
        }
        let ptdf_oo = self.transfer(w, o)?;
        let denom = 1.0 - ptdf_oo;
        if denom.abs() < ISLANDING_TOL {
            return Ok((mon.iter().map(|&m| diag(m, f64::NAN)).collect(), true));
        }
        Ok((
            mon.iter()
                .map(|&m| diag(m, self.flow(w, m) / denom))
                .collect(),
            false,
        ))
    }
}

/// The given branch list, checked, or every branch.
pub(crate) fn branch_list(
    list: Option<&[usize]>,
    nl: usize,
    what: &str,
) -> Result<Vec<usize>, NetworkError> {
    match list {
        None => Ok((0..nl).collect()),
        Some(l) => {
            let problems: Vec<String> = l
                .iter()
                .filter(|&&k| k >= nl)
                .map(|&k| {
                    format!("{what} branch index {k} is out of range (the case has {nl} branches)")
                })
                .collect();
            if problems.is_empty() {
                Ok(l.to_vec())
            } else {
                Err(NetworkError::InvalidData(problems))
            }
        }
    }
}

/// PTDF of `net` for the `monitored` branches (all when `None`): builds a
/// [`DcSensitivities`] and calls [`DcSensitivities::ptdf`].
pub fn ptdf(
    net: &Network,
    monitored: Option<&[usize]>,
    slack: &SlackDistribution,
) -> Result<Ptdf, NetworkError> {
    DcSensitivities::new(net)?.ptdf(monitored, slack)
}

/// LODF of `net`: builds a [`DcSensitivities`] and calls [`DcSensitivities::lodf`].
pub fn lodf(
    net: &Network,
    monitored: Option<&[usize]>,
    outaged: Option<&[usize]>,
) -> Result<Lodf, NetworkError> {
    DcSensitivities::new(net)?.lodf(monitored, outaged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matpower;

    fn case9() -> Network {
        let case = matpower::parse_str(include_str!("../cases/matpower/case9.m"), "case9.m")
            .expect("case9 parses");
        Network::from_case(&case).expect("case9 compiles")
    }

    #[test]
    fn case9_bridges_are_the_generator_step_up_transformers() {
        let net = case9();
        let topo = Topology::analyze(&net);
        let dfs = Dfs::build(&net, &topo);
        // Branches 1-4, 3-6 and 8-2 (rows 0, 3, 6) connect the generator buses.
        let bridges: Vec<usize> = (0..net.n_branch()).filter(|&k| dfs.is_bridge[k]).collect();
        assert_eq!(bridges, vec![0, 3, 6]);
        // Rooted at bus 1 (index 0): 1-4's child is bus 4, whose subtree is all but bus 1.
        assert_eq!(dfs.child[0], 3);
        assert_eq!(dfs.size[3], 8);
        assert!(dfs.in_subtree(1, 3) && !dfs.in_subtree(0, 3));
    }

    #[test]
    fn parallel_branches_are_not_bridges() {
        let mut case = matpower::parse_str(include_str!("../cases/matpower/case9.m"), "case9.m")
            .expect("parses");
        let b = &mut case.branch;
        let k = 0;
        b.from_bus.push(b.from_bus[k]);
        b.to_bus.push(b.to_bus[k]);
        for col in [
            &mut b.r_pu,
            &mut b.x_pu,
            &mut b.b_pu,
            &mut b.rate_a_mva,
            &mut b.rate_b_mva,
            &mut b.rate_c_mva,
            &mut b.tap_ratio,
            &mut b.shift_deg,
            &mut b.angmin_deg,
            &mut b.angmax_deg,
        ] {
            col.push(col[k]);
        }
        b.in_service.push(true);
        b.extra.push(b.extra.get(k).cloned().unwrap_or_default());
        let net = Network::from_case(&case).expect("compiles");
        let dfs = Dfs::build(&net, &Topology::analyze(&net));
        assert!(!dfs.is_bridge[0] && !dfs.is_bridge[9]);
        assert!(dfs.is_bridge[3] && dfs.is_bridge[6]);
    }
}
