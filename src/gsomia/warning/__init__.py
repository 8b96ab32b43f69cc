"""Warning wing: sensor models, tracking, launch-point and impact-point estimation."""
