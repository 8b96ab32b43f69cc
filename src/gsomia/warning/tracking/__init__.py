"""Tracking: filters (EKF, UKF, IMM), the multi-target tracker, launch-point and
impact-point estimation, and tracking metrics. Knows nothing of classification or sharing."""

from gsomia.warning.tracking.metrics import EvaluationConfig, evaluate_run, gospa
from gsomia.warning.tracking.tracker import Track, Tracker, TrackerConfig, check_detection

__all__ = ["EvaluationConfig", "Track", "Tracker", "TrackerConfig", "check_detection",
           "evaluate_run", "gospa"]
