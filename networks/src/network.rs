//! A case compiled for the solvers: per-unit on `base_mva`, densely indexed, radians.
//!
//! [`Network::from_case`] is the one place where user units (MW, MVAr, degrees) become per-unit
//! and radians; [`PerUnit`] converts results back. Bus index `i` is row `i` of the case's bus
//! table, generator `g` row `g` of its gen table and branch `k` row `k` of its branch table, so
//! results come out in the file's order and carry the file's own bus numbers (`bus_id`).
//!
//! A `Network` is mutable state for simulation: loads, generator setpoints and the in-service
//! flags may be changed between solves (see [`crate::acpf::AcPowerFlow`] for what is reused).

use std::collections::HashMap;
use std::f64::consts::PI;

use crate::case::{BusId, BusType, Case};
use crate::error::NetworkError;

/// Conversion between user units and per-unit/radians, on one MVA base.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerUnit {
    /// System base, MVA.
    pub base_mva: f64,
}

impl PerUnit {
    /// MW (or MVAr, MVA) to per-unit.
    pub fn to_pu(self, mw: f64) -> f64 {
        mw / self.base_mva
    }
    /// Per-unit to MW (or MVAr, MVA).
    pub fn to_mw(self, pu: f64) -> f64 {
        pu * self.base_mva
    }
    /// Degrees to radians, as MATPOWER computes it (`deg * pi / 180`).
    pub fn deg_to_rad(deg: f64) -> f64 {
        deg * PI / 180.0
    }
    /// Radians to degrees, as MATPOWER computes it (`rad * 180 / pi`).
    pub fn rad_to_deg(rad: f64) -> f64 {
        rad * 180.0 / PI
    }
}

/// The compiled network. All powers in per-unit on `base_mva`, angles in radians.
#[derive(Debug, Clone)]
pub struct Network {
    /// Case name.
    pub name: String,
    /// System base, MVA.
    pub base_mva: f64,

    /// External bus number of each bus.
    pub bus_id: Vec<BusId>,
    /// Bus type as given in the case.
    pub bus_type: Vec<BusType>,
    /// Active load, p.u.
    pub pd_pu: Vec<f64>,
    /// Reactive load, p.u.
    pub qd_pu: Vec<f64>,
    /// Shunt conductance, p.u. (consumed at 1 p.u. voltage).
    pub gs_pu: Vec<f64>,
    /// Shunt susceptance, p.u. (injected at 1 p.u. voltage).
    pub bs_pu: Vec<f64>,
    /// Voltage magnitude in the case (power flow start), p.u.
    pub vm0_pu: Vec<f64>,
    /// Voltage angle in the case (power flow start), rad.
    pub va0_rad: Vec<f64>,
    /// Voltage limits, p.u.
    pub vmax_pu: Vec<f64>,
    /// Voltage limits, p.u.
    pub vmin_pu: Vec<f64>,

    /// Bus index of each generator.
    pub gen_bus: Vec<usize>,
    /// Generator in service.
    pub gen_in_service: Vec<bool>,
    /// Active output setpoint, p.u.
    pub pg_pu: Vec<f64>,
    /// Reactive output, p.u. (used as an injection only where the bus is PQ).
    pub qg_pu: Vec<f64>,
    /// Reactive limits, p.u.
    pub qmax_pu: Vec<f64>,
    /// Reactive limits, p.u.
    pub qmin_pu: Vec<f64>,
    /// Voltage setpoint, p.u.
    pub vg_pu: Vec<f64>,
    /// Active limits, p.u.
    pub pmax_pu: Vec<f64>,
    /// Active limits, p.u.
    pub pmin_pu: Vec<f64>,

    /// From-bus index of each branch.
    pub br_from: Vec<usize>,
    /// To-bus index of each branch.
    pub br_to: Vec<usize>,
    /// Series resistance, p.u.
    pub br_r_pu: Vec<f64>,
    /// Series reactance, p.u.
    pub br_x_pu: Vec<f64>,
    /// Total charging susceptance, p.u.
    pub br_b_pu: Vec<f64>,
    /// Effective off-nominal ratio (1 for lines).
    pub br_tap: Vec<f64>,
    /// Phase shift, rad.
    pub br_shift_rad: Vec<f64>,
    /// Branch in service.
    pub br_in_service: Vec<bool>,
    /// Long-term rating (`RATE_A`), p.u.; `f64::INFINITY` where the case gives 0 (unlimited).
    pub br_rate_a_pu: Vec<f64>,

    index: HashMap<BusId, usize>,
}

impl Network {
    /// Compiles a case. Fails, listing every problem, when an element refers to a bus that
    /// does not exist or a number is unusable (non-finite impedance, non-positive base).
    pub fn from_case(case: &Case) -> Result<Network, NetworkError> {
        let mut problems = Vec::new();
        if !(case.base_mva.is_finite() && case.base_mva > 0.0) {
            problems.push(format!("baseMVA must be positive, found {}", case.base_mva));
        }
        let pu = PerUnit {
            base_mva: case.base_mva,
        };
        let b = &case.bus;
        let mut index = HashMap::with_capacity(b.len());
        for (i, &id) in b.id.iter().enumerate() {
            if index.insert(id, i).is_some() {
                problems.push(format!("bus {id} appears more than once"));
            }
        }
        let lookup = |id: BusId, what: &str, row: usize, problems: &mut Vec<String>| -> usize {
            match index.get(&id) {
                Some(&i) => i,
                None => {
                    problems.push(format!(
                        "{what} {} refers to bus {id}, which does not exist",
                        row + 1
                    ));
                    0
                }
            }
        };
        let g = &case.gen;
        let gen_bus: Vec<usize> = g
            .bus
            .iter()
            .enumerate()
            .map(|(k, &id)| lookup(id, "generator", k, &mut problems))
            .collect();
        let br = &case.branch;
        let br_from: Vec<usize> = br
            .from_bus
            .iter()
            .enumerate()
            .map(|(k, &id)| lookup(id, "branch", k, &mut problems))
            .collect();
        let br_to: Vec<usize> = br
            .to_bus
            .iter()
            .enumerate()
            .map(|(k, &id)| lookup(id, "branch", k, &mut problems))
            .collect();
        for k in 0..br.len() {
            if br.in_service[k] && (br.r_pu[k] == 0.0 && br.x_pu[k] == 0.0) {
                problems.push(format!(
                    "branch {} ({}-{}) has zero impedance (r = x = 0)",
                    k + 1,
                    br.from_bus[k],
                    br.to_bus[k]
                ));
            }
            if !(br.r_pu[k].is_finite() && br.x_pu[k].is_finite() && br.b_pu[k].is_finite()) {
                problems.push(format!("branch {} has a non-finite r, x or b", k + 1));
            }
        }
        if !problems.is_empty() {
            return Err(NetworkError::InvalidData(problems));
        }
        let v = |x: &Vec<f64>| -> Vec<f64> { x.iter().map(|&m| pu.to_pu(m)).collect() };
        Ok(Network {
            name: case.name.clone(),
            base_mva: case.base_mva,
            bus_id: b.id.clone(),
            bus_type: b.bus_type.clone(),
            pd_pu: v(&b.pd_mw),
            qd_pu: v(&b.qd_mvar),
            gs_pu: v(&b.gs_mw),
            bs_pu: v(&b.bs_mvar),
            vm0_pu: b.vm_pu.clone(),
            va0_rad: b.va_deg.iter().map(|&d| PerUnit::deg_to_rad(d)).collect(),
            vmax_pu: b.vmax_pu.clone(),
            vmin_pu: b.vmin_pu.clone(),
            gen_bus,
            gen_in_service: g.in_service.clone(),
            pg_pu: v(&g.pg_mw),
            qg_pu: v(&g.qg_mvar),
            qmax_pu: v(&g.qmax_mvar),
            qmin_pu: v(&g.qmin_mvar),
            vg_pu: g.vg_pu.clone(),
            pmax_pu: v(&g.pmax_mw),
            pmin_pu: v(&g.pmin_mw),
            br_from,
            br_to,
            br_r_pu: br.r_pu.clone(),
            br_x_pu: br.x_pu.clone(),
            br_b_pu: br.b_pu.clone(),
            br_tap: (0..br.len()).map(|k| br.effective_tap(k)).collect(),
            br_shift_rad: br
                .shift_deg
                .iter()
                .map(|&d| PerUnit::deg_to_rad(d))
                .collect(),
            br_in_service: br.in_service.clone(),
            br_rate_a_pu: br
                .rate_a_mva
                .iter()
                .map(|&r| if r == 0.0 { f64::INFINITY } else { pu.to_pu(r) })
                .collect(),
            index,
        })
    }

    /// Per-unit converter on this network's base.
    pub fn per_unit(&self) -> PerUnit {
        PerUnit {
            base_mva: self.base_mva,
        }
    }

    /// Number of buses.
    pub fn n_bus(&self) -> usize {
        self.bus_id.len()
    }

    /// Number of generators.
    pub fn n_gen(&self) -> usize {
        self.gen_bus.len()
    }

    /// Number of branches.
    pub fn n_branch(&self) -> usize {
        self.br_from.len()
    }

    /// Dense index of an external bus number.
    pub fn bus_index(&self, id: BusId) -> Option<usize> {
        self.index.get(&id).copied()
    }

    /// A branch is connected when it and both its end buses are in service
    /// (a bus of type 4, isolated, is out of service).
    pub fn branch_connected(&self, k: usize) -> bool {
        self.br_in_service[k]
            && self.bus_type[self.br_from[k]] != BusType::Isolated
            && self.bus_type[self.br_to[k]] != BusType::Isolated
    }

    /// A generator is connected when it is in service at an in-service bus.
    pub fn gen_connected(&self, g: usize) -> bool {
        self.gen_in_service[g] && self.bus_type[self.gen_bus[g]] != BusType::Isolated
    }
}
