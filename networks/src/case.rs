//! Case data as the user gave it: one struct-of-arrays table per element type, in MW, MVAr, kV, p.u. and degrees.
//!
//! These tables hold a case exactly as read (a MATPOWER file, or built in code): nothing is
//! converted, reordered or dropped, so a case can be written back out unchanged. Out-of-service
//! elements stay in the tables with `in_service == false`. Solvers never read these tables
//! directly: [`crate::network::Network`] compiles them into per-unit, densely indexed form.
//!
//! Sign conventions: loads (`pd_mw`, `qd_mvar`) are consumption; generator output (`pg_mw`,
//! `qg_mvar`) is injection; shunts (`gs_mw`, `bs_mvar`) are the MW consumed and the MVAr injected
//! at 1.0 p.u. voltage, as in MATPOWER.

use serde::{Deserialize, Serialize};

/// External bus number as written in the case file (MATPOWER `BUS_I`). Every output uses it.
pub type BusId = u32;

/// Bus type code, MATPOWER numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BusType {
    /// 1: load bus, P and Q given.
    Pq,
    /// 2: generator bus, P and |V| given.
    Pv,
    /// 3: reference (slack) bus, |V| and angle given.
    Ref,
    /// 4: isolated bus, out of service.
    Isolated,
}

impl BusType {
    /// The MATPOWER code (1–4).
    pub fn code(self) -> u8 {
        match self {
            BusType::Pq => 1,
            BusType::Pv => 2,
            BusType::Ref => 3,
            BusType::Isolated => 4,
        }
    }

    /// From a MATPOWER code; `None` for anything but 1–4.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(BusType::Pq),
            2 => Some(BusType::Pv),
            3 => Some(BusType::Ref),
            4 => Some(BusType::Isolated),
            _ => None,
        }
    }
}

/// Bus table (MATPOWER `mpc.bus`, columns 1–13).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BusTable {
    /// External bus number (`BUS_I`).
    pub id: Vec<BusId>,
    /// Bus type (`BUS_TYPE`).
    pub bus_type: Vec<BusType>,
    /// Active load, MW (`PD`), positive = consumption.
    pub pd_mw: Vec<f64>,
    /// Reactive load, MVAr (`QD`), positive = consumption.
    pub qd_mvar: Vec<f64>,
    /// Shunt conductance, MW consumed at 1.0 p.u. (`GS`).
    pub gs_mw: Vec<f64>,
    /// Shunt susceptance, MVAr injected at 1.0 p.u. (`BS`).
    pub bs_mvar: Vec<f64>,
    /// Area number (`BUS_AREA`).
    pub area: Vec<u32>,
    /// Voltage magnitude, p.u. (`VM`): the starting point of a power flow.
    pub vm_pu: Vec<f64>,
    /// Voltage angle, degrees (`VA`).
    pub va_deg: Vec<f64>,
    /// Base voltage, kV (`BASE_KV`).
    pub base_kv: Vec<f64>,
    /// Loss zone (`ZONE`).
    pub zone: Vec<u32>,
    /// Upper voltage limit, p.u. (`VMAX`).
    pub vmax_pu: Vec<f64>,
    /// Lower voltage limit, p.u. (`VMIN`).
    pub vmin_pu: Vec<f64>,
    /// Columns past the 13th (OPF results such as `LAM_P`), kept verbatim per row.
    pub extra: Vec<Vec<f64>>,
}

impl BusTable {
    /// Number of buses.
    pub fn len(&self) -> usize {
        self.id.len()
    }

    /// True when there are no buses.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
}

/// Generator table (MATPOWER `mpc.gen`, columns 1–10; the rest kept in `extra`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenTable {
    /// External number of the bus the generator is connected to (`GEN_BUS`).
    pub bus: Vec<BusId>,
    /// Active output, MW (`PG`), positive = injection.
    pub pg_mw: Vec<f64>,
    /// Reactive output, MVAr (`QG`), positive = injection.
    pub qg_mvar: Vec<f64>,
    /// Reactive upper limit, MVAr (`QMAX`).
    pub qmax_mvar: Vec<f64>,
    /// Reactive lower limit, MVAr (`QMIN`).
    pub qmin_mvar: Vec<f64>,
    /// Voltage setpoint, p.u. (`VG`).
    pub vg_pu: Vec<f64>,
    /// Machine base, MVA (`MBASE`).
    pub mbase_mva: Vec<f64>,
    /// In service (`GEN_STATUS` > 0).
    pub in_service: Vec<bool>,
    /// Active upper limit, MW (`PMAX`).
    pub pmax_mw: Vec<f64>,
    /// Active lower limit, MW (`PMIN`).
    pub pmin_mw: Vec<f64>,
    /// Columns past the 10th (`PC1` … `APF`, OPF multipliers), kept verbatim per row.
    pub extra: Vec<Vec<f64>>,
}

impl GenTable {
    /// Number of generators.
    pub fn len(&self) -> usize {
        self.bus.len()
    }

    /// True when there are no generators.
    pub fn is_empty(&self) -> bool {
        self.bus.is_empty()
    }
}

/// Branch table (MATPOWER `mpc.branch`, columns 1–13; the rest kept in `extra`).
///
/// The model is MATPOWER's: a series impedance `r_pu + j x_pu` with total line charging `b_pu`
/// split half at each end, and an ideal transformer of ratio `tap_ratio ∠ shift_deg` on the
/// *from* side. `tap_ratio == 0` means a line (ratio 1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BranchTable {
    /// From-bus external number (`F_BUS`).
    pub from_bus: Vec<BusId>,
    /// To-bus external number (`T_BUS`).
    pub to_bus: Vec<BusId>,
    /// Series resistance, p.u. on the system base (`BR_R`).
    pub r_pu: Vec<f64>,
    /// Series reactance, p.u. (`BR_X`).
    pub x_pu: Vec<f64>,
    /// Total line charging susceptance, p.u. (`BR_B`).
    pub b_pu: Vec<f64>,
    /// Long-term rating, MVA (`RATE_A`); 0 = unlimited.
    pub rate_a_mva: Vec<f64>,
    /// Short-term rating, MVA (`RATE_B`); 0 = unlimited.
    pub rate_b_mva: Vec<f64>,
    /// Emergency rating, MVA (`RATE_C`); 0 = unlimited.
    pub rate_c_mva: Vec<f64>,
    /// Off-nominal turns ratio (`TAP`), from side; 0 = line (ratio 1).
    pub tap_ratio: Vec<f64>,
    /// Phase shift, degrees (`SHIFT`), positive = delay of the to side.
    pub shift_deg: Vec<f64>,
    /// In service (`BR_STATUS` > 0).
    pub in_service: Vec<bool>,
    /// Minimum angle difference θf − θt, degrees (`ANGMIN`).
    pub angmin_deg: Vec<f64>,
    /// Maximum angle difference θf − θt, degrees (`ANGMAX`).
    pub angmax_deg: Vec<f64>,
    /// Columns past the 13th (power flow results `PF` … `QT`, OPF multipliers), kept verbatim.
    pub extra: Vec<Vec<f64>>,
}

impl BranchTable {
    /// Number of branches.
    pub fn len(&self) -> usize {
        self.from_bus.len()
    }

    /// True when there are no branches.
    pub fn is_empty(&self) -> bool {
        self.from_bus.is_empty()
    }

    /// The effective tap ratio: `tap_ratio`, or 1 where it is 0 (a line).
    pub fn effective_tap(&self, k: usize) -> f64 {
        let t = self.tap_ratio[k];
        if t == 0.0 {
            1.0
        } else {
            t
        }
    }
}

/// A generator's cost curve (one row of MATPOWER `mpc.gencost`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CostCurve {
    /// Model 1: piecewise linear through `(p_mw, cost_usd_per_h)` points, in increasing `p_mw`.
    PiecewiseLinear { points: Vec<(f64, f64)> },
    /// Model 2: polynomial `c_n p^n + … + c_1 p + c_0` in $/h with `p` in MW; coefficients
    /// stored highest degree first, exactly as in the file.
    Polynomial { coeffs_high_first: Vec<f64> },
}

/// One row of MATPOWER `mpc.gencost`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenCost {
    /// Startup cost, $ (`STARTUP`).
    pub startup_usd: f64,
    /// Shutdown cost, $ (`SHUTDOWN`).
    pub shutdown_usd: f64,
    /// The curve.
    pub curve: CostCurve,
    /// Trailing columns past those the curve uses (often zero padding), kept for round trip.
    pub padding: Vec<f64>,
}

impl GenCost {
    /// Cost in $/h at output `p_mw` (piecewise linear curves extrapolate their end segments).
    pub fn cost_usd_per_h(&self, p_mw: f64) -> f64 {
        match &self.curve {
            CostCurve::Polynomial { coeffs_high_first } => {
                coeffs_high_first.iter().fold(0.0, |acc, c| acc * p_mw + c)
            }
            CostCurve::PiecewiseLinear { points } => {
                if points.is_empty() {
                    return 0.0;
                }
                if points.len() == 1 {
                    return points[0].1;
                }
                let seg = points
                    .windows(2)
                    .position(|w| p_mw <= w[1].0)
                    .unwrap_or(points.len() - 2);
                let (x0, y0) = points[seg];
                let (x1, y1) = points[seg + 1];
                if x1 == x0 {
                    y0
                } else {
                    y0 + (y1 - y0) * (p_mw - x0) / (x1 - x0)
                }
            }
        }
    }
}

/// A power system case, as read: the contents of a MATPOWER `mpc` struct.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// Case name (the MATPOWER function name, or the file stem).
    pub name: String,
    /// System MVA base (`mpc.baseMVA`).
    pub base_mva: f64,
    /// Buses.
    pub bus: BusTable,
    /// Generators.
    pub gen: GenTable,
    /// Branches.
    pub branch: BranchTable,
    /// Generator costs: `gen.len()` rows of active-power costs, optionally followed by
    /// `gen.len()` rows of reactive-power costs. Empty when the case has none.
    pub gencost: Vec<GenCost>,
    /// Optional bus names (`mpc.bus_name`), one per bus.
    pub bus_name: Option<Vec<String>>,
    /// Other `mpc.<field> = …;` assignments the reader does not interpret (e.g. `mpc.gentype`,
    /// `mpc.areas`), as (field name, verbatim right-hand side text), in file order, so that
    /// nothing a user gave is lost when the case is written back out.
    pub other_fields: Vec<(String, String)>,
}

impl Case {
    /// Active-power cost curve of generator `g`, if the case has costs.
    pub fn active_cost(&self, g: usize) -> Option<&GenCost> {
        self.gencost.get(g)
    }
}
