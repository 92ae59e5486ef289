//! NREL Solar Position Algorithm (Reda & Andreas 2004): topocentric zenith and azimuth, ±0.0003°.
//!
//! Steps (section numbers of NREL/TP-560-34302, 2008 revision):
//! 1. Julian day JD from the UTC instant (3.1.1); JDE = JD + ΔT/86400; JC = (JD − 2451545)/36525;
//!    JCE and JME = JCE/10 likewise from JDE.
//! 2. Earth heliocentric longitude L, latitude B and radius R (3.2): each a polynomial in JME of
//!    sums Σ Aᵢ cos(Bᵢ + Cᵢ·JME) over the tables in `spa_tables`, divided by 10⁸.
//! 3. Geocentric longitude Θ = L + 180°, latitude β = −B (3.3).
//! 4. Nutation Δψ, Δε from the 63-term series in X0…X4 (3.4); true obliquity
//!    ε = ε₀/3600 + Δε with ε₀ the 10th-degree polynomial in U = JME/10 (3.5).
//! 5. Aberration Δτ = −20.4898/(3600 R); apparent longitude λ = Θ + Δψ + Δτ (3.6–3.7).
//! 6. Apparent sidereal time ν = ν₀ + Δψ cos ε (3.8); right ascension
//!    α = atan2(sin λ cos ε − tan β sin ε, cos λ), declination
//!    δ = asin(sin β cos ε + cos β sin ε sin λ) (3.9–3.10).
//! 7. Local hour angle H = ν + σ − α (σ observer longitude, east positive) (3.11).
//! 8. Parallax: ξ = 8.794/(3600 R), u = atan(0.99664719 tan φ), x = cos u + E/6378140 cos φ,
//!    y = 0.99664719 sin u + E/6378140 sin φ; Δα and the topocentric δ′, H′ (3.12).
//! 9. Elevation e₀ = asin(sin φ sin δ′ + cos φ cos δ′ cos H′); refraction
//!    Δe = P/1010 · 283/(273 + T) · 1.02/(60 tan(e₀ + 10.3/(e₀ + 5.11))) when the sun is above
//!    −(0.26667° + 0.5667°); zenith θ = 90° − e₀ − Δe (3.14).
//! 10. Azimuth Φ = 180° + atan2(sin H′, cos H′ sin φ − tan δ′ cos φ), eastward from north (3.15).

use super::spa_tables::*;
use chrono::{DateTime, Datelike, Timelike, Utc};

/// Where and in what air the sun is observed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observer {
    /// Geographic latitude, degrees, north positive.
    pub lat_deg: f64,
    /// Geographic longitude, degrees, east positive.
    pub lon_deg: f64,
    /// Elevation above sea level, metres.
    pub elevation_m: f64,
    /// Annual average local pressure, millibar (hPa), for refraction.
    pub pressure_mbar: f64,
    /// Annual average local temperature, °C, for refraction.
    pub temp_c: f64,
    /// ΔT = TT − UT1, seconds (about 69 s in the 2020s).
    pub delta_t_s: f64,
}

/// The sun as seen by an observer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SunPosition {
    /// Topocentric zenith angle, refraction-corrected (apparent), degrees.
    pub zenith_deg: f64,
    /// Topocentric zenith angle without refraction, degrees.
    pub zenith_true_deg: f64,
    /// Topocentric azimuth, degrees eastward from north.
    pub azimuth_deg: f64,
    /// Earth–sun distance, astronomical units.
    pub earth_sun_au: f64,
}

/// Julian day of a UTC instant (Meeus' algorithm as in SPA 3.1.1).
pub fn julian_day(utc: &DateTime<Utc>) -> f64 {
    let (mut y, mut m) = (utc.year() as f64, utc.month() as f64);
    let day = utc.day() as f64
        + (utc.hour() as f64 * 3600.0
            + utc.minute() as f64 * 60.0
            + utc.second() as f64
            + utc.nanosecond() as f64 * 1e-9)
            / 86400.0;
    if m <= 2.0 {
        y -= 1.0;
        m += 12.0;
    }
    let mut jd = (365.25 * (y + 4716.0)).floor() + (30.6001 * (m + 1.0)).floor() + day - 1524.5;
    if jd > 2299160.0 {
        let a = (y / 100.0).floor();
        jd += 2.0 - a + (a / 4.0).floor();
    }
    jd
}

fn series(table: &[[f64; 3]], jme: f64) -> f64 {
    table.iter().map(|r| r[0] * (r[1] + r[2] * jme).cos()).sum()
}

fn poly(terms: &[f64], jme: f64) -> f64 {
    terms.iter().rev().fold(0.0, |acc, &t| acc * jme + t)
}

fn rem360(x: f64) -> f64 {
    x.rem_euclid(360.0)
}

/// The observer-independent part of SPA at one instant (steps 1–6): compute it once per step
/// and share it among all plants with [`topocentric`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ephemeris {
    /// Apparent sidereal time at Greenwich ν, degrees.
    pub nu_deg: f64,
    /// Geocentric right ascension α, degrees.
    pub alpha_deg: f64,
    /// Geocentric declination δ, degrees.
    pub delta_deg: f64,
    /// Earth–sun distance R, AU.
    pub r_au: f64,
}

/// Sun position for `utc` seen by `obs` (SPA, Reda & Andreas 2004).
pub fn sun_position(utc: &DateTime<Utc>, obs: &Observer) -> SunPosition {
    topocentric(&ephemeris(utc, obs.delta_t_s), obs)
}

/// Steps 1–6 of SPA for `utc` with ΔT = `delta_t_s`.
pub fn ephemeris(utc: &DateTime<Utc>, delta_t_s: f64) -> Ephemeris {
    let jd = julian_day(utc);
    let jde = jd + delta_t_s / 86400.0;
    let jc = (jd - 2451545.0) / 36525.0;
    let jce = (jde - 2451545.0) / 36525.0;
    let jme = jce / 10.0;

    let l_deg = rem360(
        poly(
            &[
                series(&L0, jme),
                series(&L1, jme),
                series(&L2, jme),
                series(&L3, jme),
                series(&L4, jme),
                series(&L5, jme),
            ],
            jme,
        ) / 1e8
            * 180.0
            / std::f64::consts::PI,
    );
    let b_deg =
        poly(&[series(&B0, jme), series(&B1, jme)], jme) / 1e8 * 180.0 / std::f64::consts::PI;
    let r_au = poly(
        &[
            series(&R0, jme),
            series(&R1, jme),
            series(&R2, jme),
            series(&R3, jme),
            series(&R4, jme),
        ],
        jme,
    ) / 1e8;
    let theta = rem360(l_deg + 180.0);
    let beta = -b_deg;

    let x = [
        297.85036 + 445267.111480 * jce - 0.0019142 * jce * jce + jce.powi(3) / 189474.0,
        357.52772 + 35999.050340 * jce - 0.0001603 * jce * jce - jce.powi(3) / 300000.0,
        134.96298 + 477198.867398 * jce + 0.0086972 * jce * jce + jce.powi(3) / 56250.0,
        93.27191 + 483202.017538 * jce - 0.0036825 * jce * jce + jce.powi(3) / 327270.0,
        125.04452 - 1934.136261 * jce + 0.0020708 * jce * jce + jce.powi(3) / 450000.0,
    ];
    let (mut dpsi, mut deps) = (0.0, 0.0);
    for (abcd, y) in NUTATION_ABCD.iter().zip(NUTATION_Y.iter()) {
        let arg = (0..5).map(|i| y[i] * x[i]).sum::<f64>().to_radians();
        dpsi += (abcd[0] + abcd[1] * jce) * arg.sin();
        deps += (abcd[2] + abcd[3] * jce) * arg.cos();
    }
    dpsi /= 36_000_000.0;
    deps /= 36_000_000.0;

    let u = jme / 10.0;
    let eps0 = poly(
        &[
            84381.448, -4680.93, -1.55, 1999.25, -51.38, -249.67, -39.05, 7.12, 27.87, 5.79, 2.45,
        ],
        u,
    );
    let eps = eps0 / 3600.0 + deps;
    let dtau = -20.4898 / (3600.0 * r_au);
    let lambda = theta + dpsi + dtau;
    let nu0 = rem360(
        280.46061837 + 360.98564736629 * (jd - 2451545.0) + 0.000387933 * jc * jc
            - jc.powi(3) / 38710000.0,
    );
    let nu = nu0 + dpsi * eps.to_radians().cos();

    let (lr, er, br) = (lambda.to_radians(), eps.to_radians(), beta.to_radians());
    let alpha = rem360(
        (lr.sin() * er.cos() - br.tan() * er.sin())
            .atan2(lr.cos())
            .to_degrees(),
    );
    let delta = (br.sin() * er.cos() + br.cos() * er.sin() * lr.sin())
        .asin()
        .to_degrees();
    Ephemeris {
        nu_deg: nu,
        alpha_deg: alpha,
        delta_deg: delta,
        r_au,
    }
}

/// Steps 7–10 of SPA: the sun seen by `obs` given the instant's [`Ephemeris`].
pub fn topocentric(eph: &Ephemeris, obs: &Observer) -> SunPosition {
    let (nu, alpha, delta, r_au) = (eph.nu_deg, eph.alpha_deg, eph.delta_deg, eph.r_au);
    let h = rem360(nu + obs.lon_deg - alpha);

    let xi = (8.794 / (3600.0 * r_au)).to_radians();
    let phi = obs.lat_deg.to_radians();
    let uu = (0.99664719 * phi.tan()).atan();
    let xx = uu.cos() + obs.elevation_m / 6378140.0 * phi.cos();
    let yy = 0.99664719 * uu.sin() + obs.elevation_m / 6378140.0 * phi.sin();
    let (hr, dr) = (h.to_radians(), delta.to_radians());
    let dalpha = (-xx * xi.sin() * hr.sin()).atan2(dr.cos() - xx * xi.sin() * hr.cos());
    let delta_p =
        ((dr.sin() - yy * xi.sin()) * dalpha.cos()).atan2(dr.cos() - xx * xi.sin() * hr.cos());
    let h_p = hr - dalpha;

    let e0 = (phi.sin() * delta_p.sin() + phi.cos() * delta_p.cos() * h_p.cos())
        .asin()
        .to_degrees();
    const ATMOS_REFRACT_DEG: f64 = 0.5667;
    let de = if e0 >= -(0.26667 + ATMOS_REFRACT_DEG) {
        obs.pressure_mbar / 1010.0 * 283.0 / (273.0 + obs.temp_c) * 1.02
            / (60.0 * (e0 + 10.3 / (e0 + 5.11)).to_radians().tan())
    } else {
        0.0
    };
    let gamma = rem360(
        h_p.sin()
            .atan2(h_p.cos() * phi.sin() - delta_p.tan() * phi.cos())
            .to_degrees(),
    );
    SunPosition {
        zenith_deg: 90.0 - e0 - de,
        zenith_true_deg: 90.0 - e0,
        azimuth_deg: rem360(gamma + 180.0),
        earth_sun_au: r_au,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn golden() -> Observer {
        Observer {
            lat_deg: 39.742476,
            lon_deg: -105.1786,
            elevation_m: 1830.14,
            pressure_mbar: 820.0,
            temp_c: 11.0,
            delta_t_s: 67.0,
        }
    }

    /// Reda & Andreas (2004), table A5.1: 2003-10-17 12:30:30 local time, UTC−7, Golden, CO.
    #[test]
    fn spa_matches_paper_worked_example() {
        let utc = Utc
            .with_ymd_and_hms(2003, 10, 17, 19, 30, 30)
            .single()
            .unwrap_or_default();
        // JD = 2452930.312847 (table A5.1), printed to 6 decimals.
        assert!((julian_day(&utc) - 2452930.312847).abs() < 1e-6);
        let s = sun_position(&utc, &golden());
        // Topocentric zenith 50.11162°, azimuth 194.34024° (A5.1), printed to 5 decimals.
        assert!(
            (s.zenith_deg - 50.11162).abs() < 1e-5,
            "zenith {}",
            s.zenith_deg
        );
        assert!(
            (s.azimuth_deg - 194.34024).abs() < 1e-5,
            "azimuth {}",
            s.azimuth_deg
        );
        // Earth radius vector R = 0.9965422974 AU (A5.1).
        assert!((s.earth_sun_au - 0.9965422974).abs() < 1e-9);
    }
}
