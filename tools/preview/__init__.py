"""The offline preview: a Pulumi program under mocks, checked by a CrossGuard policy pack.

``python -m tools.preview --stack dev`` loads the project and stack config (``stack_config``),
runs the program in a child interpreter under ``tools.pulumi_mocks`` (``program``,
``program_child``), hands every resource to the pack through ``tools.policy_analyzer``
(``analysis``) and prints a ``pulumi preview``-like report (``render``) or writes JSON
(``report_json``). Secrets never leave ``values`` unredacted.
"""
