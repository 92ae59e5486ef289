//! Fast-decoupled power flow (Stott–Alsaç), MATPOWER's `fdpf` with `makeB`: XB and BX.
//!
//! Each iteration is a P half-iteration then a Q half-iteration on two constant matrices,
//! factorised once per set of bus roles:
//!
//! ```text
//! Δθ = −B′⁻¹ (ΔP / |V|)     at PV and PQ buses,   then V = |V| e^{jθ}, mismatches again
//! Δ|V| = −B″⁻¹ (ΔQ / |V|)   at PQ buses
//! ```
//!
//! with `ΔS = V conj(Ybus V) − S`. `B′ = −Im Ybus′` where `Ybus′` has no bus shunts, no line
//! charging and unit taps (phase shifts kept); `B″ = −Im Ybus″` where `Ybus″` has no phase
//! shifts. The **XB** variant also drops series resistance in `B′`, the **BX** variant in `B″`.
//! Convergence, as MATPOWER's, when `‖ΔP/|V|‖∞ < tol` and `‖ΔQ/|V|‖∞ < tol`, checked after each
//! half-iteration; an iteration is one P and one Q half-iteration. It converges linearly, to the
//! same solution as Newton–Raphson.

use crate::network::Network;
use crate::sparse::{CscMatrix, LuError, SparseLu};
use crate::topology::BusRole;
use crate::ybus::Ybus;

/// Which resistances the fast-decoupled matrices drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdVariant {
    /// Resistance dropped in `B′` (MATPOWER `pf.alg = 'FDXB'`).
    Xb,
    /// Resistance dropped in `B″` (MATPOWER `pf.alg = 'FDBX'`).
    Bx,
}

const NONE: u32 = u32::MAX;

/// One of the two matrices, reduced to its unknowns and factorised.
#[derive(Debug, Clone)]
pub(crate) struct ReducedB {
    /// Row of each bus, or `NONE`.
    pub var: Vec<u32>,
    lu: SparseLu,
}

impl ReducedB {
    /// Solves `B x = rhs` in place (`rhs` indexed by the reduced rows).
    pub fn solve_in_place(&self, rhs: &mut [f64]) -> Result<(), LuError> {
        self.lu.solve_in_place(rhs)
    }

    /// Number of unknowns.
    pub fn len(&self) -> usize {
        self.lu.n()
    }

    fn build(b: &Ybus, keep: impl Fn(usize) -> bool) -> Result<ReducedB, LuError> {
        let mut var = vec![NONE; b.n];
        let mut m = 0u32;
        for (i, v) in var.iter_mut().enumerate() {
            if keep(i) {
                *v = m;
                m += 1;
            }
        }
        let mut trip = Vec::with_capacity(b.col_idx.len());
        for i in 0..b.n {
            for p in b.row_ptr[i]..b.row_ptr[i + 1] {
                let j = b.col_idx[p];
                if var[i] != NONE && var[j] != NONE {
                    trip.push((var[i] as usize, var[j] as usize, -b.b[p]));
                }
            }
        }
        let mat = CscMatrix::from_triplets(m as usize, m as usize, &trip);
        let mut lu = SparseLu::analyze(&mat)?;
        lu.factor(&mat)?;
        Ok(ReducedB { var, lu })
    }
}

/// `B′` and `B″` for one network state and one set of bus roles.
#[derive(Debug, Clone)]
pub(crate) struct FdMatrices {
    pub roles: Vec<BusRole>,
    pub bp: ReducedB,
    pub bpp: ReducedB,
}

impl FdMatrices {
    /// Builds and factorises `B′` (PV and PQ buses) and `B″` (PQ buses) as `makeB` does.
    pub fn build(
        net: &Network,
        roles: &[BusRole],
        variant: FdVariant,
    ) -> Result<FdMatrices, LuError> {
        let mut prime = net.clone();
        prime.bs_pu.iter_mut().for_each(|b| *b = 0.0);
        prime.br_b_pu.iter_mut().for_each(|b| *b = 0.0);
        prime.br_tap.iter_mut().for_each(|t| *t = 1.0);
        let mut second = net.clone();
        second.br_shift_rad.iter_mut().for_each(|s| *s = 0.0);
        let no_r = match variant {
            FdVariant::Xb => &mut prime,
            FdVariant::Bx => &mut second,
        };
        no_r.br_r_pu.iter_mut().for_each(|r| *r = 0.0);
        let bp = ReducedB::build(&Ybus::build(&prime), |i| {
            matches!(roles[i], BusRole::Pv | BusRole::Pq)
        })?;
        let bpp = ReducedB::build(&Ybus::build(&second), |i| roles[i] == BusRole::Pq)?;
        Ok(FdMatrices {
            roles: roles.to_vec(),
            bp,
            bpp,
        })
    }
}
