"""Tracking: filters (EKF, UKF, IMM), the multi-target tracker, launch-point and
impact-point estimation, and tracking metrics. Knows nothing of classification or sharing."""
