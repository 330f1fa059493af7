"""The API handler's code: routes, domain logic, SQL and the DynamoDB metrics reader.

Lives in its own package (not top-level modules) so the zip root holds only ``handler.py`` and
``api/``, and nothing collides with the metric aggregator's modules in a shared test session.
"""
