"""The preview and the analyzer client share one list of enforcement levels, the engine's."""

from pulumi_policy import EnforcementLevel

from tools import policy_analyzer
from tools.preview import findings


def test_enforcement_levels_analyzer_client_uses_the_preview_list() -> None:
    assert policy_analyzer.ENFORCEMENT_LEVELS is findings.ENFORCEMENT_LEVELS


def test_enforcement_levels_match_the_policy_sdk() -> None:
    assert set(findings.ENFORCEMENT_LEVELS) == {level.value for level in EnforcementLevel}


def test_enforcement_levels_list_the_most_severe_first() -> None:
    assert findings.ENFORCEMENT_LEVELS[0] == "mandatory"
