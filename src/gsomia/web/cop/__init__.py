"""The common operational picture (COP): a web page served by every node (``/cop``, live,
updated by Server-Sent Events) and by ``gsomia cop RUN.json`` (a run replayed), offline by
construction (:mod:`gsomia.web.cop.assets`).

- :mod:`gsomia.web.cop.live`: the routes on a node (:func:`add_cop_routes`);
- :mod:`gsomia.web.cop.replay`: the replay server (:func:`replay_app`);
- :mod:`gsomia.web.cop.geo`: map layers and areas at risk;
- :mod:`gsomia.web.cop.assets`: Leaflet, Swagger UI and the page's own files;
  ``/docs`` offline (:func:`add_offline_docs`).

The page (``static/cop.html``, ``cop.js``, ``cop.css``) draws the region's land,
territorial seas and EEZs (GeoJSON on a blank background, no tile server), the radars and
their coverage, tracks with their history, each missile's launch point estimate and PIP with
its 95 % ellipse, the time to impact, the area at risk, who contributed what, a timeline,
the links and the items received with their markings.
"""

from gsomia.web.cop.assets import add_offline_docs
from gsomia.web.cop.live import add_cop_routes
from gsomia.web.cop.replay import load_run, replay_app

__all__ = ["add_cop_routes", "add_offline_docs", "load_run", "replay_app"]
