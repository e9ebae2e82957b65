"""Shared test fixtures and settings."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Property tests (issue 7): derandomized, no deadline, so a noisy 2-core CI machine cannot make
# them flaky or slow. HYPOTHESIS_PROFILE=dev explores new random examples on each run;
# `make fuzz` (tooling/fuzz.py) runs the long "fuzz" profile outside the suite.
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=150,
                          database=None, print_blob=True, suppress_health_check=_SLOW_OK)
settings.register_profile("dev", deadline=None, max_examples=150, suppress_health_check=_SLOW_OK)
settings.register_profile("fuzz", deadline=None, database=None, suppress_health_check=_SLOW_OK,
                          max_examples=int(os.environ.get("IMPROVE_FUZZ_EXAMPLES", "1000")))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
