"""gsomia: ballistic-missile warning and classified-information sharing under a GSOMIA.

Layers (lower never import higher): ``physics`` → ``warning`` / ``sharing`` → ``node``
→ ``sim`` → apps (``cli``, ``web``). See the project's ARCHITECTURE notes in the README.
"""

from gsomia.errors import GsomiaError, InputError

__version__ = "0.1.0"
__all__ = ["GsomiaError", "InputError", "__version__"]
