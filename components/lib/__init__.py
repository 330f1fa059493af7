"""What the components share: naming, settings, the Lambda helper, packaging, alarms, widgets."""
