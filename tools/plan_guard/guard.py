"""Judge a plan: which steps lose data or account-wide settings, and which of them are allowed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tools.plan_guard.allow import Allowance
from tools.plan_guard.digest import DESTRUCTIVE_OPS, PreviewDigest, Step
from tools.plan_guard.stateful import Kind, guarded_kind


@dataclass(frozen=True)
class Judgement:
    """What the plan does to one guarded URN, and the verdict."""

    urn: str
    type: str
    kind: Kind
    ops: tuple[str, ...]
    reasons: tuple[str, ...]
    """The properties the plan names as forcing the replacement (``replaceReasons``)."""
    protected: bool
    retained: bool
    """A plain delete of a resource whose state says ``retainOnDelete``: only the state goes."""
    allowance: Allowance | None

    @property
    def refused(self) -> bool:
        """Refused unless allowed by name, or a delete that leaves the resource in AWS."""
        return self.allowance is None and not self.retained

    @property
    def action(self) -> str:
        """``replace`` when any step replaces, else ``delete``."""
        return "delete" if set(self.ops) <= {"delete"} else "replace"

    def explain(self) -> str:
        """One paragraph: what happens, what is lost, and why it passes or not."""
        head = f"{self.action} {self.type} {self.urn.split('::', 3)[-1]}"
        lines = [head, f"  urn: {self.urn}", f"  steps: {', '.join(self.ops)}"]
        if self.reasons:
            lines.append(f"  forced by changes to: {', '.join(self.reasons)}")
        if self.retained:
            lines.append(
                "  retainOnDelete: the resource stays in AWS; only the stack's state forgets it "
                "(import it again or delete it by hand)"
            )
        else:
            lines.append(f"  loses ({self.kind.family}): {self.kind.loss}")
        if self.protected:
            lines.append("  protected in the state: `pulumi up` would fail on this step")
        if self.allowance is not None:
            lines.append(f"  allowed: {self.allowance.reason}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Verdict:
    """Every guarded URN the plan touches destructively, and the allowances nothing used."""

    judgements: tuple[Judgement, ...]
    unused: tuple[Allowance, ...]

    @property
    def refused(self) -> tuple[Judgement, ...]:
        """The judgements that fail the plan."""
        return tuple(j for j in self.judgements if j.refused)


def judge(digest: PreviewDigest, allowances: Mapping[str, Allowance]) -> Verdict:
    """Group destructive steps by URN and judge each guarded one."""
    by_urn: dict[str, list[Step]] = {}
    for step in digest.steps:
        if step.op in DESTRUCTIVE_OPS:
            by_urn.setdefault(step.urn, []).append(step)
    judgements = []
    for urn, steps in by_urn.items():
        kind = guarded_kind(steps[0].type)
        if kind is None:
            continue
        ops = tuple(step.op for step in steps)
        old_states = [step.old for step in steps if step.old is not None]
        judgements.append(
            Judgement(
                urn=urn,
                type=steps[0].type,
                kind=kind,
                ops=ops,
                reasons=tuple(dict.fromkeys(r for step in steps for r in step.replace_reasons)),
                protected=any(state.protect for state in old_states),
                # A replacement creates a new, empty resource even when the old one is retained.
                retained=set(ops) == {"delete"} and all(s.retain_on_delete for s in old_states),
                allowance=allowances.get(urn),
            )
        )
    used = {j.urn for j in judgements if j.allowance is not None}
    # One allow file serves every stack: only this plan's stacks' entries can be unused here.
    stacks = {_stack(step.urn) for step in digest.steps}
    unused = tuple(a for urn, a in allowances.items() if urn not in used and _stack(urn) in stacks)
    return Verdict(judgements=tuple(judgements), unused=unused)


def _stack(urn: str) -> str:
    """The stack a URN belongs to (``urn:pulumi:<stack>::...``)."""
    return urn.split("::", 1)[0].removeprefix("urn:pulumi:")
