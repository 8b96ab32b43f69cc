"""Web layer: the node's HTTP API (FastAPI) and its server (uvicorn, mutual TLS)."""

from gsomia.web.app import create_app
from gsomia.web.server import ThreadedServer, bind, uvicorn_config

__all__ = ["ThreadedServer", "bind", "create_app", "uvicorn_config"]
