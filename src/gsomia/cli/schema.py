"""``gsomia schema NAME``: the JSON Schema of an input (:data:`gsomia.schemas.SCHEMAS`)."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from gsomia.cli._app import app, console, fail, guarded, print_json
from gsomia.schemas import SCHEMAS, json_schema

__all__ = ["schema"]


@app.command("schema")
@guarded
def schema(
    name: Annotated[str | None, typer.Argument(
        help="One of: " + ", ".join(sorted(SCHEMAS)) + " (--list: what each is).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the schema names.")] = False,
) -> None:
    """Print the JSON Schema (draft 2020-12) of one kind of input: a scenario file, a node
    configuration, an agreement or marking-scheme file, a label, a missile warning, radar
    plots, an approval…; TOML dates and times are ISO 8601 text in it. Exit 2 for an
    unknown NAME."""
    if list_:
        width = max(map(len, SCHEMAS)) + 1
        for key in sorted(SCHEMAS):
            # the docstring's first sentence (a full stop before a capital ends it; "Art. 7" not)
            first = re.split(r"\.\s+(?=[A-Z])", " ".join((SCHEMAS[key].__doc__ or "").split()))[0]
            # no markup: "[m]" in a description is a unit, not a style tag
            console.print(f"{key:{width}} {first.rstrip('.')}", highlight=False,
                          soft_wrap=True, markup=False)
        return
    if name is None:
        fail("give a schema NAME or --list (names: " + ", ".join(sorted(SCHEMAS)) + ")")
    print_json(json_schema(name))
