"""Policy rules grouped by AWS service; :data:`policies.rules.registry.POLICIES` lists them all."""
