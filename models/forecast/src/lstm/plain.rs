//! The hand-written engine: forward pass and backpropagation through time in plain Rust (f64), one window at a time.
//!
//! The reference for the candle engine ([`super::candle`]): same parameters, same
//! arithmetic in the equations of [`super`]; its gradients are checked against finite
//! differences below.

use super::{Params, Window, N_IN, OUT_H};

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// What the backward pass needs of one step.
pub(super) struct Step {
    xh: Vec<f64>,
    c_prev: Vec<f64>,
    /// Activated gates i, f, g, o (4H).
    gates: Vec<f64>,
    tanh_c: Vec<f64>,
    h: Vec<f64>,
}

/// Runs the cell over `xs` (steps of `N_IN` inputs); returns the read-outs of the last
/// `OUT_H` steps and, if `keep`, the per-step state for backpropagation.
pub(super) fn forward(p: &Params, xs: &[[f64; N_IN]], keep: bool) -> (Vec<f64>, Vec<Step>) {
    let hd = p.hidden;
    let cols = p.cols();
    let n_w = p.n_w();
    let (w, rest) = p.theta.split_at(n_w);
    let (b, rest) = rest.split_at(4 * hd);
    let (v, c_out) = rest.split_at(hd);
    let mut h = vec![0.0; hd];
    let mut c = vec![0.0; hd];
    let mut out = Vec::with_capacity(OUT_H);
    let mut steps = Vec::with_capacity(if keep { xs.len() } else { 0 });
    let first_out = xs.len().saturating_sub(OUT_H);
    let mut xh = vec![0.0; cols];
    let mut gates = vec![0.0; 4 * hd];
    for (t, x) in xs.iter().enumerate() {
        xh[..N_IN].copy_from_slice(x);
        xh[N_IN..].copy_from_slice(&h);
        for (r, g) in gates.iter_mut().enumerate() {
            let row = &w[r * cols..(r + 1) * cols];
            let a = b[r] + row.iter().zip(&xh).map(|(a, b)| a * b).sum::<f64>();
            *g = if r / hd == 2 { a.tanh() } else { sigmoid(a) };
        }
        let c_prev = if keep { c.clone() } else { Vec::new() };
        let mut tanh_c = vec![0.0; hd];
        for k in 0..hd {
            c[k] = gates[hd + k] * c[k] + gates[k] * gates[2 * hd + k];
            tanh_c[k] = c[k].tanh();
            h[k] = gates[3 * hd + k] * tanh_c[k];
        }
        if t >= first_out {
            out.push(c_out[0] + v.iter().zip(&h).map(|(a, b)| a * b).sum::<f64>());
        }
        if keep {
            steps.push(Step {
                xh: xh.clone(),
                c_prev,
                gates: gates.clone(),
                tanh_c,
                h: h.clone(),
            });
        }
    }
    (out, steps)
}

/// Adds to `grad` the gradient of `Σ_k dy_k ŷ_k` (the read-outs of the last `OUT_H` steps).
pub(super) fn backward(p: &Params, steps: &[Step], dy: &[f64], grad: &mut [f64]) {
    let hd = p.hidden;
    let cols = p.cols();
    let n_w = p.n_w();
    let w = &p.theta[..n_w];
    let v = &p.theta[n_w + 4 * hd..n_w + 5 * hd];
    let first_out = steps.len().saturating_sub(OUT_H);
    let mut dh_next = vec![0.0; hd];
    let mut dc_next = vec![0.0; hd];
    let mut da = vec![0.0; 4 * hd];
    for (t, s) in steps.iter().enumerate().rev() {
        let mut dh = dh_next.clone();
        if t >= first_out {
            let d = dy[t - first_out];
            for k in 0..hd {
                dh[k] += d * v[k];
                grad[n_w + 4 * hd + k] += d * s.h[k];
            }
            grad[n_w + 5 * hd] += d;
        }
        for k in 0..hd {
            let (i, f, g, o) = (
                s.gates[k],
                s.gates[hd + k],
                s.gates[2 * hd + k],
                s.gates[3 * hd + k],
            );
            let tc = s.tanh_c[k];
            let dc = dc_next[k] + dh[k] * o * (1.0 - tc * tc);
            da[k] = dc * g * i * (1.0 - i);
            da[hd + k] = dc * s.c_prev[k] * f * (1.0 - f);
            da[2 * hd + k] = dc * i * (1.0 - g * g);
            da[3 * hd + k] = dh[k] * tc * o * (1.0 - o);
            dc_next[k] = dc * f;
        }
        dh_next.iter_mut().for_each(|x| *x = 0.0);
        for (r, &d) in da.iter().enumerate() {
            if d == 0.0 {
                continue;
            }
            let row = &w[r * cols..(r + 1) * cols];
            let grow = &mut grad[r * cols..(r + 1) * cols];
            for (gk, x) in grow.iter_mut().zip(&s.xh) {
                *gk += d * x;
            }
            for (dn, wk) in dh_next.iter_mut().zip(&row[N_IN..]) {
                *dn += d * wk;
            }
            grad[n_w + r] += d;
        }
    }
}

/// Sets `grad` to the gradient of the batch's mean squared error
/// `Σ_w Σ_k (ŷ_wk − y_wk)² / (24 · |batch|)`, window by window.
pub(super) fn batch_gradient(p: &Params, batch: &[&Window], grad: &mut [f64]) {
    grad.iter_mut().for_each(|g| *g = 0.0);
    let scale = 2.0 / (batch.len() * OUT_H) as f64;
    for w in batch {
        let (o, steps) = forward(p, &w.xs, true);
        let dy: Vec<f64> = o.iter().zip(&w.y).map(|(a, b)| scale * (a - b)).collect();
        backward(p, &steps, &dy, grad);
    }
}

/// The `OUT_H` normalised read-outs of each window.
pub(super) fn outputs(p: &Params, ws: &[&Window]) -> Vec<[f64; OUT_H]> {
    ws.iter()
        .map(|w| {
            let (o, _) = forward(p, &w.xs, false);
            let mut out = [0.0; OUT_H];
            out.copy_from_slice(&o);
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let p = Params::init(3, &mut rng);
        let xs: Vec<[f64; N_IN]> = (0..30)
            .map(|_| std::array::from_fn(|_| rng.random_range(-1.0..1.0)))
            .collect();
        let dy: Vec<f64> = (0..OUT_H).map(|k| (k as f64 * 0.3).sin()).collect();
        let f = |p: &Params| -> f64 {
            forward(p, &xs, false)
                .0
                .iter()
                .zip(&dy)
                .map(|(a, b)| a * b)
                .sum()
        };
        let (_, steps) = forward(&p, &xs, true);
        let mut g = vec![0.0; p.theta.len()];
        backward(&p, &steps, &dy, &mut g);
        for k in (0..p.theta.len()).step_by(7) {
            let (mut a, mut b) = (p.clone(), p.clone());
            a.theta[k] += 1e-6;
            b.theta[k] -= 1e-6;
            let num = (f(&a) - f(&b)) / 2e-6;
            assert!(
                (num - g[k]).abs() < 1e-6 * (1.0 + num.abs()),
                "{k}: {num} vs {}",
                g[k]
            );
        }
    }
}
