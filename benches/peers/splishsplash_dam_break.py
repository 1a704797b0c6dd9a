"""3-D dam break throughput benchmark for SPlisHSPlasH (pysplishsplash wheel), DFSPH.

Peer measurement for cinegraph (which runs salva3d's DFSPH).  Geometry, y up as in
SPlisHSPlasH, gravity -9.81 in y, rest density 1000:
  water column  L=1 (x) x H=2 (y) x D (z, default 0.5) in the corner of
  tank          inner size --tank-length (x, default 4) x --tank-height (y, 2.5) x D
                (UnitBox.obj scaled, isWall, so the walls are the box's inside).
Particle radius r = ((L*H*D/N)^(1/3))/2 (spacing 2r, regular block), the outer
particles one spacing from the walls (--wall-gap 1; SPlisHSPlasH's own scene leaves 2
and lets the block fall onto the floor).  With --settle K (24 in the measurements,
as cinegraph does) the first K steps run without gravity and zero the velocities
after each step; without it the wall contact at one spacing launches the liquid.
Defaults are SPlisHSPlasH's own DamBreakModel.json settings except where noted:
  DFSPH, minIterations 2, maxIterations 100, maxError 0.05 (%), divergence solver on
  (maxErrorV 0.1 %, maxIterationsV 100), cubic spline kernel (support 4r, SPlisHSPlasH
  default), standard viscosity 0.01 (as in DamBreakModel.json),
  boundary: Akinci 2012 boundary particles (--boundary akinci, default; like
  cinegraph's sampled walls) or Bender 2019 volume maps (--boundary volmap, the
  DamBreakModel.json default),
  fixed time step (cflMethod 0) dt = min(1/480 s, 0.4*2r/sqrt(2 g H)) -- the same rule
  as pysph_dam_break.py (PySPH) -- instead of the scene's adaptive CFL.
Single-threaded: OMP_NUM_THREADS=1 (SPlisHSPlasH parallelises with OpenMP only).
No exporters are enabled, so nothing is written during stepping.

Usage:
  LD_PRELOAD=/lib/x86_64-linux-gnu/libGLdispatch.so.0 OMP_NUM_THREADS=1 \
      python splishsplash_dam_break.py N --settle 24 [--warmup 3] [--steps 30]
Timed: from the end of the last warm-up step to the end of the last step, using
SPlisHSPlasH's per-step callback (wall clock and process CPU time).
(the LD_PRELOAD works around a segfault on import: the wheel's bundled
libGLdispatch clashes with the system libGLX.)
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pysplishsplash as sph

G, RHO0, L, H = 9.81, 1000.0, 1.0, 2.0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("n", type=int)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--depth", type=float, default=0.5)
    p.add_argument("--tank-length", type=float, default=4.0)
    p.add_argument("--tank-height", type=float, default=2.5)
    p.add_argument("--boundary", choices=["akinci", "volmap"], default="akinci")
    p.add_argument("--dt", type=float, default=0.0)
    p.add_argument("--viscosity", type=float, default=0.01)
    p.add_argument("--max-error", type=float, default=0.05)
    p.add_argument("--wall-gap", type=float, default=1.0,
                   help="distance of the outer fluid particles from the walls, in "
                        "spacings (SPlisHSPlasH's DamBreakModel.json has 2)")
    p.add_argument("--settle", type=int, default=0,
                   help="steps without gravity, velocities zeroed after each, "
                        "before the warm-up (cinegraph settles with 24)")
    p.add_argument("--workdir", default="/tmp/peer/splash_work")
    a = p.parse_args()

    D = a.depth
    diam = (L * H * D / a.n) ** (1.0 / 3.0)
    r = diam / 2.0
    dt = a.dt if a.dt else min(1.0 / 480.0, 0.4 * diam / np.sqrt(2 * G * H))
    models = os.path.join(os.path.dirname(sys.executable), "data", "models")
    TL, TH = a.tank_length, a.tank_height
    # lattice counts and the fluid block: SPlisHSPlasH's regular fill (denseMode 0)
    # puts particles at start + k*2r, k = 1 .. floor(len/2r) - 1, so a block that
    # starts on the walls and is one spacing longer than the column gives n
    # particles a side, the outer ones one spacing (2r) from the wall surface, where
    # the Akinci boundary samples lie (PySPH script: one spacing from the first
    # boundary layer too).  The tank is n_z + 1 spacings deep so the fluid fills it.
    n3 = [int(round(q / diam)) for q in (L, H, D)]
    g0 = (a.wall_gap - 1.0) * diam        # extra gap beyond one spacing
    DT = (n3[2] + 1) * diam + 2 * g0      # tank inner depth
    z0 = -DT / 2 + g0
    blk_start = [g0, g0, z0]
    blk_end = [g0 + (n3[0] + 1) * diam + 1e-6, g0 + (n3[1] + 1) * diam + 1e-6,
               z0 + (n3[2] + 1) * diam + 1e-6]
    scene = {
        "Configuration": {
            "particleRadius": r,
            "numberOfStepsPerRenderUpdate": 1,
            "simulationMethod": 4,                       # DFSPH
            "gravitation": [0, -G, 0],
            "timeStepSize": dt,
            "cflMethod": 0,                              # fixed time step
            "cflFactor": 1,
            "cflMaxTimeStepSize": dt,
            "boundaryHandlingMethod": 0 if a.boundary == "akinci" else 2,
            "enableZSort": True,
            "DFSPH": {"minIterations": 2, "maxIterations": 100,
                      "maxError": a.max_error, "maxIterationsV": 100,
                      "maxErrorV": 0.1, "enableDivergenceSolver": True},
        },
        "Materials": [{"id": "Fluid", "density0": RHO0, "viscosityMethod": 1,
                       "Standard viscosity": {"viscosity": a.viscosity}}],
        "RigidBodies": [{
            "geometryFile": os.path.join(models, "UnitBox.obj"),
            # unit box centred at the origin: inner tank [0,TL] x [0,TH] x [-D/2,D/2]
            "translation": [TL / 2, TH / 2, 0],
            "rotationAxis": [1, 0, 0], "rotationAngle": 0,
            "scale": [TL, TH, DT],
            "isDynamic": False, "isWall": True,
            "mapInvert": True, "mapThickness": 0.0,
            "mapResolution": [int(TL / diam / 2) + 1, int(TH / diam / 2) + 1,
                              int(DT / diam / 2) + 1],
        }],
        "FluidBlocks": [{
            "denseMode": 0,
            # SPlisHSPlasH fills [start+r, end-r] at spacing 2r
            "start": blk_start, "end": blk_end,
        }],
    }
    if a.settle:
        # gravity off for the settling steps; switched on by after_step()
        scene["Configuration"]["gravitation"] = [0, 0, 0]
    os.makedirs(a.workdir, exist_ok=True)
    sf = os.path.join(a.workdir, "dam_%d_%s_g%g_s%d.json" % (
        a.n, a.boundary, a.wall_gap, a.settle))
    with open(sf, "w") as f:
        json.dump(scene, f, indent=1)

    total = a.settle + a.warmup + a.steps
    st = {"t": [], "c": [], "it": [], "itv": [], "x": None}

    def after_step():
        # called by SPlisHSPlasH after every time step
        k = len(st["t"]) + 1          # number of the step just taken
        if k <= a.settle:
            # settling (as cinegraph does before its first step): no gravity,
            # velocities zeroed after every step
            sim = sph.Simulation.getCurrent()
            fl = sim.getFluidModel(0)
            zero = np.zeros(3)
            for i in range(fl.numActiveParticles()):
                fl.setVelocity(i, zero)
            sim.setVec3ValueReal(sph.Simulation.GRAVITATION,
                                 [0.0, 0.0 if k < a.settle else -G, 0.0])
        st["t"].append(time.perf_counter())
        st["c"].append(time.process_time())
        sim = sph.Simulation.getCurrent()
        ts = sim.getTimeStep()
        st["it"].append(ts.getValueInt(sph.TimeStepDFSPH.SOLVER_ITERATIONS))
        st["itv"].append(ts.getValueInt(sph.TimeStepDFSPH.SOLVER_ITERATIONS_V))
        if len(st["t"]) == 1:
            fl = sim.getFluidModel(0)
            st["nf"] = fl.numActiveParticles()
            st["dt"] = sph.TimeManager.getCurrent().getTimeStepSize()
            x0 = np.array([fl.getPosition0(i).ravel() for i in range(st["nf"])])
            st["ux0"] = np.unique(np.round(x0[:, 0], 5))[:4]
            st["box0"] = (x0.min(0), x0.max(0))
        if len(st["t"]) == total:
            fl = sim.getFluidModel(0)
            n = fl.numActiveParticles()
            st["x"] = np.array([fl.getPosition(i).ravel() for i in range(n)])
            st["v"] = np.array([fl.getVelocity(i).ravel() for i in range(n)])
            st["rho"] = np.array([fl.getDensity(i) for i in range(n)])
            st["time"] = sph.TimeManager.getCurrent().getTime()

    t0 = time.perf_counter()
    base = sph.Exec.SimulatorBase()
    base.init(sceneFile=sf, useGui=False, outputDir=a.workdir, initialPause=False,
              useCache=True)
    base.setValueFloat(base.STOP_AT, float((total - 0.5) * dt))
    base.setTimeStepCB(after_step)

    base.run()   # initSimulation (boundary sampling, neighbour search) + stepping
    t_all = time.perf_counter() - t0
    nsteps = len(st["t"])
    assert nsteps == total, "took %d steps, expected %d" % (nsteps, total)
    nf = st["nf"]
    w0 = a.settle + a.warmup
    wall = st["t"][-1] - st["t"][w0 - 1]
    cpu = st["c"][-1] - st["c"][w0 - 1]
    iters, itersv = st["it"][w0:], st["itv"][w0:]
    print("SPlisHSPlasH DFSPH, boundary=%s r=%.5f spacing=%.5f dt=%.6g s" % (
        a.boundary, r, diam, st["dt"]))
    print("fluid particles N=%d; boundary particles: see 'Number of boundary "
          "particles' / sampling lines above (Akinci only)" % nf)
    print("initial x values (first 4): %s" % st["ux0"])
    print("fluid initial positions: min %s max %s" % (np.round(st["box0"][0], 4),
                                                  np.round(st["box0"][1], 4)))
    print("target lattice %s = %d particles" % (n3, n3[0] * n3[1] * n3[2]))
    print("whole run() incl. setup %.1f s" % t_all)
    x, v, t = st["x"], st["v"], st["time"]
    sp = np.linalg.norm(v, axis=1)
    print("steps total=%d settle=%d warmup=%d timed=%d simulated time=%.5f s "
          "(incl. settling)" % (total, a.settle, a.warmup, a.steps, t))
    print("pressure iterations/step mean %.1f (min %d max %d); divergence "
          "iterations/step mean %.1f" % (np.mean(iters), min(iters), max(iters),
                                         np.mean(itersv)))
    print("mean velocity (%.3f, %.3f, %.3f); back half (x<0.5) mean vy %.3f; "
          "max speed %.3f (g t since gravity on = %.3f); min y %.4f; finite=%s" % (
              *v.mean(0), v[x[:, 0] < 0.5, 1].mean(), sp.max(),
              G * (t - a.settle * st["dt"]),
              x[:, 1].min(), bool(np.all(np.isfinite(x)))))
    print("density mean %.1f min %.1f max %.1f; y extent %.4f..%.4f" % (
        st["rho"].mean(), st["rho"].min(), st["rho"].max(), x[:, 1].min(),
        x[:, 1].max()))
    print("timed stepping wall %.3f s, %.4f s/step; process CPU %.3f s (cpu/wall "
          "%.2f); load average %s" % (wall, wall / a.steps, cpu, cpu / wall,
                                      " ".join("%.2f" % q for q in os.getloadavg())))
    print("RESULT peer=SPlisHSPlasH-2.19.0 scheme=DFSPH boundary=%s N=%d "
          "steps=%d dt=%.6g wall=%.3f s particle_steps_per_s=%.4g (per CPU-second "
          "%.4g)" % (a.boundary, nf, a.steps, st["dt"], wall,
                     nf * a.steps / wall, nf * a.steps / cpu))


if __name__ == "__main__":
    main()
