"""Component resources of cw-analytics and the settings, naming and helpers they share."""
