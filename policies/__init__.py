"""The cw-analytics CrossGuard policy pack ``cw-analytics-guard``; rules live in ``rules``."""
