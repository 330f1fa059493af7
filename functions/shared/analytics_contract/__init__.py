"""Names and formats both Lambda functions and the components agree on."""
