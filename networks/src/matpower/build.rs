//! Turns the evaluated `mpc` fields into a [`Case`], checking every row and reporting every problem with its location.

use std::collections::HashMap;

use super::lexer::SourceMap;
use super::parser::{fmt_num, Fields, Mat, MatField, Parsed, Problem, Slot};
use crate::case::{BranchTable, BusId, BusTable, BusType, Case, CostCurve, GenCost, GenTable};

/// `x` as an integer in `min..=u32::MAX`, if it is one.
fn to_u32(x: f64, min: u32) -> Option<u32> {
    (x.fract() == 0.0 && x >= f64::from(min) && x <= f64::from(u32::MAX)).then_some(x as u32)
}

/// Row `i` of `m`, as a slice.
fn row(m: &Mat, i: usize) -> &[f64] {
    m.data.get(i * m.cols..(i + 1) * m.cols).unwrap_or(&[])
}

fn at(r: &[f64], k: usize) -> f64 {
    r.get(k).copied().unwrap_or(f64::NAN)
}

struct Builder<'a> {
    map: &'a SourceMap<'a>,
    end_off: u32,
    problems: Vec<Problem>,
}

impl Builder<'_> {
    fn problem(&mut self, off: u32, expected: impl Into<String>, found: impl Into<String>) {
        self.problems.push(Problem::new(off, expected, found));
    }

    /// The field, or `None` after reporting it missing (broken fields were reported already).
    fn require<'f>(&mut self, slot: &'f Slot<MatField>, name: &str) -> Option<&'f MatField> {
        match slot {
            Slot::Ok(f) => Some(f),
            Slot::Broken => None,
            Slot::Missing => {
                self.problem(
                    self.end_off,
                    format!("an assignment `mpc.{name} = [ … ];`"),
                    "end of file without one",
                );
                None
            }
        }
    }

    /// Checks that a non-empty matrix has enough columns; reports at its first element.
    fn check_cols(&mut self, f: &MatField, name: &str, ok: bool, expected: &str) -> bool {
        if f.mat.rows == 0 || ok {
            return true;
        }
        let off = f.mat.pos.first().copied().unwrap_or(f.off);
        self.problem(
            off,
            format!("{expected} in each row of `mpc.{name}`"),
            format!("{} columns", f.mat.cols),
        );
        false
    }

    fn bus_number(
        &mut self,
        r: &[f64],
        pos: &[u32],
        k: usize,
        what: &str,
        buses: Option<&HashMap<BusId, u32>>,
    ) -> BusId {
        let x = at(r, k);
        let off = pos.get(k).copied().unwrap_or(0);
        match to_u32(x, 1) {
            None => {
                self.problem(off, format!("a positive integer {what} number"), fmt_num(x));
                0
            }
            Some(id) => {
                if let Some(buses) = buses {
                    if !buses.contains_key(&id) {
                        self.problem(
                            off,
                            format!("a {what} number listed in `mpc.bus`"),
                            format!("bus {id}, which is not there"),
                        );
                    }
                }
                id
            }
        }
    }

    /// Fills the bus table; returns the bus numbers seen (with where), or `None` when the
    /// matrix is too narrow to have any.
    fn bus(&mut self, f: &MatField, t: &mut BusTable) -> Option<HashMap<BusId, u32>> {
        let m = &f.mat;
        if !self.check_cols(f, "bus", m.cols >= 13, "at least 13 columns (bus_i … Vmin)") {
            return None;
        }
        let mut seen: HashMap<BusId, u32> = HashMap::with_capacity(m.rows);
        for i in 0..m.rows {
            let r = row(m, i);
            let pos = m.pos.get(i * m.cols..(i + 1) * m.cols).unwrap_or(&[]);
            let p = |k: usize| pos.get(k).copied().unwrap_or(0);
            let id = self.bus_number(r, pos, 0, "bus", None);
            if id != 0 {
                if let Some(&first) = seen.get(&id) {
                    let line = self.map.line(first);
                    self.problem(
                        p(0),
                        format!("a bus number not used before (bus {id} is on line {line})"),
                        fmt_num(at(r, 0)),
                    );
                } else {
                    seen.insert(id, p(0));
                }
            }
            let code = at(r, 1);
            let bus_type = to_u32(code, 1)
                .and_then(|c| u8::try_from(c).ok())
                .and_then(BusType::from_code);
            if bus_type.is_none() {
                self.problem(
                    p(1),
                    "a bus type 1 (PQ), 2 (PV), 3 (reference) or 4 (isolated)",
                    fmt_num(code),
                );
            }
            let mut int = |k: usize, what: &str| {
                to_u32(at(r, k), 0).unwrap_or_else(|| {
                    self.problem(
                        p(k),
                        format!("a non-negative integer {what}"),
                        fmt_num(at(r, k)),
                    );
                    0
                })
            };
            let area = int(6, "area number");
            let zone = int(10, "loss zone number");
            t.id.push(id);
            t.bus_type.push(bus_type.unwrap_or(BusType::Pq));
            t.pd_mw.push(at(r, 2));
            t.qd_mvar.push(at(r, 3));
            t.gs_mw.push(at(r, 4));
            t.bs_mvar.push(at(r, 5));
            t.area.push(area);
            t.vm_pu.push(at(r, 7));
            t.va_deg.push(at(r, 8));
            t.base_kv.push(at(r, 9));
            t.zone.push(zone);
            t.vmax_pu.push(at(r, 11));
            t.vmin_pu.push(at(r, 12));
            t.extra.push(r.get(13..).unwrap_or(&[]).to_vec());
        }
        Some(seen)
    }

    fn gen(&mut self, f: &MatField, buses: Option<&HashMap<BusId, u32>>, t: &mut GenTable) {
        let m = &f.mat;
        if !self.check_cols(f, "gen", m.cols >= 10, "at least 10 columns (bus … Pmin)") {
            return;
        }
        for i in 0..m.rows {
            let r = row(m, i);
            let pos = m.pos.get(i * m.cols..(i + 1) * m.cols).unwrap_or(&[]);
            t.bus.push(self.bus_number(r, pos, 0, "bus", buses));
            t.pg_mw.push(at(r, 1));
            t.qg_mvar.push(at(r, 2));
            t.qmax_mvar.push(at(r, 3));
            t.qmin_mvar.push(at(r, 4));
            t.vg_pu.push(at(r, 5));
            t.mbase_mva.push(at(r, 6));
            t.in_service.push(at(r, 7) > 0.0);
            t.pmax_mw.push(at(r, 8));
            t.pmin_mw.push(at(r, 9));
            t.extra.push(r.get(10..).unwrap_or(&[]).to_vec());
        }
    }

    fn branch(&mut self, f: &MatField, buses: Option<&HashMap<BusId, u32>>, t: &mut BranchTable) {
        let m = &f.mat;
        let ok = m.cols == 11 || m.cols >= 13;
        if !self.check_cols(
            f,
            "branch",
            ok,
            "11 or at least 13 columns (fbus … status[, angmin, angmax])",
        ) {
            return;
        }
        for i in 0..m.rows {
            let r = row(m, i);
            let pos = m.pos.get(i * m.cols..(i + 1) * m.cols).unwrap_or(&[]);
            t.from_bus
                .push(self.bus_number(r, pos, 0, "from-bus", buses));
            t.to_bus.push(self.bus_number(r, pos, 1, "to-bus", buses));
            t.r_pu.push(at(r, 2));
            t.x_pu.push(at(r, 3));
            t.b_pu.push(at(r, 4));
            t.rate_a_mva.push(at(r, 5));
            t.rate_b_mva.push(at(r, 6));
            t.rate_c_mva.push(at(r, 7));
            t.tap_ratio.push(at(r, 8));
            t.shift_deg.push(at(r, 9));
            t.in_service.push(at(r, 10) > 0.0);
            // MATPOWER fills in ANGMIN/ANGMAX of 11-column branch data with -360/360.
            let (lo, hi) = if m.cols == 11 {
                (-360.0, 360.0)
            } else {
                (at(r, 11), at(r, 12))
            };
            t.angmin_deg.push(lo);
            t.angmax_deg.push(hi);
            t.extra.push(r.get(13..).unwrap_or(&[]).to_vec());
        }
    }

    fn gencost(&mut self, f: &MatField, n_gen: Option<usize>, out: &mut Vec<GenCost>) {
        let m = &f.mat;
        if m.rows == 0 {
            return;
        }
        if let Some(ng) = n_gen {
            if m.rows != ng && m.rows != 2 * ng {
                self.problem(
                    f.off,
                    format!(
                        "{ng} or {} rows in `mpc.gencost` (one or two per generator)",
                        2 * ng
                    ),
                    format!("{} rows", m.rows),
                );
            }
        }
        if !self.check_cols(
            f,
            "gencost",
            m.cols >= 4,
            "at least 4 columns (model, startup, shutdown, n)",
        ) {
            return;
        }
        for i in 0..m.rows {
            let r = row(m, i);
            let pos = m.pos.get(i * m.cols..(i + 1) * m.cols).unwrap_or(&[]);
            let p = |k: usize| pos.get(k).copied().unwrap_or(0);
            let model = at(r, 0);
            let n = at(r, 3);
            let per_point = if model == 1.0 {
                2
            } else if model == 2.0 {
                1
            } else {
                self.problem(
                    p(0),
                    "a cost model 1 (piecewise linear) or 2 (polynomial)",
                    fmt_num(model),
                );
                continue;
            };
            let Some(count) = to_u32(n, 0).map(|n| n as usize) else {
                self.problem(
                    p(3),
                    "a non-negative integer number of cost points or coefficients (n)",
                    fmt_num(n),
                );
                continue;
            };
            let needed = count.saturating_mul(per_point).saturating_add(4);
            if needed > m.cols {
                let what = if per_point == 2 {
                    "points"
                } else {
                    "coefficients"
                };
                self.problem(
                    p(3),
                    format!("{needed} columns for cost model {model} with n = {count} {what}"),
                    format!("{} columns", m.cols),
                );
                continue;
            }
            let body = r.get(4..needed).unwrap_or(&[]);
            let curve = if per_point == 2 {
                CostCurve::PiecewiseLinear {
                    points: body.chunks_exact(2).map(|c| (at(c, 0), at(c, 1))).collect(),
                }
            } else {
                CostCurve::Polynomial {
                    coeffs_high_first: body.to_vec(),
                }
            };
            out.push(GenCost {
                startup_usd: at(r, 1),
                shutdown_usd: at(r, 2),
                curve,
                padding: r.get(needed..).unwrap_or(&[]).to_vec(),
            });
        }
    }
}

/// Builds the case named `name` from `parsed`; on failure, every problem found (parse
/// problems first), sorted by position.
pub(crate) fn build(
    parsed: Parsed,
    name: String,
    map: &SourceMap<'_>,
    src_len: usize,
) -> Result<Case, Vec<Problem>> {
    let Parsed {
        function_name,
        fields,
        problems,
    } = parsed;
    let Fields {
        base_mva,
        bus,
        gen,
        branch,
        gencost,
        bus_name,
        other,
    } = fields;
    let mut b = Builder {
        map,
        end_off: u32::try_from(src_len).unwrap_or(u32::MAX),
        problems,
    };
    let mut case = Case {
        name: function_name.unwrap_or(name),
        other_fields: other,
        ..Case::default()
    };

    match base_mva {
        Slot::Ok((x, off)) => {
            if !(x.is_finite() && x > 0.0) {
                b.problem(off, "a positive, finite `baseMVA`", fmt_num(x));
            }
            case.base_mva = x;
        }
        Slot::Broken => {}
        Slot::Missing => b.problem(
            b.end_off,
            "an assignment `mpc.baseMVA = …;`",
            "end of file without one",
        ),
    }

    let buses = b.require(&bus, "bus").and_then(|f| b.bus(f, &mut case.bus));
    if let Some(f) = b.require(&gen, "gen") {
        b.gen(f, buses.as_ref(), &mut case.gen);
    }
    if let Some(f) = b.require(&branch, "branch") {
        b.branch(f, buses.as_ref(), &mut case.branch);
    }
    if let Slot::Ok(f) = &gencost {
        let n_gen = match &gen {
            Slot::Ok(g) => Some(g.mat.rows),
            _ => None,
        };
        b.gencost(f, n_gen, &mut case.gencost);
    }
    if let Slot::Ok((names, off)) = bus_name {
        if let Slot::Ok(f) = &bus {
            if names.len() != f.mat.rows {
                b.problem(
                    off,
                    format!("{} bus names (one per bus)", f.mat.rows),
                    format!("{}", names.len()),
                );
            }
        }
        case.bus_name = Some(names);
    }

    if b.problems.is_empty() {
        Ok(case)
    } else {
        let mut problems = b.problems;
        problems.sort_by_key(|p| p.off);
        Err(problems)
    }
}
