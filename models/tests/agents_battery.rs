//! Property tests of the battery: SOC bounds, energy balance through the efficiencies, limits.

use gridsim_models::battery::{Battery, BatteryObservation, BatteryParams, BatteryRule};
use proptest::prelude::*;

fn params() -> impl Strategy<Value = BatteryParams> {
    (
        0.0..5.0f64,
        0.0..5.0f64,
        0.1..20.0f64,
        0.5..=1.0f64,
        0.5..=1.0f64,
        0.0..0.5f64,
        0.5..=1.0f64,
        0.0..=1.0f64,
    )
        .prop_map(|(pc, pd, e, ec, ed, lo, hi, init)| BatteryParams {
            p_charge_max_mw: pc,
            p_discharge_max_mw: pd,
            energy_capacity_mwh: e,
            eta_charge: ec,
            eta_discharge: ed,
            soc_min_frac: lo,
            soc_max_frac: hi,
            soc_init_frac: lo + init * (hi - lo),
        })
}

proptest! {
    /// SOC stays within [soc_min, soc_max] (to 1e-12), power within its limits, and over any
    /// sequence ΔE = η_c Σ charged − Σ discharged / η_d and charged − discharged = ΔE + losses
    /// (to 1e-9 MWh).
    #[test]
    fn soc_in_bounds_and_energy_balances(p in params(), steps in prop::collection::vec((-10.0..10.0f64, 1.0..7200.0f64), 1..200)) {
        let mut b = Battery::new(p.clone()).unwrap_or_else(|e| panic!("{e}"));
        let e0 = b.energy_mwh();
        let (mut ch, mut dis, mut loss) = (0.0, 0.0, 0.0);
        for (req, dt) in steps {
            let o = b.step(req, dt);
            prop_assert!(o.soc_frac >= p.soc_min_frac - 1e-12 && o.soc_frac <= p.soc_max_frac + 1e-12);
            prop_assert!(o.p_mw <= p.p_discharge_max_mw + 1e-12 && -o.p_mw <= p.p_charge_max_mw + 1e-12);
            prop_assert!(o.losses_mwh >= -1e-12);
            ch += o.charged_mwh;
            dis += o.discharged_mwh;
            loss += o.losses_mwh;
        }
        let de = b.energy_mwh() - e0;
        prop_assert!((de - (p.eta_charge * ch - dis / p.eta_discharge)).abs() < 1e-9);
        prop_assert!((ch - dis - (de + loss)).abs() < 1e-9);
    }

    /// Peak shaving: whenever the battery has the power and energy, the feeder import after the
    /// battery is at most the limit, and recharging never lifts it above `charge_below_mw`.
    #[test]
    fn peak_shaving_never_creates_a_peak(p in params(), loads in prop::collection::vec(0.0..10.0f64, 1..200)) {
        let mut b = Battery::new(p).unwrap_or_else(|e| panic!("{e}"));
        let rule = BatteryRule::PeakShaving { feeder_limit_mw: 6.0, charge_below_mw: 4.0 };
        for l in loads {
            let (_, hi) = b.feasible_range_mw(900.0);
            let o = rule.control(&BatteryObservation { feeder_load_mw: l, ..Default::default() }, &mut b, 900.0);
            let after = l - o.p_mw;
            if l - 6.0 <= hi {
                prop_assert!(after <= 6.0 + 1e-9);
            }
            if o.p_mw < 0.0 {
                prop_assert!(after <= 4.0 + 1e-9);
            }
        }
    }
}
