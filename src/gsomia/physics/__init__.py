"""Physics layer: WGS-84 geodesy and ballistic flight. Pure numerics, arrays in and out."""

__all__: list[str] = []  # the modules are the API; nothing is re-exported here
