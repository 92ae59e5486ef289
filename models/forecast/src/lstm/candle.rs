//! The candle engine: the batch's windows as tensors (steps × windows × inputs), the cell unrolled over the steps, gradients by candle's autograd.
//!
//! The parameters live in the flat vector of `Params` (f64; the optimiser of [`super`]
//! updates it); each batch loads them into candle [`Var`]s of the chosen precision:
//! `W` as `4H × (N_IN + H)`, `b` (`4H`), `v` (`H`) and `c` (`1`). The input part of every
//! step is one matmul for the whole sequence, `A_x = X W_xᵀ + b` (`(T·B) × 4H`); each step
//! then adds `h_{t−1} W_hᵀ` (one `B × H` by `H × 4H` matmul for the four gates) and applies
//! the cell of [`super`]. The read-outs of the last 24 steps are one matmul with `v`. The loss
//! is the batch's mean squared error; `backward` gives the gradient of every parameter.
//!
//! **Threads.** candle's CPU matmul (the `gemm` crate) splits large products over
//! `RAYON_NUM_THREADS` threads by blocks of output columns; the sum over the inner
//! dimension runs in the same order on any thread count, so a fit is bit-for-bit the same
//! at one and at two threads (tested in [`super`]).

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::ops::sigmoid;

use super::{Params, Precision, Window, N_IN, OUT_H};
use crate::ForecastError;

/// A failed tensor operation (a shape or type mismatch: a bug, never a data problem).
fn tensor_error(e: candle_core::Error) -> ForecastError {
    ForecastError::Tensor {
        model: "lstm".into(),
        message: e.to_string(),
    }
}

impl Precision {
    fn dtype(self) -> DType {
        match self {
            Precision::F32 => DType::F32,
            Precision::F64 => DType::F64,
        }
    }
}

/// The parameters as tensors: gate weights `w` (`4H × (N_IN + H)`), biases `b` (`4H`),
/// read-out `v` (`H`) and `c` (`1`).
struct Weights {
    w: Tensor,
    b: Tensor,
    v: Tensor,
    c: Tensor,
}

impl Weights {
    /// Splits the flat vector; as [`Var`]s (tracked by autograd) if `vars`.
    fn load(p: &Params, dtype: DType, vars: bool) -> candle_core::Result<(Self, Vec<Var>)> {
        let (hd, cols, n_w) = (p.hidden, p.cols(), p.n_w());
        let dev = Device::Cpu;
        let parts: [(&[f64], Vec<usize>); 4] = [
            (&p.theta[..n_w], vec![4 * hd, cols]),
            (&p.theta[n_w..n_w + 4 * hd], vec![4 * hd]),
            (&p.theta[n_w + 4 * hd..n_w + 5 * hd], vec![hd]),
            (&p.theta[n_w + 5 * hd..], vec![1]),
        ];
        let mut ts = Vec::with_capacity(4);
        let mut vs = Vec::with_capacity(4);
        for (data, shape) in parts {
            let t = Tensor::from_slice(data, shape, &dev)?.to_dtype(dtype)?;
            if vars {
                let v = Var::from_tensor(&t)?;
                ts.push(v.as_tensor().clone());
                vs.push(v);
            } else {
                ts.push(t);
            }
        }
        let [w, b, v, c] = <[Tensor; 4]>::try_from(ts)
            .map_err(|_| candle_core::Error::Msg("lstm: expected four parameter tensors".into()))?;
        Ok((Self { w, b, v, c }, vs))
    }

    /// The normalised read-outs `ŷ` (`B × 24`) of the windows' inputs `x` (`T × B × N_IN`).
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let (t_len, nb, _) = x.dims3()?;
        let hd = self.v.dim(0)?;
        // `[x_t; h_{t−1}] Wᵀ` for the four gates at once: (B × (N_IN + H)) × ((N_IN + H) × 4H).
        let w_t = self.w.t()?.contiguous()?;
        let mut h = Tensor::zeros((nb, hd), x.dtype(), x.device())?;
        let mut c: Option<Tensor> = None;
        let mut hs = Vec::with_capacity(OUT_H);
        let first_out = t_len.saturating_sub(OUT_H);
        for t in 0..t_len {
            // `x` is not tracked, so taking its step costs the backward pass nothing; a
            // slice of a tracked (T·B) × 4H product would be padded back to full size for
            // every step.
            let a = Tensor::cat(&[&x.get(t)?, &h], 1)?
                .matmul(&w_t)?
                .broadcast_add(&self.b)?;
            // σ over all four gates (the g columns are not used), tanh over g.
            let s = sigmoid(&a)?;
            let (i, f, o) = (
                s.narrow(1, 0, hd)?,
                s.narrow(1, hd, hd)?,
                s.narrow(1, 3 * hd, hd)?,
            );
            let g = a.narrow(1, 2 * hd, hd)?.tanh()?;
            let c_t = match &c {
                Some(c_prev) => ((f * c_prev)? + (i * g)?)?,
                None => (i * g)?,
            };
            h = (o * c_t.tanh()?)?;
            c = Some(c_t);
            if t >= first_out {
                hs.push(h.clone());
            }
        }
        // Read-out of the last 24 steps: (B·24) × H times H × 1.
        Tensor::stack(&hs, 1)?
            .reshape((nb * hs.len(), hd))?
            .matmul(&self.v.reshape((hd, 1))?)?
            .reshape((nb, hs.len()))?
            .broadcast_add(&self.c)
    }
}

/// The inputs of the windows as a `T × B × N_IN` tensor (step-major, so a step is one slice).
fn inputs(ws: &[&Window], dtype: DType) -> candle_core::Result<Tensor> {
    let t_len = ws.first().map_or(0, |w| w.xs.len());
    if ws.iter().any(|w| w.xs.len() != t_len) {
        return Err(candle_core::Error::Msg(
            "lstm: windows of different lengths in one batch".into(),
        ));
    }
    let mut data = Vec::with_capacity(t_len * ws.len() * N_IN);
    for t in 0..t_len {
        for w in ws {
            data.extend_from_slice(&w.xs[t]);
        }
    }
    Tensor::from_vec(data, (t_len, ws.len(), N_IN), &Device::Cpu)?.to_dtype(dtype)
}

/// The targets as a `B × 24` tensor.
fn targets(ws: &[&Window], dtype: DType) -> candle_core::Result<Tensor> {
    let data: Vec<f64> = ws.iter().flat_map(|w| w.y).collect();
    Tensor::from_vec(data, (ws.len(), OUT_H), &Device::Cpu)?.to_dtype(dtype)
}

/// Sets `grad` to the gradient of the batch's mean squared error
/// `Σ_w Σ_k (ŷ_wk − y_wk)² / (24 · |batch|)` and returns that error.
pub(super) fn batch_gradient(
    p: &Params,
    batch: &[&Window],
    grad: &mut [f64],
    precision: Precision,
) -> Result<f64, ForecastError> {
    let mut run = || -> candle_core::Result<f64> {
        let dtype = precision.dtype();
        let (weights, vars) = Weights::load(p, dtype, true)?;
        let y_hat = weights.forward(&inputs(batch, dtype)?)?;
        let n = (batch.len() * OUT_H).max(1) as f64;
        let loss = (y_hat - targets(batch, dtype)?)?
            .sqr()?
            .sum_all()?
            .affine(1.0 / n, 0.0)?;
        let grads = loss.backward()?;
        let mut at = 0;
        for var in &vars {
            let len = var.elem_count();
            let dst = &mut grad[at..at + len];
            match grads.get(var.as_tensor()) {
                Some(g) => {
                    let g = g.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?;
                    dst.copy_from_slice(&g);
                }
                None => dst.iter_mut().for_each(|x| *x = 0.0),
            }
            at += len;
        }
        loss.to_dtype(DType::F64)?.to_scalar::<f64>()
    };
    run().map_err(tensor_error)
}

/// The `OUT_H` normalised read-outs of each window (no autograd: plain tensors).
pub(super) fn outputs(
    p: &Params,
    ws: &[&Window],
    precision: Precision,
) -> Result<Vec<[f64; OUT_H]>, ForecastError> {
    let run = || -> candle_core::Result<Vec<[f64; OUT_H]>> {
        if ws.is_empty() {
            return Ok(Vec::new());
        }
        let dtype = precision.dtype();
        let (weights, _) = Weights::load(p, dtype, false)?;
        let y_hat = weights.forward(&inputs(ws, dtype)?)?;
        let rows = y_hat.to_dtype(DType::F64)?.to_vec2::<f64>()?;
        rows.into_iter()
            .map(|r| {
                <[f64; OUT_H]>::try_from(r)
                    .map_err(|_| candle_core::Error::Msg("lstm: expected 24 read-outs".into()))
            })
            .collect()
    };
    run().map_err(tensor_error)
}

#[cfg(test)]
mod tests {
    use super::super::plain;
    use super::super::tests::random_windows as windows;
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn forward_pass_equals_the_hand_written_one() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let p = Params::init(8, &mut rng);
        let ws = windows(5, 192, &mut rng);
        let refs: Vec<&Window> = ws.iter().collect();
        let plain = plain::outputs(&p, &refs);
        // f64: the same equations in a different summation order, 192 steps deep.
        let f64_out = outputs(&p, &refs, Precision::F64).unwrap();
        // f32: single-precision rounding (ε ≈ 6e-8) through 192 steps.
        let f32_out = outputs(&p, &refs, Precision::F32).unwrap();
        for ((a, b), c) in plain.iter().zip(&f64_out).zip(&f32_out) {
            for k in 0..OUT_H {
                assert!((a[k] - b[k]).abs() < 1e-12, "f64 {k}: {} vs {}", a[k], b[k]);
                assert!((a[k] - c[k]).abs() < 1e-5, "f32 {k}: {} vs {}", a[k], c[k]);
            }
        }
    }

    #[test]
    fn gradients_equal_the_hand_written_bptt() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let p = Params::init(3, &mut rng);
        let ws = windows(4, 40, &mut rng);
        let refs: Vec<&Window> = ws.iter().collect();
        let mut g_plain = vec![0.0; p.theta.len()];
        plain::batch_gradient(&p, &refs, &mut g_plain);
        let mut g64 = vec![f64::NAN; p.theta.len()];
        let loss = batch_gradient(&p, &refs, &mut g64, Precision::F64).unwrap();
        let mut g32 = vec![f64::NAN; p.theta.len()];
        batch_gradient(&p, &refs, &mut g32, Precision::F32).unwrap();
        let mse: f64 = plain::outputs(&p, &refs)
            .iter()
            .zip(&ws)
            .map(|(o, w)| {
                o.iter()
                    .zip(&w.y)
                    .map(|(a, b)| (a - b).powi(2))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / (ws.len() * OUT_H) as f64;
        assert!((loss - mse).abs() < 1e-12, "{loss} vs {mse}");
        let scale = g_plain.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        for (k, ((a, b), c)) in g_plain.iter().zip(&g64).zip(&g32).enumerate() {
            // f64: rounding of sums over 40 steps and 4 windows, relative to the largest gradient.
            assert!((a - b).abs() < 1e-12 * scale, "f64 {k}: {a} vs {b}");
            // f32: single precision, relative to the largest gradient.
            assert!((a - c).abs() < 1e-4 * scale, "f32 {k}: {a} vs {c}");
        }
    }
}
