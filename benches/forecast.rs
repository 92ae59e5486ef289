//! Forecaster speed on GEFCom2014-E: fit on six years of hourly load (2006–2011), forecast one day.

use std::time::Duration;

use chrono::NaiveDate;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use gridsim_forecast::data::{read_load_e, shipped_dir};
use gridsim_forecast::tracks::Target;

fn load_models(c: &mut Criterion) {
    let data = read_load_e(&shipped_dir().join("load_e.csv.gz")).expect("shipped load data");
    let issue = data
        .timeline
        .index_at_or_after(
            NaiveDate::from_ymd_opt(2012, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .expect("date"),
        )
        .expect("2012 in the data");
    let view = data.view(issue, 24);
    let levels = gridsim_forecast::metrics::percentiles_99();
    let mut fit = c.benchmark_group("forecast_fit_6y");
    fit.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for name in [
        "persistence",
        "seasonal_naive",
        "mlr_vanilla",
        "mlr_recency",
        "mlr_arx",
        "mstl_ets",
        "sarimax",
        "gbt",
    ] {
        fit.bench_function(name, |b| {
            b.iter(|| {
                let mut m = Target::Load.model(name).expect("model");
                m.fit(black_box(&view)).expect("fits");
                m
            })
        });
    }
    fit.finish();
    let mut pred = c.benchmark_group("forecast_predict_day");
    for name in [
        "persistence",
        "seasonal_naive",
        "mlr_vanilla",
        "mlr_recency",
        "mlr_arx",
        "mstl_ets",
        "sarimax",
        "gbt",
    ] {
        let mut m = Target::Load.model(name).expect("model");
        m.fit(&view).expect("fits");
        pred.bench_function(name, |b| {
            b.iter(|| m.predict(black_box(&view), 24, &levels).expect("predicts"))
        });
    }
    pred.finish();
}

criterion_group!(benches, load_models);
criterion_main!(benches);
