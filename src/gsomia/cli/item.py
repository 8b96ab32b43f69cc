"""``gsomia item …``: classified items of any kind (documents with attachments) on a
running node.

The commands are HTTPS clients of the party's running node (``gsomia serve``): the server
owns the store, so nothing here opens it. Each command reads the node configuration
(``--config``, the TOML file of ``gsomia serve``) for the node's URL (its ``listen``
address; ``--url`` overrides it, e.g. when the node listens on port 0) and the PKI folder
(its ``keys``), and authenticates with the party's **operator** certificate
(``<keys>/<PARTY>/operator.crt``, mutual TLS) as every local-user route requires
(:mod:`gsomia.web.app`).
"""

from __future__ import annotations

import typer

from gsomia.cli._app import app

__all__ = ["item_app"]

#: The ``gsomia item`` group; other command modules may add their subcommands to it.
item_app = typer.Typer(help="Classified items of any kind on a running node (operator "
                            "certificate, mutual TLS).", no_args_is_help=True)
app.add_typer(item_app, name="item")
