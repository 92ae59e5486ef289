"""Reference values for the solar tests, computed with pvlib-python (out of the test path).

Run: pip install pvlib && python3 models/scripts/pvlib_reference.py
The printed numbers are pasted into models/src/solar/*.rs tests with their tolerances.
"""
import numpy as np
import pandas as pd
import pvlib
from pvlib import atmosphere, clearsky, irradiance, inverter, pvsystem, solarposition, temperature

print("pvlib", pvlib.__version__)
lat, lon, alt = 35.0, -106.0, 1500.0
tilt, az, albedo, tl = 30.0, 180.0, 0.2, 3.0
for ts in ["2020-06-21 18:00:00", "2020-12-21 16:00:00", "2020-03-20 23:30:00"]:
    t = pd.DatetimeIndex([ts], tz="UTC")
    pres = atmosphere.alt2pres(alt)
    sp = solarposition.spa_python(t, lat, lon, altitude=alt, pressure=pres, temperature=20.0, delta_t=69.0)
    z, a = float(sp.apparent_zenith.iloc[0]), float(sp.azimuth.iloc[0])
    e0 = float(irradiance.get_extra_radiation(t).iloc[0])
    am = float(atmosphere.get_relative_airmass(z))
    ama = float(atmosphere.get_absolute_airmass(am, pres))
    cs = clearsky.ineichen(z, ama, tl, altitude=alt, dni_extra=e0)
    poa = irradiance.get_total_irradiance(tilt, az, z, a, cs["dni"], cs["ghi"], cs["dhi"], dni_extra=e0,
                                          albedo=albedo, model="haydavies")
    tc = temperature.sapm_cell(poa["poa_global"], 25.0, 2.0, -3.47, -0.0594, 3.0)
    pdc = pvsystem.pvwatts_dc(poa["poa_global"], tc, 1.2, -0.0035)
    pac = inverter.pvwatts(pdc, 1.0 / 0.96, 0.96, 0.9637)
    print(ts, dict(zenith=z, azimuth=a, e0=e0, am=am, ama=ama, ghi=float(cs["ghi"]), dni=float(cs["dni"]),
                   dhi=float(cs["dhi"]), poa=float(poa["poa_global"]), tcell=float(tc), pdc=float(pdc), pac=float(pac)))
# Erbs decomposition at a few clearness indices
for ghi, zen, doy in [(300.0, 40.0, 100), (700.0, 30.0, 172), (100.0, 70.0, 355)]:
    r = irradiance.erbs(ghi, zen, doy)
    print("erbs", ghi, zen, doy, {k: float(v) for k, v in r.items()})
