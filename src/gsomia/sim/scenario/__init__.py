"""Scenarios: who is in it, what they can see, what is launched, and what is in force.

A scenario is a TOML file; its schema is :class:`gsomia.schemas.ScenarioFile` (``gsomia
schema scenario`` prints it as JSON Schema; ``docs/scenarios.md`` explains it).

- :mod:`~gsomia.sim.scenario.model`: the domain types (:class:`Scenario`,
  :class:`LaunchSpec`, …) and limits;
- :mod:`~gsomia.sim.scenario.load`: reading and checking a file (:func:`load_scenario`);
- :mod:`~gsomia.sim.scenario.write`: writing one (:func:`scenario_to_toml`);
- :mod:`~gsomia.sim.scenario.records`: building one from the public record
  (:func:`scenario_from_records`).

Schema, by example::

    name = "2017-03-06"                        # optional; default the file stem
    title = "Four ER-Scuds from Tongchang-ri"  # optional
    epoch = 2017-03-05T22:34:00Z               # required: scenario time 0 (offset date-time)
    seed = 20170306                            # required: integer >= 0 (all randomness)
    parties = ["JPN", "KOR", "USA"]            # required: distinct parties of the catalogue
    sources = ["CNS North Korea Missile Test Database, 2017-03-05 records"]   # optional
    duration_s = 900.0                         # optional: observe until (default: last
                                               #   impact); (0, 14400] s

    [[sensors]]                                # optional; none given = every catalogue
    site = "kor-greenpine-b-1"                 #   sensor owned by a party and in service
    pd = 0.8                                   #   on the epoch's date (its in_service)
                                               # any catalogue key overrides the site's value

    [[sensors]]                                # or inline (keys of gsomia.warning.sites)
    kind = "radar"
    id = "kor-test-radar"
    owner = "KOR"
    lat_deg = 37.0
    lon_deg = 128.0
    alt_m = 100.0
    max_range_km = 600.0
    outages = [{ from_s = 100.0, to_s = 160.0 }]   # optional: reports nothing in these

    [[launches]]
    id = "L1"                                  # required, unique
    site = "sohae"                             # a facility of data/facilities.toml, or
    # lat_deg = 39.66                          #   lat_deg + lon_deg (+ alt_m, default 0)
    t_s = 0.0                                  # launch time after the epoch [s], default 0
    bearing_deg = 80.0                         # required, [0, 360)
    range_km = 1000.0                          # required, [10, 15000]
    apogee_km = 260.0                          # required, [1, 10000]
    missile = "ER-Scud"                        # and/or propulsion = "liquid-srbm"; a name
                                               #   of no known family needs a propulsion,
                                               #   and the two must agree
    salvo = { count = 4, spacing_s = 5.0 }     # optional: ids L1-1 … L1-4, 5 s apart;
                                               #   count 1-100
    source = "CNS; Japan MoD"                  # optional, free text
    failure = { kind = "thrust-cut", stage = 2 }   # optional: the missile fails (or t_s =
                                               #   …, pieces = …; kind thrust-cut | breakup |
                                               #   explosion): range/apogee are then the
                                               #   failed flight's (gsomia.physics.failure)

    [[agreements]]                             # carried as data for the sharing layer
    name = "jpn-kor-gsomia"                    # an agreement of the catalogue
    route = "direct"                           # direct | tisa_hub | auto_hub

    [[links]]                                  # one-way link delay between parties' nodes
    from = "KOR"                               # two different parties of the scenario
    to = "JPN"
    delay_s = 2.0
"""

from gsomia.sim.scenario.load import (
    load_facility_table,
    load_scenario,
    packaged_scenario_names,
    packaged_scenarios_dir,
    resolve_scenario_path,
)
from gsomia.sim.scenario.model import (
    APOGEE_KM,
    MAX_DURATION_S,
    MAX_LAUNCHES,
    MAX_SALVO_COUNT,
    RANGE_KM,
    RECORD_FIT_TOLERANCE,
    ROUTES,
    AgreementSpec,
    LaunchSpec,
    LinkSpec,
    Scenario,
)
from gsomia.sim.scenario.records import (
    SKIP_KINDS,
    RecordSkip,
    check_records,
    scenario_from_records,
)
from gsomia.sim.scenario.write import scenario_to_toml, toml_value

__all__ = [
    "APOGEE_KM",
    "MAX_DURATION_S",
    "MAX_LAUNCHES",
    "MAX_SALVO_COUNT",
    "RANGE_KM",
    "RECORD_FIT_TOLERANCE",
    "ROUTES",
    "SKIP_KINDS",
    "AgreementSpec",
    "LaunchSpec",
    "LinkSpec",
    "RecordSkip",
    "Scenario",
    "check_records",
    "load_facility_table",
    "load_scenario",
    "packaged_scenario_names",
    "packaged_scenarios_dir",
    "resolve_scenario_path",
    "scenario_from_records",
    "scenario_to_toml",
    "toml_value",
]
