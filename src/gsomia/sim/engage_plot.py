"""The engagement-window plot of ``gsomia run --plots`` (figures: :mod:`gsomia.sim.engage`)."""

from __future__ import annotations

from pathlib import Path

from gsomia.sim.run import RunResult

__all__ = ["write_engagement_plot"]

_ROUTE_COLOR = {"none": "0.45", "tisa_hub": "tab:green", "auto_hub": "tab:purple",
                "direct": "tab:blue"}


def write_engagement_plot(result: RunResult, directory: str | Path) -> Path | None:
    """Write ``engagement_windows.png`` into ``directory`` (created): for each launch and
    party with a fire unit, one bar per route from the first to the last feasible launch
    [s after that launch], a tick at the first firing solution; ``None`` (no file) when
    the run has no engagements."""
    eng = result.engagements
    if eng is None:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    routes = list(result.config.routes)
    rows = [(f, p) for f in result.flights for p in result.scenario.parties
            if eng.data.units_of(p, eng.day)]
    fig, ax = plt.subplots(figsize=(10, 0.5 + 0.32 * len(rows) * len(routes)))
    y, labels, ticks = 0.0, [], []
    for f, p in rows:
        for r in routes:
            e = eng.best(f.id, p, r)
            if e is not None:
                ax.plot([e.first_launch_s - f.launch_s, e.last_launch_s - f.launch_s], [y, y],
                        color=_ROUTE_COLOR.get(r, "k"), lw=4, solid_capstyle="butt")
                ax.plot(e.first_solution_s - f.launch_s, y, "|", color="k", ms=9)
            y += 1.0
        ticks.append(y - 0.5 * len(routes) - 0.5)
        labels.append(f"{f.id} {p}")
        y += 0.6
    ax.set_yticks(ticks, labels)
    ax.invert_yaxis()
    ax.set_xlabel("seconds after launch (bar: engagement window, first to last feasible "
                  "launch; |: first firing solution)")
    handles = [plt.Line2D([], [], color=_ROUTE_COLOR.get(r, "k"), lw=4) for r in routes]
    ax.legend(handles, routes, fontsize=8, loc="best")
    ax.grid(True, axis="x", lw=0.3)
    ax.set_title(f"{result.scenario.name}: engagement windows by party and route")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "engagement_windows.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
