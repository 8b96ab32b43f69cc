"""Physics layer: WGS-84 geodesy and ballistic flight. Pure numerics, arrays in and out."""
