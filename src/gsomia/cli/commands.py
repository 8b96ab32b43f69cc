"""Which module defines each top-level ``gsomia`` command, and its one-line summary.

``gsomia --help`` is drawn from this table alone, so it imports no command module (and none
of SciPy, Matplotlib, the tracker, joserfc… that they pull in); a command's modules are
imported when it is invoked, or asked for its own ``--help`` (:class:`gsomia.cli._app.LazyGroup`).

Each summary is the first paragraph of the command's own help, single line breaks made
spaces (what Typer prints in the command list); ``tests/cli/test_lazy_cli.py`` checks every
entry against the real command, and that no command is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["APP_HELP", "COMMANDS", "CommandEntry", "command_entry"]

#: The help of ``gsomia`` itself.
APP_HELP = "Ballistic-missile warning and classified-information sharing under a GSOMIA."


@dataclass(frozen=True, slots=True)
class CommandEntry:
    """One top-level command or group of ``gsomia``.

    Attributes:
        name: the command's name (``gsomia <name>``).
        modules: the ``gsomia.cli`` modules that register it or its subcommands, all of them
            imported before it is used (a group such as ``bench`` gets commands from several).
        summary: the first paragraph of its help text, one line.
    """

    name: str
    modules: tuple[str, ...]
    summary: str


#: Every top-level command, in the order ``gsomia --help`` lists them.
COMMANDS: tuple[CommandEntry, ...] = (
    CommandEntry("trajectory", ("physics",),
                 "Fit a flight to a launch site, bearing, ground range and apogee."),
    CommandEntry("decide", ("agreement",),
                 "May the labelled item be released to --to (and --person) by --route at "
                 "--at?"),
    CommandEntry("observe", ("scenario",),
                 "Fly a scenario's launches and run its sensors over them."),
    CommandEntry("evaluate", ("evaluate",),
                 "Track a scenario's detections of one party (or all) and report the "
                 "metrics."),
    CommandEntry("serve", ("node",),
                 "Run a party's node as an HTTPS server with mutual TLS (see node.config); "
                 "with a stream (--stream or the config's), the node also publishes what its "
                 "nation's sensors and trackers put on the stream (gsomia.node.stream). "
                 "--stream-name, --prefix and --durable override the config's stream_name, "
                 "stream_prefix and stream_durable; the stream is checked (reached, its "
                 "subjects as expected, the consumer made) before the node says it is up."),
    CommandEntry("run", ("run",),
                 "Fly the launches, let every party's sensors, trackers and nodes work, "
                 "share by each route (none, tisa_hub, auto_hub, direct) and report what "
                 "each party knew, and when."),
    CommandEntry("schema", ("schema",),
                 "Print the JSON Schema (draft 2020-12) of one kind of input: a scenario "
                 "file, a node configuration, an agreement or marking-scheme file, a label, "
                 "a missile warning, radar plots, an approval…; TOML dates and times are "
                 "ISO 8601 text in it. Exit 2 for an unknown NAME."),
    CommandEntry("cop", ("cop",),
                 "Serve the COP page replaying RUN_JSON on http://127.0.0.1:PORT/ (every "
                 "party and route side by side, a time slider, play/pause, speed). Offline: "
                 "nothing is fetched from another host. Stop with Ctrl-C. The file is "
                 "checked first (exit 2 naming the member and its value when the page could "
                 "not draw it)."),
    CommandEntry("report", ("report",),
                 "Write an offline HTML report: gain distributions per route, party, missile "
                 "class and year, the attribution to partners and sensors, direct minus hub, "
                 "the TISA approval-delay sensitivity and any other swept assumption."),
    CommandEntry("validate", ("physics",), "Check the models against the public record."),
    CommandEntry("records", ("records",),
                 "Public launch records (CNS North Korea Missile Test Database)."),
    CommandEntry("agreement", ("agreement",),
                 "Agreements as data: list, show, and whether one is in force on a date."),
    CommandEntry("audit", ("audit",),
                 "The audit log: verify that no record was edited, deleted or reordered, and "
                 "that the log still matches the checkpoints its partners cosigned."),
    CommandEntry("scenario", ("scenario",),
                 "Scenarios: packaged, shown, or built from the public record."),
    CommandEntry("stream", ("stream",),
                 "The in-nation stream on NATS JetStream: sensors and trackers publish "
                 "detections and tracks, node workers consume them durably (gsomia serve "
                 "--stream, gsomia stream work)."),
    CommandEntry("pki", ("node",), "Keys and certificates of the parties."),
    CommandEntry("bench", ("node", "custody", "fuzz", "faults"), "Benchmarks of live nodes."),
    CommandEntry("exercise", ("exercise",),
                 "Exercises on the participants' own running nodes: agreed, marked "
                 "EXERCISE, kept apart from real traffic, and scored."),
    CommandEntry("item", ("item", "custody"),
                 "Classified items of any kind on a running node (operator certificate, "
                 "mutual TLS)."),
)

_BY_NAME = {entry.name: entry for entry in COMMANDS}


def command_entry(name: str) -> CommandEntry | None:
    """The entry of the top-level command ``name``, or ``None`` when there is none."""
    return _BY_NAME.get(name)
