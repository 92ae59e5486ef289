//! The PHOLD workload shared by the `phold` bench and the `phold` example.
//!
//! PHOLD (Fujimoto 1990): `n_lp` logical processes, each starting with `population` events.
//! Handling an event draws a delay `1 ms + ⌊Exp(mean 1 s)⌋` and a uniformly random destination
//! from the handler's own random stream and schedules one event there, so the number of
//! pending events stays `n_lp · population`.

// Each bench or example that includes this file uses only part of it.
#![allow(dead_code)]

use gridsim_sim::{Context, Model, ModelId, Phase, SimDuration, SimResult, SimTime, Simulation};
use rand::Rng;
use rand_distr::{Distribution, Exp};

/// Mean of the exponential part of the delay.
pub const MEAN_DELAY_MS: f64 = 1_000.0;
/// Master seed of every PHOLD run.
pub const SEED: u64 = 20_260_101;

/// The shared world: the ids of all LPs, to pick destinations.
pub struct Lps(Vec<ModelId>);

/// One logical process.
struct Lp {
    exp: Exp<f64>,
}

impl Model<Lps, ()> for Lp {
    fn handle(&mut self, _: (), ctx: &mut Context<'_, Lps, ()>) -> SimResult<()> {
        let delay_ms = 1 + self.exp.sample(ctx.rng()) as i64;
        let n = ctx.world().0.len();
        let k = ctx.rng().random_range(0..n);
        let target = ctx.world().0[k];
        ctx.schedule_in(SimDuration::from_ms(delay_ms), Phase::MEASURE, target, ())?;
        Ok(())
    }
}

/// Replication 0 of PHOLD.
pub fn build(n_lp: usize, population: usize) -> Simulation<Lps, ()> {
    build_replication(n_lp, population, 0)
}

/// A PHOLD simulation with its initial events at `t = (k·population + j) mod 1000` ms.
pub fn build_replication(n_lp: usize, population: usize, replication: u64) -> Simulation<Lps, ()> {
    let mut sim = Simulation::new(Lps(Vec::new()), SEED, replication);
    let exp = Exp::new(1.0 / MEAN_DELAY_MS).expect("positive rate");
    let ids: Vec<ModelId> = (0..n_lp)
        .map(|k| {
            sim.add_model(&format!("lp{k}"), Lp { exp })
                .expect("unique names")
        })
        .collect();
    for (k, &id) in ids.iter().enumerate() {
        for j in 0..population {
            let t = SimTime::from_ms((k * population + j) as i64 % 1000);
            sim.schedule(t, Phase::MEASURE, id, ()).expect("future");
        }
    }
    sim.world_mut().0 = ids;
    sim
}
