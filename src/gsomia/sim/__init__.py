"""Run layer: scenarios, flying the launches, letting the sensors observe them."""
