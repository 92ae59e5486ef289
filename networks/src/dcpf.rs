//! DC power flow, MATPOWER's `dcpf` semantics, per island.
//!
//! With `Pbus = Re(S) − Pbusinj − Gs` (p.u.; `S = Cg Pg − Pd`, phase-shifter injections
//! `Pbusinj` and shunt conductance at 1 p.u. voltage), angles solve
//! `Bbus[n,n] θ[n] = Pbus[n] − Bbus[n,r] θ[r]` over the non-reference energised buses `n`,
//! with each island's reference angle `θ[r]` fixed at the case's angle. Branch flows are
//! `Pf = Bf θ + Pfinj`, `Pt = −Pf`; the first generator at each reference bus takes the
//! island's balance. Magnitudes are 1 p.u. and reactive quantities are not computed.
//!
//! [`DcPowerFlow`] keeps the reduced matrix's pattern and the LU's symbolic analysis while the
//! bus roles stay the same.

use crate::network::{Network, PerUnit};
use crate::results::{PfStatus, PowerFlowResult};
use crate::sparse::{CscMatrix, SparseLu};
use crate::topology::{BusRole, Topology, TopologyCache};
use crate::ybus::DcMatrices;

/// A reusable DC power flow for one network structure.
#[derive(Debug, Clone)]
pub struct DcPowerFlow {
    dc: DcMatrices,
    cache: Option<Reduced>,
    topo: TopologyCache,
}

#[derive(Debug, Clone)]
struct Reduced {
    roles: Vec<BusRole>,
    /// Row/column of each bus in the reduced matrix, or `usize::MAX`.
    var: Vec<usize>,
    /// For each entry of `bbus`, its position in `mat.values`, or `usize::MAX`.
    map: Vec<usize>,
    mat: CscMatrix,
    lu: SparseLu,
    /// `lu` holds a factorisation of the current values of `mat`.
    factored: bool,
}

impl DcPowerFlow {
    /// Prepares a DC power flow for `net`.
    pub fn new(net: &Network) -> DcPowerFlow {
        DcPowerFlow {
            dc: DcMatrices::build(net),
            cache: None,
            topo: TopologyCache::default(),
        }
    }

    /// Rebuilds the matrices after branch in-service flags or reactances changed.
    pub fn update_network(&mut self, net: &Network) {
        self.dc = DcMatrices::build(net);
        if let Some(c) = self.cache.as_mut() {
            c.map.clear(); // force a value refresh on the next solve
        }
    }

    /// The DC matrices in use.
    pub fn matrices(&self) -> &DcMatrices {
        &self.dc
    }

    fn reduced<'a>(
        dc: &DcMatrices,
        cache: &'a mut Option<Reduced>,
        topo: &Topology,
    ) -> Result<&'a mut Reduced, PfStatus> {
        let n = topo.role.len();
        let bbus = &dc.bbus;
        let stale = match cache {
            Some(c) => c.roles != topo.role || c.map.len() != bbus.nnz(),
            None => true,
        };
        if stale {
            let mut var = vec![usize::MAX; n];
            let mut m = 0;
            for i in 0..n {
                if matches!(topo.role[i], BusRole::Pv | BusRole::Pq) {
                    var[i] = m;
                    m += 1;
                }
            }
            let mut trip = Vec::with_capacity(bbus.nnz());
            for j in 0..n {
                for p in bbus.col_ptr[j]..bbus.col_ptr[j + 1] {
                    let i = bbus.row_idx[p];
                    if var[i] != usize::MAX && var[j] != usize::MAX {
                        trip.push((var[i], var[j], 0.0));
                    }
                }
            }
            let mat = CscMatrix::from_triplets(m, m, &trip);
            let mut map = vec![usize::MAX; bbus.nnz()];
            for j in 0..n {
                for p in bbus.col_ptr[j]..bbus.col_ptr[j + 1] {
                    let i = bbus.row_idx[p];
                    if var[i] != usize::MAX && var[j] != usize::MAX {
                        map[p] = mat.position(var[i], var[j]).unwrap_or(usize::MAX);
                    }
                }
            }
            let lu = SparseLu::analyze(&mat).map_err(|_| PfStatus::Singular)?;
            *cache = Some(Reduced {
                roles: topo.role.clone(),
                var,
                map,
                mat,
                lu,
                factored: false,
            });
        }
        let c = cache.as_mut().ok_or(PfStatus::Singular)?;
        if c.factored {
            // Same roles and same B values as the last solve: the factorisation stands.
            return Ok(c);
        }
        c.mat.values.iter_mut().for_each(|v| *v = 0.0);
        for (p, &q) in c.map.iter().enumerate() {
            if q != usize::MAX {
                c.mat.values[q] += bbus.values[p];
            }
        }
        Ok(c)
    }

    /// Solves the DC power flow of `net` (angles of reference buses from the case).
    pub fn solve(&mut self, net: &Network) -> PowerFlowResult {
        let topo = self.topo.get(net);
        let pu = net.per_unit();
        let nb = net.n_bus();
        let mut pbus = vec![0.0; nb];
        for i in 0..nb {
            pbus[i] = -net.pd_pu[i] - self.dc.pbus_inj[i] - net.gs_pu[i];
        }
        for g in 0..net.n_gen() {
            if net.gen_connected(g) {
                pbus[net.gen_bus[g]] += net.pg_pu[g];
            }
        }
        let mut theta: Vec<f64> = (0..nb)
            .map(|i| {
                if topo.role[i] == BusRole::Dead {
                    0.0
                } else {
                    net.va0_rad[i]
                }
            })
            .collect();
        let mut status = PfStatus::Converged;
        if topo.n_energized() == 0 {
            status = PfStatus::NoEnergizedIsland;
        } else {
            match Self::reduced(&self.dc, &mut self.cache, topo) {
                Err(s) => status = s,
                Ok(red) => {
                    let bbus = &self.dc.bbus;
                    let m = red.mat.ncols;
                    let mut rhs = vec![0.0; m];
                    for i in 0..nb {
                        if red.var[i] != usize::MAX {
                            rhs[red.var[i]] = pbus[i];
                        }
                    }
                    // Move the reference angles to the right-hand side.
                    for j in 0..nb {
                        if topo.role[j] != BusRole::Ref {
                            continue;
                        }
                        for p in bbus.col_ptr[j]..bbus.col_ptr[j + 1] {
                            let i = bbus.row_idx[p];
                            if red.var[i] != usize::MAX {
                                rhs[red.var[i]] -= bbus.values[p] * theta[j];
                            }
                        }
                    }
                    if !red.factored {
                        red.factored = red.lu.factor(&red.mat).is_ok();
                    }
                    if !red.factored || red.lu.solve_in_place(&mut rhs).is_err() {
                        status = PfStatus::Singular;
                    } else {
                        for i in 0..nb {
                            if red.var[i] != usize::MAX {
                                theta[i] = rhs[red.var[i]];
                            }
                        }
                    }
                }
            }
        }
        // Flows and the slack generators' output.
        let nl = net.n_branch();
        let mut pf = vec![0.0; nl];
        let energized: Vec<bool> = topo.role.iter().map(|&r| r != BusRole::Dead).collect();
        for k in 0..nl {
            let (f, t) = (net.br_from[k], net.br_to[k]);
            if net.branch_connected(k) && energized[f] {
                pf[k] = pu.to_mw(self.dc.b_branch[k] * (theta[f] - theta[t]) + self.dc.pf_inj[k]);
            }
        }
        let bbus_theta = self.dc.bbus.mul_vec(&theta);
        let mut pg_mw: Vec<f64> = (0..net.n_gen())
            .map(|g| {
                if net.gen_connected(g) && energized[net.gen_bus[g]] {
                    pu.to_mw(net.pg_pu[g])
                } else {
                    0.0
                }
            })
            .collect();
        let mut max_mis = 0.0f64;
        for i in 0..nb {
            match topo.role[i] {
                BusRole::Ref => {
                    if let Some(g) =
                        (0..net.n_gen()).find(|&g| net.gen_bus[g] == i && net.gen_connected(g))
                    {
                        pg_mw[g] += pu.to_mw(bbus_theta[i] - pbus[i]);
                    }
                }
                BusRole::Pv | BusRole::Pq => max_mis = max_mis.max((bbus_theta[i] - pbus[i]).abs()),
                BusRole::Dead => {}
            }
        }
        let qg_mvar = (0..net.n_gen())
            .map(|g| {
                if net.gen_connected(g) {
                    pu.to_mw(net.qg_pu[g])
                } else {
                    0.0
                }
            })
            .collect();
        let unserved: f64 = topo
            .islands
            .iter()
            .filter(|i| !i.energized)
            .flat_map(|i| i.buses.iter())
            .map(|&i| net.pd_pu[i])
            .sum();
        let mut diagnostics = Vec::new();
        for isl in topo.islands.iter().filter(|i| !i.energized) {
            diagnostics.push(format!(
                "island with bus {} and {} other(s) has no generation: de-energised",
                net.bus_id[isl.buses[0]],
                isl.buses.len() - 1
            ));
        }
        PowerFlowResult {
            status,
            iterations: 1,
            max_mismatch_pu: max_mis,
            vm_pu: energized
                .iter()
                .map(|&e| if e { 1.0 } else { 0.0 })
                .collect(),
            va_deg: theta.iter().map(|&t| PerUnit::rad_to_deg(t)).collect(),
            energized,
            pg_mw,
            qg_mvar,
            pt_mw: pf.iter().map(|&p| -p).collect(),
            pf_mw: pf,
            qf_mvar: vec![0.0; nl],
            qt_mvar: vec![0.0; nl],
            q_limited_gens: Vec::new(),
            unserved_mw: pu.to_mw(unserved),
            n_islands: topo.islands.len(),
            n_energized_islands: topo.n_energized(),
            diagnostics,
        }
    }
}
