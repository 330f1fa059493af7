"""Least privilege proven both ways: every AWS call the functions make is allowed by the policies
the program generates, and every grant in them is exercised or has a reviewed reason.

``recorder`` records the calls (botocore event hooks, installed by the test harness and the local
system's worker, never by the functions), ``model`` and ``on_behalf`` turn them into IAM
requests, ``evaluator`` decides them against the policies ``stack`` reads from the
offline preview, ``grants`` checks the other direction and ``proof`` puts it together.
"""
