//! Clear-sky irradiance (Ineichen–Perez) and its transposition to the plane of array (Hay–Davies).
//!
//! - Extraterrestrial normal irradiance (Spencer 1971): with day angle
//!   B = 2π(doy − 1)/365, E₀ = 1366.1 · (1.00011 + 0.034221 cos B + 0.00128 sin B
//!   + 0.000719 cos 2B + 0.000077 sin 2B) W/m².
//! - Relative air mass (Kasten & Young 1989) on the apparent zenith z (degrees):
//!   AM = 1/(cos z + 0.50572 (96.07995 − z)^−1.6364); absolute AMₐ = AM · p/101325 Pa with the
//!   site pressure p = 100 ((44331.514 − h)/11880.516)^(1/0.1902632) Pa (pvlib `alt2pres`).
//! - Ineichen & Perez (2002) clear sky with Linke turbidity T_L and altitude h (m):
//!   f_h1 = e^(−h/8000), f_h2 = e^(−h/1250), c_g1 = 5.09e−5 h + 0.868, c_g2 = 3.92e−5 h + 0.0387;
//!   GHI = c_g1 E₀ cos z · exp(−c_g2 AMₐ (f_h1 + f_h2 (T_L − 1)));
//!   DNI = min(b E₀ exp(−0.09 AMₐ (T_L − 1)), GHI (1 − (0.1 − 0.2 e^(−T_L))/(0.1 + 0.882/f_h1))/cos z)
//!   with b = 0.664 + 0.163/f_h1; DHI = GHI − DNI cos z. This is pvlib's `clearsky.ineichen`.
//! - Angle of incidence on a plane of tilt β and azimuth γ (eastward from north):
//!   cos θ = cos z cos β + sin z sin β cos(φ_sun − γ).
//! - Hay & Davies (1980) sky diffuse with anisotropy index A = DNI/E₀ and
//!   R_b = max(cos θ, 0)/max(cos z, 0.01745):
//!   I_sky = DHI (A R_b + (1 − A)(1 + cos β)/2); ground-reflected I_gnd = ρ GHI (1 − cos β)/2;
//!   beam I_b = DNI max(cos θ, 0); POA = I_b + I_sky + I_gnd (pvlib `get_total_irradiance`
//!   with `model='haydavies'`).

/// Extraterrestrial normal irradiance, W/m², for a day of the year (1 = 1 January), Spencer.
pub fn extraterrestrial_w_per_m2(day_of_year: u32) -> f64 {
    let b = 2.0 * std::f64::consts::PI * (day_of_year as f64 - 1.0) / 365.0;
    1366.1
        * (1.00011
            + 0.034221 * b.cos()
            + 0.00128 * b.sin()
            + 0.000719 * (2.0 * b).cos()
            + 0.000077 * (2.0 * b).sin())
}

/// Relative optical air mass (Kasten & Young 1989) at apparent zenith `zenith_deg`;
/// `None` when the sun is below the horizon (z > 90°).
pub fn relative_airmass(zenith_deg: f64) -> Option<f64> {
    if !(zenith_deg <= 90.0) {
        return None;
    }
    Some(
        1.0 / (zenith_deg.to_radians().cos()
            + 0.50572 * (6.07995 + (90.0 - zenith_deg)).powf(-1.6364)),
    )
}

/// Standard-atmosphere pressure at `altitude_m`, Pa (pvlib `alt2pres`).
pub fn pressure_at_altitude_pa(altitude_m: f64) -> f64 {
    100.0 * ((44331.514 - altitude_m) / 11880.516).powf(1.0 / 0.1902632)
}

/// Clear-sky irradiance components, W/m².
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ClearSky {
    /// Global horizontal irradiance.
    pub ghi_w_per_m2: f64,
    /// Direct normal irradiance.
    pub dni_w_per_m2: f64,
    /// Diffuse horizontal irradiance.
    pub dhi_w_per_m2: f64,
}

/// Ineichen–Perez clear sky (equations in the module docs); zero at night.
pub fn ineichen(
    apparent_zenith_deg: f64,
    linke_turbidity: f64,
    altitude_m: f64,
    dni_extra_w_per_m2: f64,
) -> ClearSky {
    let Some(am_rel) = relative_airmass(apparent_zenith_deg) else {
        return ClearSky::default();
    };
    let cos_z = apparent_zenith_deg.to_radians().cos().max(0.0);
    if cos_z <= 0.0 {
        return ClearSky::default();
    }
    let am = am_rel * pressure_at_altitude_pa(altitude_m) / 101325.0;
    let tl = linke_turbidity;
    let fh1 = (-altitude_m / 8000.0).exp();
    let fh2 = (-altitude_m / 1250.0).exp();
    let cg1 = 5.09e-5 * altitude_m + 0.868;
    let cg2 = 3.92e-5 * altitude_m + 0.0387;
    let ghi =
        cg1 * dni_extra_w_per_m2 * cos_z * (-cg2 * am * (fh1 + fh2 * (tl - 1.0))).exp().max(0.0);
    let b = 0.664 + 0.163 / fh1;
    let bnci = dni_extra_w_per_m2 * (b * (-0.09 * am * (tl - 1.0)).exp()).max(0.0);
    let bnci2 =
        ghi * ((1.0 - (0.1 - 0.2 * (-tl).exp()) / (0.1 + 0.882 / fh1)) / cos_z).clamp(0.0, 1e20);
    let dni = bnci.min(bnci2);
    ClearSky {
        ghi_w_per_m2: ghi,
        dni_w_per_m2: dni,
        dhi_w_per_m2: ghi - dni * cos_z,
    }
}

/// Cosine of the angle of incidence of the beam on a plane (tilt and azimuth in degrees).
pub fn cos_incidence(
    zenith_deg: f64,
    sun_azimuth_deg: f64,
    tilt_deg: f64,
    plane_azimuth_deg: f64,
) -> f64 {
    let (z, b) = (zenith_deg.to_radians(), tilt_deg.to_radians());
    (z.cos() * b.cos()
        + z.sin() * b.sin() * (sun_azimuth_deg - plane_azimuth_deg).to_radians().cos())
    .clamp(-1.0, 1.0)
}

/// Plane-of-array irradiance components, W/m².
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PlaneOfArray {
    /// Total on the plane.
    pub poa_w_per_m2: f64,
    /// Beam part.
    pub beam_w_per_m2: f64,
    /// Sky-diffuse part (Hay–Davies).
    pub sky_diffuse_w_per_m2: f64,
    /// Ground-reflected part.
    pub ground_w_per_m2: f64,
}

/// Hay–Davies transposition (equations in the module docs).
#[allow(clippy::too_many_arguments)]
pub fn hay_davies(
    irr: &ClearSky,
    dni_extra_w_per_m2: f64,
    zenith_deg: f64,
    sun_azimuth_deg: f64,
    tilt_deg: f64,
    plane_azimuth_deg: f64,
    albedo: f64,
) -> PlaneOfArray {
    let cos_tt = cos_incidence(zenith_deg, sun_azimuth_deg, tilt_deg, plane_azimuth_deg).max(0.0);
    let rb = cos_tt / zenith_deg.to_radians().cos().max(0.01745);
    let ai = if dni_extra_w_per_m2 > 0.0 {
        irr.dni_w_per_m2 / dni_extra_w_per_m2
    } else {
        0.0
    };
    let cos_b = tilt_deg.to_radians().cos();
    let sky = (irr.dhi_w_per_m2 * (1.0 - ai) * 0.5 * (1.0 + cos_b)).max(0.0)
        + (irr.dhi_w_per_m2 * ai * rb).max(0.0);
    let ground = irr.ghi_w_per_m2 * albedo * 0.5 * (1.0 - cos_b);
    let beam = (irr.dni_w_per_m2 * cos_tt).max(0.0);
    PlaneOfArray {
        poa_w_per_m2: beam + sky + ground,
        beam_w_per_m2: beam,
        sky_diffuse_w_per_m2: sky,
        ground_w_per_m2: ground,
    }
}
