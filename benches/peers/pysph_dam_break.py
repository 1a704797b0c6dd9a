"""3-D dam break throughput benchmark for PySPH (peer measurement for cinegraph).

Geometry (z up, gravity -9.81 in z, rest density 1000):
  water column  L=1 (x) x H=2 (z) x D (y, default 0.5) in the corner x in [0, 1]
  tank          --tank-length (x, default 4) x D (y) x --tank-height (z, default 2.5),
                floor + 4 side walls, open top, --layers layers of boundary particles
                at spacing dx (default 2), first layer dx/2 outside the wall surface.
The spacing dx is chosen so that the column holds ~N particles on a cubic lattice:
  dx = (L*H*D/N)^(1/3), counts = round(L/dx), round(D/dx), round(H/dx).

Scheme: PySPH's IISPHScheme (Ihmsen et al. 2014, implicit incompressible SPH,
relaxed Jacobi, omega 0.5, tolerance 1 % average density error, 2..30 iterations,
Akinci-style boundary volumes from boundary number density), Euler step, CubicSpline
kernel (support 2h, h = hdx*dx), fixed time step (no adaptive step) by default
    dt = min(1/480 s, 0.4*dx / sqrt(2 g H))
i.e. the cinegraph substep cap with a CFL of 0.4 at the dam-break front's top speed.
--scheme wcsph gives PySPH's standard WCSPH (Tait, c0 = 10 sqrt(2 g H), EPEC
integrator, WendlandQuintic) for reference.

Usage:
    OMP_NUM_THREADS=1 python pysph_dam_break.py N [--steps 30] [--warmup 3] [options]

Only the stepping loop is timed: from the start of the first step after --warmup
steps to the end of the last step (pre_step / post_step solver callbacks).  Code
generation + C compilation, particle creation and neighbour-structure setup happen in
Application.setup() and the solver's initial_acceleration(), both untimed.  OpenMP is
off (--no-openmp passed to PySPH), file output is off (--disable-output).
"""
import argparse
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from pysph.base.kernels import CubicSpline, WendlandQuintic
from pysph.base.utils import get_particle_array
from pysph.solver.application import Application

G = 9.81
RHO0 = 1000.0
L, H = 1.0, 2.0


def lattice(nx, ny, nz, dx, x0=0.0, y0=0.0, z0=0.0):
    i, j, k = np.mgrid[0:nx, 0:ny, 0:nz]
    return (x0 + (i.ravel() + 0.5) * dx, y0 + (j.ravel() + 0.5) * dx,
            z0 + (k.ravel() + 0.5) * dx)


def tank(dx, lx, ly, lz, layers, gap=1.0):
    """Boundary particles of an open-top box whose inner faces are x=0, x=lx, y=0,
    y=ly, z=0; layer k sits (k+0.5)dx + (gap-1)dx outside the face (gap = distance
    from the first fluid lattice layer to the first boundary layer, in dx)."""
    nx, ny, nz = int(round(lx / dx)), int(round(ly / dx)), int(round(lz / dx))
    # full lattice covering walls + interior, keep only the shell
    i, j, k = np.mgrid[-layers:nx + layers, -layers:ny + layers, -layers:nz]
    i, j, k = i.ravel(), j.ravel(), k.ravel()
    inside = (i >= 0) & (i < nx) & (j >= 0) & (j < ny) & (k >= 0)
    keep = ~inside
    i, j, k = i[keep], j[keep], k[keep]
    e = (gap - 1.0) * dx
    x = (i + 0.5) * dx - e * (i < 0) + e * (i >= nx)
    y = (j + 0.5) * dx - e * (j < 0) + e * (j >= ny)
    z = (k + 0.5) * dx - e * (k < 0)
    return x, y, z


class DamBreak(Application):
    def __init__(self, args):
        self.a = args
        super().__init__(fname="dam_break", output_dir=args.output_dir)

    def consume_user_options(self):
        a = self.a
        D = a.depth
        self.dx = dx0 = (L * H * D / a.n) ** (1.0 / 3.0)
        self.nx, self.ny, self.nz = (int(round(L / dx0)), int(round(D / dx0)),
                                     int(round(H / dx0)))
        self.h = a.hdx * self.dx
        self.vmax = np.sqrt(2 * G * H)
        if a.scheme == "iisph":
            self.dt = a.dt if a.dt else min(1.0 / 480.0, 0.4 * self.dx / self.vmax)
        else:
            c0 = 10.0 * self.vmax
            self.dt = a.dt if a.dt else 0.125 * self.h / c0

    def create_scheme(self):
        # scheme is created in create_solver/create_equations below (no chooser)
        return None

    def _make_scheme(self):
        a = self.a
        if a.scheme == "iisph":
            from pysph.sph.iisph import IISPHScheme
            s = IISPHScheme(["fluid"], ["boundary"], dim=3, rho0=RHO0, nu=a.nu,
                            gz=-G, omega=0.5, tolerance=a.tolerance,
                            debug=a.debug_iters)
            s.configure_solver(kernel=CubicSpline(dim=3), dt=self.dt, tf=1e9,
                               adaptive_timestep=False, pfreq=10**9)
        else:
            from pysph.sph.scheme import WCSPHScheme
            from pysph.sph.integrator import EPECIntegrator
            c0 = 10.0 * self.vmax
            s = WCSPHScheme(["fluid"], ["boundary"], dim=3, rho0=RHO0, c0=c0,
                            h0=self.h, hdx=a.hdx, gz=-G, alpha=0.25, beta=0.0,
                            gamma=7.0, hg_correction=True,
                            tensile_correction=False)
            s.configure_solver(kernel=WendlandQuintic(dim=3),
                               integrator_cls=EPECIntegrator, dt=self.dt,
                               tf=1e9, adaptive_timestep=False, pfreq=10**9)
        self._scheme = s
        return s

    def create_solver(self):
        return self._make_scheme().get_solver()

    def create_equations(self):
        eqs = self._scheme.get_equations()
        if self.a.scheme == "iisph" and (self.a.min_iters or self.a.max_iters):
            for g in eqs:
                if getattr(g, "iterate", False):
                    if self.a.min_iters:
                        g.min_iterations = self.a.min_iters
                    if self.a.max_iters:
                        g.max_iterations = self.a.max_iters
        return eqs

    def create_particles(self):
        a, dx = self.a, self.dx
        m = RHO0 * dx ** 3
        xf, yf, zf = lattice(self.nx, self.ny, self.nz, dx, x0=a.shift * dx)
        xb, yb, zb = tank(dx, a.tank_length, self.ny * dx, a.tank_height, a.layers,
                          a.gap)
        fluid = get_particle_array(name="fluid", x=xf, y=yf, z=zf, h=self.h, m=m,
                                   rho=RHO0)
        boundary = get_particle_array(name="boundary", x=xb, y=yb, z=zb, h=self.h,
                                      m=m, rho=RHO0)
        self._scheme.setup_properties([fluid, boundary])
        if a.scheme == "wcsph":
            # Tait EOS needs the initial hydrostatic density; keep rho0 (as PySPH's
            # own dam-break examples do), the damping phase is not used here.
            pass
        return [fluid, boundary]

    # ---- timing hooks (called by the solver around every integrator step) ----
    def pre_step(self, solver):
        if solver.count == self.a.warmup:
            self.t_start = time.perf_counter()
            self.c_start = time.process_time()

    def post_step(self, solver):
        self.t_end = time.perf_counter()
        self.c_end = time.process_time()
        self.nsteps_done = solver.count + 1


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("n", type=int, help="target number of fluid particles")
    p.add_argument("--steps", type=int, default=30, help="timed steps")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    p.add_argument("--scheme", choices=["iisph", "wcsph"], default="iisph")
    p.add_argument("--hdx", type=float, default=1.0,
                   help="h/dx (CubicSpline support = 2h; 1.0 gives support 2dx "
                        "like cinegraph's salva kernel of support 4r)")
    p.add_argument("--depth", type=float, default=0.5)
    p.add_argument("--tank-length", type=float, default=4.0)
    p.add_argument("--tank-height", type=float, default=2.5)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--dt", type=float, default=0.0, help="override time step")
    p.add_argument("--nu", type=float, default=0.0, help="kinematic viscosity")
    p.add_argument("--tolerance", type=float, default=0.01)
    p.add_argument("--debug-iters", action="store_true",
                   help="IISPH: print each pressure iteration (for counting, not "
                        "for timing)")
    p.add_argument("--shift", type=float, default=0.0,
                   help="shift the column by this many dx in +x (PySPH's 2-D IISPH "
                        "dam break uses 0.25)")
    p.add_argument("--save-final", default="",
                   help="write the final fluid state to this .npz (after timing)")
    p.add_argument("--gap", type=float, default=1.0,
                   help="distance from the outer fluid lattice layer to the first "
                        "boundary layer, in dx")
    p.add_argument("--min-iters", type=int, default=0,
                   help="IISPH: minimum pressure iterations a step (PySPH: 2)")
    p.add_argument("--max-iters", type=int, default=0,
                   help="IISPH: maximum pressure iterations a step (PySPH: 30)")
    p.add_argument("--output-dir", default="/tmp/peer/out")
    a = p.parse_args()

    app = DamBreak(a)
    t0 = time.perf_counter()
    app.setup(["--no-openmp", "--disable-output", "-q",
               "--max-steps", str(a.warmup + a.steps),
               "--pfreq", str(10**9)])
    t_setup = time.perf_counter() - t0
    nf = app.particles[0].get_number_of_particles()
    nb = app.particles[1].get_number_of_particles()
    print("scheme=%s dx=%.5f h=%.5f hdx=%.2f dt=%.6g s lattice %dx%dx%d" % (
        a.scheme, app.dx, app.h, a.hdx, app.dt, app.nx, app.ny, app.nz))
    print("fluid particles N=%d boundary particles=%d" % (nf, nb))
    print("setup (incl. code generation/compilation) %.1f s" % t_setup, flush=True)

    t0 = time.perf_counter()
    app.solver.solve(False)
    t_solve = time.perf_counter() - t0
    steps = app.nsteps_done - a.warmup
    wall = app.t_end - app.t_start
    fl = app.particles[0]
    speed = np.sqrt(fl.u ** 2 + fl.v ** 2 + fl.w ** 2)
    ok = np.all(np.isfinite(fl.x)) and np.all(np.isfinite(speed))
    print("steps total=%d warmup=%d timed=%d simulated time=%.5f s" % (
        app.nsteps_done, a.warmup, steps, app.solver.t))
    print("max speed %.3f m/s (free fall to t would be %.3f), min z %.4f, "
          "mean rho %.1f, finite=%s" % (speed.max(), G * app.solver.t, fl.z.min(),
                                        fl.rho.mean(), ok))
    i = int(np.argmax(speed))
    print("speed percentiles 50/90/99/max: %.3f %.3f %.3f %.3f; fastest at "
          "(%.3f, %.3f, %.3f) vel (%.3f, %.3f, %.3f)" % (
              *np.percentile(speed, [50, 90, 99]), speed.max(), fl.x[i], fl.y[i],
              fl.z[i], fl.u[i], fl.v[i], fl.w[i]))
    print("mean velocity (%.3f, %.3f, %.3f); rho min/max %.1f/%.1f; p max %.0f "
          "(rho g H = %.0f)" % (fl.u.mean(), fl.v.mean(), fl.w.mean(), fl.rho.min(),
                                fl.rho.max(), fl.p.max(), RHO0 * G * H))
    if a.save_final:
        np.savez(a.save_final, x=fl.x, y=fl.y, z=fl.z, u=fl.u, v=fl.v, w=fl.w,
                 rho=fl.rho, p=fl.p, t=app.solver.t, dx=app.dx)
    print("solve() total incl. initial acceleration + warm-up: %.2f s" % t_solve)
    cpu = app.c_end - app.c_start
    print("timed stepping wall %.3f s, %.4f s/step; process CPU time %.3f s "
          "(cpu/wall %.2f); load average %s" % (
              wall, wall / steps, cpu, cpu / wall,
              " ".join("%.2f" % x for x in os.getloadavg())))
    print("RESULT peer=PySPH-%s scheme=%s N=%d boundary=%d steps=%d dt=%.6g "
          "wall=%.3f s particle_steps_per_s=%.4g (per CPU-second %.4g)" % (
              __import__("pysph").__version__, a.scheme, nf, nb, steps, app.dt,
              wall, nf * steps / wall, nf * steps / cpu))


if __name__ == "__main__":
    main()
