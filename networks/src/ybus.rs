//! Bus admittance matrix (AC) and bus susceptance matrix (DC), MATPOWER's branch model.
//!
//! Each branch is a π model with series admittance `ys = 1/(r + jx)`, total charging `b` split
//! half at each end, and an ideal transformer `N = τ e^{jθsh}` at the from end:
//!
//! ```text
//! [If]   [ (ys + jb/2)/|N|²   -ys/conj(N) ] [Vf]
//! [It] = [ -ys/N               ys + jb/2  ] [Vt]
//! ```
//!
//! `Ybus = Cfᵀ Yf + Ctᵀ Yt + diag(Ysh)` with the bus shunt `Ysh = (Gs + jBs)/baseMVA`.
//!
//! The sparsity pattern holds *every* branch whose ends exist, in service or not, plus the
//! whole diagonal: switching a branch out only zeroes its values, so everything factorised on
//! that pattern (the Newton Jacobian's symbolic LU) is reused across outages.

use num_complex::Complex64;

use crate::network::Network;
use crate::sparse::CscMatrix;

/// The four admittances of one branch, p.u.; all zero when the branch is not connected.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BranchY {
    /// Self admittance seen from the from end.
    pub ff: Complex64,
    /// Transfer admittance, from-row, to-column.
    pub ft: Complex64,
    /// Transfer admittance, to-row, from-column.
    pub tf: Complex64,
    /// Self admittance seen from the to end.
    pub tt: Complex64,
}

/// Admittances of branch `k` as MATPOWER's `makeYbus` computes them.
pub fn branch_admittance(net: &Network, k: usize) -> BranchY {
    if !net.branch_connected(k) {
        return BranchY::default();
    }
    let ys = Complex64::new(1.0, 0.0) / Complex64::new(net.br_r_pu[k], net.br_x_pu[k]);
    let bc = net.br_b_pu[k];
    let tap = Complex64::from_polar(net.br_tap[k], net.br_shift_rad[k]);
    let ytt = ys + Complex64::new(0.0, bc / 2.0);
    BranchY {
        ff: ytt / (tap * tap.conj()),
        ft: -ys / tap.conj(),
        tf: -ys / tap,
        tt: ytt,
    }
}

/// Ybus in compressed-sparse-row form with real and imaginary parts apart.
///
/// Row `i` holds entries `row_ptr[i]..row_ptr[i+1]`, column indices ascending. The pattern is
/// structurally symmetric.
#[derive(Debug, Clone)]
pub struct Ybus {
    /// Dimension (number of buses).
    pub n: usize,
    /// Row pointers.
    pub row_ptr: Vec<usize>,
    /// Column index of each entry.
    pub col_idx: Vec<usize>,
    /// Real part (conductance), p.u.
    pub g: Vec<f64>,
    /// Imaginary part (susceptance), p.u.
    pub b: Vec<f64>,
    /// Position of the diagonal entry of each row.
    pub diag_pos: Vec<usize>,
    /// Per branch: positions of (f,f), (f,t), (t,f), (t,t).
    pub branch_pos: Vec<[usize; 4]>,
    /// Per branch: its admittances as last computed.
    pub branch_y: Vec<BranchY>,
}

impl Ybus {
    /// Builds the pattern and values for the network as it is.
    pub fn build(net: &Network) -> Ybus {
        let n = net.n_bus();
        let mut adj: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
        for k in 0..net.n_branch() {
            let (f, t) = (net.br_from[k], net.br_to[k]);
            adj[f].push(t);
            adj[t].push(f);
        }
        let mut row_ptr = Vec::with_capacity(n + 1);
        let mut col_idx = Vec::new();
        row_ptr.push(0);
        for row in adj.iter_mut() {
            row.sort_unstable();
            row.dedup();
            col_idx.extend_from_slice(row);
            row_ptr.push(col_idx.len());
        }
        let find = |i: usize, j: usize| -> usize {
            let s = &col_idx[row_ptr[i]..row_ptr[i + 1]];
            row_ptr[i] + s.binary_search(&j).unwrap_or(0)
        };
        let diag_pos = (0..n).map(|i| find(i, i)).collect();
        let branch_pos = (0..net.n_branch())
            .map(|k| {
                let (f, t) = (net.br_from[k], net.br_to[k]);
                [find(f, f), find(f, t), find(t, f), find(t, t)]
            })
            .collect();
        let nnz = col_idx.len();
        let mut y = Ybus {
            n,
            row_ptr,
            col_idx,
            g: vec![0.0; nnz],
            b: vec![0.0; nnz],
            diag_pos,
            branch_pos,
            branch_y: vec![BranchY::default(); net.n_branch()],
        };
        y.update(net);
        y
    }

    /// Recomputes all values on the existing pattern (after in-service flags, taps or shunts
    /// changed). The network must have the same buses and branches as when built.
    pub fn update(&mut self, net: &Network) {
        self.g.iter_mut().for_each(|x| *x = 0.0);
        self.b.iter_mut().for_each(|x| *x = 0.0);
        for i in 0..self.n {
            if net.bus_type[i] != crate::case::BusType::Isolated {
                let p = self.diag_pos[i];
                self.g[p] += net.gs_pu[i];
                self.b[p] += net.bs_pu[i];
            }
        }
        for k in 0..self.branch_pos.len() {
            let y = branch_admittance(net, k);
            self.branch_y[k] = y;
            let [ff, ft, tf, tt] = self.branch_pos[k];
            for (p, v) in [(ff, y.ff), (ft, y.ft), (tf, y.tf), (tt, y.tt)] {
                self.g[p] += v.re;
                self.b[p] += v.im;
            }
        }
    }

    /// Entry (i, j), zero when not stored.
    pub fn get(&self, i: usize, j: usize) -> Complex64 {
        let s = &self.col_idx[self.row_ptr[i]..self.row_ptr[i + 1]];
        match s.binary_search(&j) {
            Ok(k) => Complex64::new(self.g[self.row_ptr[i] + k], self.b[self.row_ptr[i] + k]),
            Err(_) => Complex64::new(0.0, 0.0),
        }
    }

    /// Bus current injections `I = Ybus V`.
    pub fn mul(&self, v: &[Complex64], out: &mut [Complex64]) {
        for i in 0..self.n {
            let mut acc = Complex64::new(0.0, 0.0);
            for p in self.row_ptr[i]..self.row_ptr[i + 1] {
                acc += Complex64::new(self.g[p], self.b[p]) * v[self.col_idx[p]];
            }
            out[i] = acc;
        }
    }
}

/// DC model (MATPOWER `makeBdc`): `Pbus = Bbus θ + Pbusinj`, `Pf = Bf θ + Pfinj`, with branch
/// susceptance `b = 1/(x τ)` and phase-shifter injections `Pfinj = -b θsh`.
#[derive(Debug, Clone)]
pub struct DcMatrices {
    /// Bus susceptance matrix (n × n), CSC, pattern includes every branch and the diagonal.
    pub bbus: CscMatrix,
    /// Series susceptance of each branch (0 when not connected), p.u.
    pub b_branch: Vec<f64>,
    /// Flow injection of each branch from its phase shift, p.u.
    pub pf_inj: Vec<f64>,
    /// Bus injection from phase shifters, p.u.
    pub pbus_inj: Vec<f64>,
}

impl DcMatrices {
    /// Builds the DC matrices of the network as it is.
    pub fn build(net: &Network) -> DcMatrices {
        let n = net.n_bus();
        let nl = net.n_branch();
        let mut b_branch = vec![0.0; nl];
        let mut pf_inj = vec![0.0; nl];
        let mut pbus_inj = vec![0.0; n];
        let mut trip = Vec::with_capacity(n + 4 * nl);
        for i in 0..n {
            trip.push((i, i, 0.0));
        }
        for k in 0..nl {
            let (f, t) = (net.br_from[k], net.br_to[k]);
            let b = if net.branch_connected(k) {
                1.0 / net.br_x_pu[k] / net.br_tap[k]
            } else {
                0.0
            };
            b_branch[k] = b;
            pf_inj[k] = b * (-net.br_shift_rad[k]);
            pbus_inj[f] += pf_inj[k];
            pbus_inj[t] -= pf_inj[k];
            trip.extend_from_slice(&[(f, f, b), (f, t, -b), (t, f, -b), (t, t, b)]);
        }
        DcMatrices {
            bbus: CscMatrix::from_triplets(n, n, &trip),
            b_branch,
            pf_inj,
            pbus_inj,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matpower;

    #[test]
    fn ybus_of_case9_matches_hand_computed_entries() {
        let case = matpower::parse_str(include_str!("../cases/matpower/case9.m"), "case9.m")
            .expect("parses");
        let net = Network::from_case(&case).expect("compiles");
        let y = Ybus::build(&net);
        // Branch 1-4: r=0, x=0.0576 → ys = -j/0.0576; Y(1,4) = j 17.3611…
        let y14 = y.get(0, 3);
        assert!((y14.im - 1.0 / 0.0576).abs() < 1e-12, "{y14}");
        assert!(y14.re.abs() < 1e-12);
        // Symmetric without phase shifters.
        for i in 0..y.n {
            for p in y.row_ptr[i]..y.row_ptr[i + 1] {
                let j = y.col_idx[p];
                assert!((y.get(i, j) - y.get(j, i)).norm() < 1e-12);
            }
        }
    }
}
