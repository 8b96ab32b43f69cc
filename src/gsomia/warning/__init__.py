"""Warning wing: sensor models, tracking, launch-point and impact-point estimation."""

__all__: list[str] = []  # the modules are the API; nothing is re-exported here
