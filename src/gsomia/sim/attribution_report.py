"""``gsomia report batch.json --out DIR``: an offline HTML page of what bought the warning
time over the batch (:mod:`gsomia.sim.attribution`), with its PNGs beside it.

Read from a batch JSON (``gsomia run --records DIR --since DATE --json-out``, schema
``gsomia.batch/1``, whose events carry ``propulsion``, ``gained_s``, ``assumptions`` and
``attribution``: :func:`gsomia.sim.attribution.batch_extras`):

- distributions of the gain (first PIP within 50 km, [s] against ``none``) per route and
  party, per missile (propulsion) class and per year: 10th/50th/90th percentiles
  (:func:`numpy.percentile`, linear interpolation) and counts, and their CDFs;
- the launches where ``direct`` beats a hub, by how much, and why (the partner whose
  Shapley value grows most from the hub to direct, and the partner sensor of largest
  leave-one-out value on direct);
- mean Shapley value of each partner per missile class (bars);
- the TISA approval-delay sweep (``attribution.sensitivity``; the batch has one by
  default, 0-600 s by 60 s): 10th/50th/90th percentiles over launches of the gain of
  ``tisa_hub`` and of ``direct`` over it at each delay;
- the other swept assumptions (``attribution.sensitivities``, ``gsomia run --sweep
  link_delay=... --sweep hub_delay=...``): percentiles of direct minus each hub at each
  value, i.e. how much of the direct link's value depends on the assumption;
- which partner sensors are shared: for each partner sensor, direct minus ``tisa_hub``
  when that sensor's data is not shared, read from the leave-one-out values of
  ``attribution`` (a route's gain without the sensor = its gain minus the sensor's value:
  no sweep needed), beside the same launches with every sensor shared;
- radar availability (``attribution.radar_outages``, ``gsomia run … --sweep
  radar_down``): per own sensor of Japan and Korea out of the run, how much later the
  party's own 50 km PIP comes, and what direct and the hub make up;
- the distribution of direct minus each hub per party, missile class and year.

Every figure states its seeds (one per event, :func:`gsomia.sim.batch.event_seed`), its
assumptions (the runs' ``assumptions``) and its data source (the batch's records folder
and date). No external URL: PNGs are written beside ``index.html`` without Matplotlib's
``Software`` metadata.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from gsomia.errors import InputError

__all__ = ["distributions", "launch_rows", "load_batch", "radar_outages", "sensitivities",
           "unshared_sensors", "versus_distributions", "write_report"]

METRIC = "first_pip_within_50km_s"
PARTIES = ("JPN", "KOR")


def load_batch(path: str | Path) -> dict[str, Any]:
    """A batch JSON with attribution (module notes).

    Raises:
        InputError: unreadable, not JSON, not ``gsomia.batch/1``, or events without
            ``attribution`` (run the batch with ``--attribution``, the default).
    """
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("batch", str(p), f"cannot be read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise InputError("batch", str(p), f"is not JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("schema") != "gsomia.batch/1":
        got = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise InputError("batch.schema", got, "expected gsomia.batch/1 (gsomia run --records "
                         "DIR --since DATE --json-out FILE)")
    events = doc.get("events")
    if not isinstance(events, list) or not events:
        raise InputError("batch.events", events, "expected a non-empty list of events")
    for k, ev in enumerate(events):
        if not isinstance(ev, dict) or not isinstance(ev.get("attribution"), dict) or \
                "launches" not in ev["attribution"]:
            raise InputError(f"batch.events[{k}].attribution", None if not isinstance(
                ev, dict) else ev.get("attribution"), "missing: run the batch with "
                "--attribution (the default) to report it")
        _check_event(f"batch.events[{k}]", ev)
    return doc


def _check_event(where: str, ev: dict[str, Any]) -> None:
    """The fields of one batch event that the report reads (module notes).

    Raises:
        InputError: naming the first field of a wrong type and its value.
    """
    wants = {"event": (str, "a string"), "date": (str, "a date YYYY-MM-DD"),
             "seed": (int, "an integer"), "propulsion": (dict, "an object")}
    for name, (kind, what) in wants.items():
        v = ev.get(name)
        if not isinstance(v, kind) or isinstance(v, bool) or \
                (name == "date" and not v[:4].isdigit()):
            raise InputError(f"{where}.{name}", v, f"expected {what}")
    at = f"{where}.attribution.launches"
    for lid, parties in _obj(at, ev["attribution"]["launches"]).items():
        for party, routes in _obj(f"{at}.{lid}", parties).items():
            for route, figs in _obj(f"{at}.{lid}.{party}", routes).items():
                e = _obj(f"{at}.{lid}.{party}.{route}.{METRIC}",
                         _obj(f"{at}.{lid}.{party}.{route}", figs).get(METRIC))
                t = e.get("total_s")
                if t is not None and (isinstance(t, bool) or not isinstance(t, int | float)
                                      or not np.isfinite(t)):
                    raise InputError(f"{at}.{lid}.{party}.{route}.{METRIC}.total_s", t,
                                     "expected seconds or null")


def _obj(where: str, v: Any) -> dict[str, Any]:
    """``v`` if a JSON object, else :class:`InputError` naming ``where`` and ``v``."""
    if not isinstance(v, dict):
        raise InputError(where, v, "expected an object")
    return v


def launch_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per event, launch, measured party and sharing route of a batch
    (:func:`load_batch`): ``{"event", "launch", "party", "route", "year", "class"
    (propulsion), "gain" (s or None), "reason", "shapley", "sensors", "versus" (direct minus
    each hub)}``."""
    rows = []
    for ev in doc["events"]:
        att = ev["attribution"]
        for lid, parties in att["launches"].items():
            for party, routes in parties.items():
                for route, figs in routes.items():
                    e = figs[METRIC]
                    rows.append({"event": ev["event"], "launch": lid, "party": party,
                                 "route": route, "year": ev["date"][:4],
                                 "class": ev["propulsion"].get(lid) or "unknown",
                                 "gain": e.get("total_s"), "reason": e.get("reason"),
                                 "shapley": e.get("shapley") or {},
                                 "sensors": e.get("sensors") or {},
                                 "versus": att.get("direct_minus_hub", {}).get(lid, {})
                                 .get(party, {})})
    return rows


def _quantiles(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "p10": None, "p50": None, "p90": None}
    q = np.percentile(np.array(values, dtype=float), [10, 50, 90])
    return {"n": len(values), "p10": round(float(q[0]), 1), "p50": round(float(q[1]), 1),
            "p90": round(float(q[2]), 1)}


def distributions(rows: list[dict[str, Any]], by: str | None = None) -> list[dict[str, Any]]:
    """Quantiles of the gain per route, party and ``by`` (``"class"``, ``"year"`` or None):
    ``[{"route", "party", by, "n" (launches with a gain), "launches", "p10", "p50",
    "p90"}]``; a launch without a gain (``null`` with a reason) counts in ``launches``
    only."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[(r["route"], r["party"]) + ((r[by],) if by else ())].append(r)
    out = []
    for key in sorted(groups):
        got = [r["gain"] for r in groups[key] if r["gain"] is not None]
        entry = {"route": key[0], "party": key[1], **({by: key[2]} if by else {}),
                 "launches": len(groups[key]), **_quantiles(got)}
        out.append(entry)
    return out


def _direct_wins(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Launches where direct beats a hub: by how much and why (module notes)."""
    by_key = {(r["event"], r["launch"], r["party"], r["route"]): r for r in rows}
    out = []
    for r in rows:
        if r["route"] != "direct":
            continue
        for hub, diff in sorted(r["versus"].items()):
            if diff is None or diff <= 0:
                continue
            h = by_key.get((r["event"], r["launch"], r["party"], hub), {})
            grow = {p: s - h.get("shapley", {}).get(p, 0.0) for p, s in r["shapley"].items()}
            partner = max(grow, key=lambda p: grow[p]) if grow else None
            sensors = {s: v for s, v in r["sensors"].items() if v}
            sensor = max(sensors, key=lambda s: sensors[s]) if sensors else None
            out.append({"event": r["event"], "launch": r["launch"], "party": r["party"],
                        "hub": hub, "direct_minus_hub_s": diff, "class": r["class"],
                        "partner": partner, "partner_gain_s": grow.get(partner),
                        "sensor": sensor, "sensor_s": sensors.get(sensor)})
    out.sort(key=lambda w: -w["direct_minus_hub_s"])
    return out


def _sweep(doc: dict[str, Any]) -> dict[str, Any] | None:
    """Percentiles over launches of the tisa_hub gain and of direct minus it, and how many
    are positive, per delay and party, or None when the batch has no sweep."""
    values: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(
        lambda: defaultdict(list))
    delays: list[float] = []
    for ev in doc["events"]:
        sens = ev["attribution"].get("sensitivity")
        if not sens:
            continue
        delays = sens["values_s"]
        for parties in sens["launches"].values():
            for party, row in parties.items():
                for d, v in row.items():
                    for key in ("tisa_gain_s", "direct_minus_tisa_s"):
                        if v[key] is not None:
                            values[(party, key)][d].append(v[key])
    if not delays:
        return None
    out: dict[str, Any] = {"delays_s": delays, "series": {}}
    for (party, key), per in sorted(values.items()):
        out["series"][f"{party} {key}"] = [
            {**_quantiles(per.get(f"{d:g}", [])),
             "positive": sum(v > 0 for v in per.get(f"{d:g}", []))} for d in delays]
    return out


def versus_distributions(rows: list[dict[str, Any]], by: str | None = None
                         ) -> list[dict[str, Any]]:
    """Quantiles of direct minus each hub (s, positive: direct earlier) per hub, party and
    ``by`` (``"class"``, ``"year"`` or None): ``[{"hub", "party", by, "launches", "n",
    "direct_wins" (n > 0), "p10", "p50", "p90"}]``."""
    groups: dict[tuple[str, ...], list[float | None]] = defaultdict(list)
    for r in rows:
        if r["route"] != "direct":
            continue
        for hub, d in r["versus"].items():
            groups[(hub, r["party"]) + ((r[by],) if by else ())].append(d)
    out = []
    for key in sorted(groups):
        got = [d for d in groups[key] if d is not None]
        out.append({"hub": key[0], "party": key[1], **({by: key[2]} if by else {}),
                    "launches": len(groups[key]), "direct_wins": sum(d > 0 for d in got),
                    **_quantiles(got)})
    return out


def sensitivities(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per swept assumption of ``attribution.sensitivities`` (module notes): ``{"values_s",
    "series": {"<party> direct − <hub>": [quantiles per value]}}``, over every launch
    where both routes reach the figure at that value."""
    acc: dict[str, dict[str, dict[str, list[float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list)))
    values: dict[str, list[float]] = {}
    for ev in doc["events"]:
        for name, sens in (ev["attribution"].get("sensitivities") or {}).items():
            values[name] = sens["values_s"]
            for parties in sens["launches"].values():
                for party, row in parties.items():
                    for v, cell in row.items():
                        for hub, d in cell["direct_minus_hub_s"].items():
                            if d is not None:
                                acc[name][f"{party} direct − {hub}"][v].append(d)
    return {name: {"values_s": values[name],
                   "series": {k: [_quantiles(per.get(f"{v:g}", [])) for v in values[name]]
                              for k, per in sorted(acc[name].items())}}
            for name in sorted(values)}


def unshared_sensors(rows: list[dict[str, Any]], hub: str = "tisa_hub"
                     ) -> list[dict[str, Any]]:
    """Direct minus ``hub`` when one partner sensor is not shared (module notes), per party
    and sensor: ``[{"party", "sensor", "launches" (both routes with a gain and the
    sensor's value on both), "direct_wins_all_shared", "direct_wins_unshared",
    "p50_all_shared", "p50_unshared"}]``. A route's gain without the sensor is its gain
    minus the sensor's leave-one-out value."""
    by_key = {(r["event"], r["launch"], r["party"], r["route"]): r for r in rows}
    acc: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for r in rows:
        h = by_key.get((r["event"], r["launch"], r["party"], hub))
        if r["route"] != "direct" or h is None or r["gain"] is None or h["gain"] is None:
            continue
        for sensor, v in r["sensors"].items():
            w = h["sensors"].get(sensor)
            if v is not None and w is not None:
                acc[(r["party"], sensor)].append(
                    (r["gain"] - h["gain"], (r["gain"] - v) - (h["gain"] - w)))
    out = []
    for (party, sensor), pairs in sorted(acc.items()):
        full = [a for a, _ in pairs]
        cut = [b for _, b in pairs]
        out.append({"party": party, "sensor": sensor, "launches": len(pairs),
                    "direct_wins_all_shared": sum(a > 0 for a in full),
                    "direct_wins_unshared": sum(b > 0 for b in cut),
                    "p50_all_shared": _quantiles(full)["p50"],
                    "p50_unshared": _quantiles(cut)["p50"]})
    return out


def radar_outages(doc: dict[str, Any], hub: str = "tisa_hub") -> list[dict[str, Any]]:
    """Per sensor of ``attribution.radar_outages`` (module notes) over the batch:
    ``[{"owner", "sensor", "launches", "p50_none_lost_s" (how much later the owner's own
    50 km PIP comes without it), "p50_direct_gain_s" (direct's gain over that none),
    "direct_wins" (direct beats ``hub``), "p50_direct_minus_hub_s"}]``."""
    acc: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    count: dict[tuple[str, str], int] = defaultdict(int)
    for ev in doc["events"]:
        for sensor, got in (ev["attribution"].get("radar_outages") or {}).items():
            key = (got["owner"], sensor)
            for cell in got["launches"].values():
                count[key] += 1
                for name, v in (("lost", cell["none_lost_s"]),
                                ("direct", cell["gain_s"].get("direct")),
                                ("versus", cell["direct_minus_hub_s"].get(hub))):
                    if v is not None:
                        acc[key][name].append(v)
    return [{"owner": o, "sensor": s_, "launches": count[(o, s_)],
             "p50_none_lost_s": _quantiles(acc[(o, s_)]["lost"])["p50"],
             "p50_direct_gain_s": _quantiles(acc[(o, s_)]["direct"])["p50"],
             "direct_wins": sum(v > 0 for v in acc[(o, s_)]["versus"]),
             "p50_direct_minus_hub_s": _quantiles(acc[(o, s_)]["versus"])["p50"]}
            for o, s_ in sorted(count)]


def _caption(doc: dict[str, Any]) -> str:
    seeds = [ev["seed"] for ev in doc["events"]]
    a = doc["events"][0].get("assumptions", {})
    shown = ", ".join(f"{k} = {a[k]}" for k in ("approval_delay_s", "hub_delay_s",
                                                 "default_link_delay_s", "pip_interval_s",
                                                 "pip_near_km", "ignore_dates") if k in a)
    return (f"Data: CNS records in {doc.get('records')} since {doc.get('since')} "
            f"({len(doc['events'])} events run; gsomia run --records --since). Seeds: one per "
            f"event, {min(seeds)}…{max(seeds)} (YYYYMMDD + 10^8·(event−1)). Assumptions: "
            f"{shown or 'not in the batch file'}; figure: first PIP within 50 km, gain in s "
            "against route none; Japan and Korea measured.")


def _save(fig: Any, out: Path, name: str) -> str:
    fig.tight_layout()
    fig.savefig(out / name, dpi=90, metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return name


def _plots(rows: list[dict[str, Any]], wins: list[dict[str, Any]],
           sweep: dict[str, Any] | None, out: Path) -> dict[str, str]:
    """Long because: the four figures of the page, one block each (CDFs, attribution bars,
    direct minus hub, sensitivity)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names: dict[str, str] = {}
    routes = sorted({r["route"] for r in rows})
    fig, axes = plt.subplots(1, len(PARTIES), figsize=(10, 3.8), sharey=True)
    for ax, party in zip(np.atleast_1d(axes), PARTIES, strict=True):
        for route in routes:
            g = np.sort([r["gain"] for r in rows if r["party"] == party
                         and r["route"] == route and r["gain"] is not None])
            if len(g):
                ax.step(g, np.arange(1, len(g) + 1) / len(g), where="post",
                        label=f"{route} (n={len(g)})")
        ax.set(title=f"{party}: gain CDF", xlabel="gain against none [s]",
               ylabel="fraction of launches")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    names["cdf"] = _save(fig, out, "cdf_gain.png")
    classes = sorted({r["class"] for r in rows})
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, route in zip(axes, ("tisa_hub", "direct"), strict=True):
        x = np.arange(len(classes))
        width = 0.8 / (2 * len(PARTIES))
        k = 0
        for party in PARTIES:
            partners = sorted({p for r in rows if r["party"] == party for p in r["shapley"]})
            for partner in partners:
                means = []
                for c in classes:
                    v = [r["shapley"].get(partner, 0.0) for r in rows if r["route"] == route
                         and r["party"] == party and r["class"] == c and r["shapley"]]
                    means.append(float(np.mean(v)) if v else 0.0)
                ax.bar(x + (k - len(PARTIES)) * width + width / 2, means, width,
                       label=f"{party} from {partner}")
                k += 1
        ax.set_xticks(x, classes, rotation=30, ha="right", fontsize=8)
        ax.set(title=f"mean Shapley value per class ({route})", ylabel="s")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    names["bars"] = _save(fig, out, "attribution_by_class.png")
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for route in routes:
        if route == "direct":
            continue
        for party in PARTIES:
            d = [r["versus"].get(route) for r in rows if r["route"] == "direct"
                 and r["party"] == party and r["versus"].get(route) is not None]
            if d:
                g = np.sort(d)
                ax.step(g, np.arange(1, len(g) + 1) / len(g), where="post",
                        label=f"{party}: direct − {route} (n={len(g)}, "
                        f"{sum(1 for v in d if v > 0)} > 0)")
    ax.set(title="direct minus hub (gain, s) per launch", xlabel="s",
           ylabel="fraction of launches")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    names["versus"] = _save(fig, out, "direct_minus_hub.png")
    if sweep is not None:
        fig, ax = plt.subplots(figsize=(7, 3.8))
        for label, qs in sweep["series"].items():
            ax.plot(sweep["delays_s"], [q["p50"] for q in qs], marker="o", label=label)
        ax.set(title="TISA approval delay: median over launches", xlabel="approval delay [s]",
               ylabel="s")
        ax.legend(fontsize=8)
        names["sweep"] = _save(fig, out, "sensitivity_tisa_delay.png")
    return names


def _table(rows: list[dict[str, Any]], cols: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(
        f"<td>{html.escape('—' if r.get(c) is None else str(r.get(c)))}</td>" for c in cols)
        + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _figure(name: str, caption: str) -> str:
    return (f'<figure><img src="{html.escape(name)}" alt="{html.escape(name)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _sensitivity_parts(doc: dict[str, Any], rows: list[dict[str, Any]], cap: str,
                       dest: Path) -> list[str]:
    """The HTML of the other sweeps (one figure and table each) and of the unshared-sensor
    table (module notes)."""
    import matplotlib.pyplot as plt

    parts = ["<h2 id='sensitivities'>Sensitivity: the other assumptions</h2>"]
    sens = sensitivities(doc)
    if not sens:
        parts.append("<p>No other sweep in this batch (gsomia run … --sweep "
                     "link_delay=0,1,5,30 --sweep hub_delay=0,1,30,120).</p>")
    for name, got in sens.items():
        fig, ax = plt.subplots(figsize=(7, 3.8))
        for label, qs in got["series"].items():
            ax.plot(got["values_s"], [q["p50"] for q in qs], marker="o", label=label)
        ax.set(title=f"{name}: median over launches of direct minus hub",
               xlabel=f"{name} [s]", ylabel="s")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
        png = _save(fig, dest, f"sensitivity_{name}.png")
        parts.append(f"<h3>{html.escape(name)}</h3>")
        parts.append(_figure(png, cap + f" Only {name} varies (every sharing route "
                             "re-planned and re-scored)."))
        cols = [f"{v:g} s" for v in got["values_s"]]
        parts.append(_table([{"series": k, **{c: f"{q['p50']} (n={q['n']})" for c, q in
                                              zip(cols, qs, strict=True)}}
                             for k, qs in got["series"].items()], ["series", *cols]))
    parts += ["<h3 id='unshared-sensors'>Which partner sensors are shared</h3>",
              "<p>Direct minus tisa_hub (s) when one partner sensor's data is not shared "
              "on either route: a route's gain without the sensor is its gain minus the "
              "sensor's leave-one-out value (attribution); medians over the launches where "
              "both routes have a gain.</p>",
              _table(unshared_sensors(rows), ["party", "sensor", "launches",
                                              "direct_wins_all_shared",
                                              "direct_wins_unshared", "p50_all_shared",
                                              "p50_unshared"]),
              "<h3 id='radar-outages'>Radar availability</h3>"]
    down = radar_outages(doc)
    if not down:
        parts.append("<p>No radar outage in this batch (gsomia run … --sweep "
                     "radar_down).</p>")
    else:
        parts += ["<p>Each own sensor of Japan and Korea out of the run in turn: how much "
                  "later the party's own 50 km PIP comes (none), direct's gain over that, "
                  "and direct minus tisa_hub (medians over launches, s).</p>",
                  _table(down, ["owner", "sensor", "launches", "p50_none_lost_s",
                                "p50_direct_gain_s", "direct_wins",
                                "p50_direct_minus_hub_s"])]
    return parts


def write_report(batch: str | Path, out: str | Path) -> Path:
    """Write ``index.html`` and its PNGs into ``out`` (created) from a batch JSON.

    Returns: the path of ``index.html``.

    Raises:
        InputError: a bad batch file (:func:`load_batch`, or content of an unexpected
            shape), or ``out`` not a directory or not writable; nothing is then left in
            ``out``.
    """
    doc = load_batch(batch)
    dest = Path(out)
    if dest.exists() and not dest.is_dir():
        raise InputError("out", str(dest), "exists and is not a directory")
    try:
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
        # built beside (or inside) the folder, then moved in, index.html last
        work = Path(tempfile.mkdtemp(prefix=".gsomia-report-",
                                     dir=dest if dest.exists() else dest.parent))
    except OSError as exc:
        raise InputError("out", str(dest), f"cannot be written: {exc}") from exc
    try:
        (work / "index.html").write_text(_page(doc, work), encoding="utf-8")
        if not dest.exists():
            mask = os.umask(0)
            os.umask(mask)
            work.chmod(0o777 & ~mask)  # mkdtemp's 0700 would be the folder's
            work.rename(dest)
            return dest / "index.html"
        for f in sorted(work.iterdir(), key=lambda f: f.name == "index.html"):
            f.replace(dest / f.name)
        work.rmdir()
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise InputError("batch", str(batch), f"unexpected content ({type(exc).__name__}: "
                         f"{exc})") from exc
    except OSError as exc:
        raise InputError("out", str(dest), f"cannot be written: {exc}") from exc
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return dest / "index.html"


def _page(doc: dict[str, Any], dest: Path) -> str:
    """The HTML of the report of ``doc`` (:func:`load_batch`), its PNGs written to
    ``dest``."""
    rows = launch_rows(doc)
    wins = _direct_wins(rows)
    sweep = _sweep(doc)
    names = _plots(rows, wins, sweep, dest)
    cap = _caption(doc)
    qcols = ["route", "party", "launches", "n", "p10", "p50", "p90"]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>gsomia: what bought the "
        "warning time</title><style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;"
        "padding:2px 6px;font-size:90%}figcaption{font-size:85%;color:#333}</style></head>"
        "<body><h1>What bought the warning time</h1>", f"<p>{html.escape(cap)}</p>",
        "<h2 id='routes'>Gain per route and party</h2>", _figure(names["cdf"], cap),
        _table(distributions(rows), qcols),
        "<h2 id='classes'>Per missile class</h2>", _figure(names["bars"], cap + " Bars: "
                                                           "mean Shapley value of each partner "
                                                           "(s), launches with a gain."),
        _table(distributions(rows, "class"), [*qcols[:2], "class", *qcols[2:]]),
        "<h2 id='years'>Per year</h2>",
        _table(distributions(rows, "year"), [*qcols[:2], "year", *qcols[2:]]),
        "<h2 id='direct-minus-hub'>Direct minus hub</h2>", _figure(names["versus"], cap),
        _table(versus_distributions(rows), ["hub", "party", "launches", "n", "direct_wins",
                                            "p10", "p50", "p90"]),
        "<h3>per missile class</h3>",
        _table(versus_distributions(rows, "class"), ["hub", "party", "class", "launches",
                                                     "n", "direct_wins", "p10", "p50",
                                                     "p90"]),
        "<h3>per year</h3>",
        _table(versus_distributions(rows, "year"), ["hub", "party", "year", "launches", "n",
                                                    "direct_wins", "p10", "p50", "p90"]),
        f"<p>{len(wins)} launch/party/hub cases where direct beats the hub; why: the partner "
        "whose Shapley value grows most from the hub to direct, and the partner sensor of "
        "largest leave-one-out value on direct.</p>",
        _table(wins, ["event", "launch", "party", "hub", "direct_minus_hub_s", "class",
                      "partner", "partner_gain_s", "sensor", "sensor_s"]),
        "<h2 id='sensitivity'>Sensitivity: TISA approval delay</h2>"]
    if sweep is None:
        parts.append("<p>No sweep in this batch (gsomia run … --sweep "
                     "tisa_delay=0,150,300,450,600).</p>")
    else:
        parts.append(_figure(names["sweep"], cap + " Only the TISA approval delay varies."))
        parts.append("<p>Each cell: median [90th percentile] over the launches, s, and "
                     "how many of the n launches are above 0.</p>")
        parts.append(_table([{"series": k, **{
            f"{d:g} s": f"{q['p50']} [{q['p90']}] ({q['positive']} of {q['n']} > 0)"
            for d, q in zip(sweep["delays_s"], qs, strict=True)}}
            for k, qs in sweep["series"].items()],
            ["series", *[f"{d:g} s" for d in sweep["delays_s"]]]))
    parts += _sensitivity_parts(doc, rows, cap, dest)
    parts.append("</body></html>")
    return "\n".join(parts)
