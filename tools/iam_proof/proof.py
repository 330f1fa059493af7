"""Both directions for each function: every request allowed, every grant used or justified."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tools.iam_proof.calls import IamRequest, Recording
from tools.iam_proof.evaluator import Decision, Request, closest_statement, evaluate
from tools.iam_proof.grants import Grant, Justification, exercised_by, grants_of
from tools.iam_proof.model import function_requests, iam_action
from tools.iam_proof.policy import Policy
from tools.iam_proof.stack import FunctionStack, StackPolicies

__all__ = ["Denial", "FunctionProof", "prove"]


@dataclass(frozen=True)
class Denial:
    """A request the policies would deny, and the Allow statement that came closest."""

    request: IamRequest
    decision: Decision
    closest: str
    missing: tuple[str, ...]

    def describe(self) -> str:
        """One line: the call, the action, the resource, the closest statement and its gap."""
        gap = "; ".join(self.missing) or self.decision.reason
        return (
            f"DENIED {self.request.label} ({self.decision.reason}); closest: {self.closest} ({gap})"
        )


@dataclass
class FunctionProof:
    """The outcome for one function."""

    function: str
    resource_name: str
    calls_seen: int
    decisions: list[tuple[IamRequest, Decision]] = field(default_factory=list)
    denials: list[Denial] = field(default_factory=list)
    exercised: list[Grant] = field(default_factory=list)
    justified: list[tuple[Grant, Justification]] = field(default_factory=list)
    unjustified: list[Grant] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """What else makes the proof fail (a function that was never run)."""
    test_actions: set[str] = field(default_factory=set)
    """Actions of the calls the function's own tests reached (``--function-tests``)."""

    @property
    def passed(self) -> bool:
        """No denial, no unjustified grant, no other problem."""
        return not (self.denials or self.unjustified or self.problems)

    def summary(self) -> str:
        """The one line ``make iam-proof`` prints for the function."""
        allowed = sum(1 for _, d in self.decisions if d.allowed)
        return (
            f"{'ok  ' if self.passed else 'FAIL'} {self.function}: {self.calls_seen} calls seen; "
            f"{len(self.decisions)} requests: {allowed} allowed, {len(self.denials)} denied; "
            f"{len(self.exercised) + len(self.justified) + len(self.unjustified)} grants: "
            f"{len(self.exercised)} exercised, {len(self.justified)} justified, "
            f"{len(self.unjustified)} unjustified"
            + (f"; its own tests: {len(self.test_actions)} actions" if self.test_actions else "")
        )

    def details(self) -> list[str]:
        """Why it failed, one line each."""
        return [
            *(d.describe() for d in self.denials),
            *(f"UNUSED {g.label}: no request used it and justified_grants.yaml gives no reason"
              for g in self.unjustified),
            *self.problems,
        ]  # fmt: skip


def _resource_policy(
    stack: StackPolicies, function: FunctionStack, resource: str
) -> tuple[Policy | None, bool]:
    if resource in stack.key_policies:
        return stack.key_policies[resource], True
    if resource in stack.queue_policies:
        return stack.queue_policies[resource], False
    if resource == function.arn:
        return function.resource_policy, False
    return None, False


def decide(
    stack: StackPolicies, function: FunctionStack, request: IamRequest
) -> tuple[Decision, Sequence[Policy]]:
    """The decision for one request, and the policies that were in play."""
    resource_policy, required = _resource_policy(stack, function, request.resource)
    identity = () if request.principal.service else function.identity_policies
    decision = evaluate(
        _as_request(request), identity, resource_policy, resource_policy_required=required
    )
    return decision, (*identity, *((resource_policy,) if resource_policy else ()))


def _as_request(request: IamRequest) -> Request:
    return Request(request.principal, request.action, request.resource, request.context)


def _function_grants(stack: StackPolicies, function: FunctionStack) -> list[Grant]:
    """The function's own grants: its role's policies, its Lambda permissions, its
    dead-letter queues' policies. Shared policies (the key's) count where a request used them."""
    dlqs = {
        dlq for targets in stack.rule_targets.values() for t, dlq in targets if t == function.arn
    }
    queue_policies = [stack.queue_policies[q] for q in sorted(dlqs) if q in stack.queue_policies]
    return grants_of([*function.identity_policies, function.resource_policy, *queue_policies])


def prove_function(
    stack: StackPolicies,
    function: FunctionStack,
    recording: Recording,
    justifications: Sequence[Justification],
) -> FunctionProof:
    """Evaluate every request of one function and account for every grant it has."""
    proof = FunctionProof(function.name, function.resource_name, len(recording.calls))
    if not recording.calls and not recording.invocations:
        proof.problems.append(f"{function.name} was never invoked while recording")
    policies_in_play: dict[int, Policy] = {}
    for request in function_requests(stack, function.name, recording):
        decision, policies = decide(stack, function, request)
        proof.decisions.append((request, decision))
        for policy in policies:
            policies_in_play[id(policy)] = policy
        if not decision.allowed:
            statement, missing = closest_statement(_as_request(request), policies)
            proof.denials.append(
                Denial(
                    request, decision, statement.label if statement else "(none)", tuple(missing)
                )
            )
    own = _function_grants(stack, function)
    own_statements = {id(g.statement) for g in own}
    shared = [
        g
        for g in grants_of(policies_in_play.values())
        if id(g.statement) not in own_statements and exercised_by(g, proof.decisions)
    ]
    for grant in [*own, *shared]:
        if exercised_by(grant, proof.decisions):
            proof.exercised.append(grant)
            continue
        reason = next((j for j in justifications if j.covers(function.resource_name, grant)), None)
        if reason is None:
            proof.unjustified.append(grant)
        else:
            proof.justified.append((grant, reason))
    return proof


def check_test_calls(proof: FunctionProof, function: FunctionStack, recording: Recording) -> None:
    """The calls the function's own tests reach name the tests' resources, not the stack's: each
    action must at least be allowed to the role by some statement, on any resource."""
    for call in recording.calls:
        action = iam_action(str(call["service"]), str(call["operation"]))
        proof.test_actions.add(action)
        granted = any(
            s.effect == "Allow" and s.action_applies(action)
            for p in function.identity_policies
            for s in p.statements
        )
        message = (
            f"TESTS {function.resource_name}'s own tests reach {call['service']}."
            f"{call['operation']} ({action}): no statement of its role allows that action"
        )
        if not granted and message not in proof.problems:
            proof.problems.append(message)


def prove(
    stack: StackPolicies,
    recordings: Mapping[str, Recording],
    justifications: Sequence[Justification],
    test_recordings: Mapping[str, Recording] | None = None,
) -> list[FunctionProof]:
    """Every function of the stack; a reason that covers no unused grant is a problem too (it
    would hide a grant added later under an old reason). ``test_recordings`` (by the function's
    name in the program) are the calls of the functions' own tests."""
    proofs = []
    for name, fn in sorted(stack.functions.items()):
        proof = prove_function(stack, fn, recordings.get(name, Recording()), justifications)
        if test_recordings and fn.resource_name in test_recordings:
            check_test_calls(proof, fn, test_recordings[fn.resource_name])
        proofs.append(proof)
    used = {id(j) for p in proofs for _, j in p.justified}
    for justification in justifications:
        if id(justification) in used:
            continue
        owner = next((p for p in proofs if p.resource_name == justification.function), None)
        message = f"STALE justification {justification.label}: it covers no unused grant"
        if owner is None:
            message += f" (the stack has no function {justification.function!r})"
            owner = proofs[0]
        owner.problems.append(message)
    return proofs
