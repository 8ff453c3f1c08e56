"""Whole-menu rules: every jump lands on a node, every node is reachable, every caller can leave.

A node nobody can reach is only a warning: it is never played, so it cannot hurt a call, and
admins keep draft branches while editing; it is still reported because it is usually a typo in
a ``next``. A set of nodes the caller can enter but never leave (no ``route`` or ``hangup``
reachable from it) is an error: such a call would loop until the caller gives up.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from ivr.plans.problems import Problem, Severity
from ivr.plans.schema import (
    BranchNode,
    GatherNode,
    HangupNode,
    Menu,
    MenuNode,
    Node,
    PlayNode,
    RouteNode,
    TagNode,
)

# Builds a Problem for a sub-path of the menu being checked.
Report = Callable[[str, str, Severity], Problem]


def node_exits(node: Node) -> list[tuple[str, str]]:
    """(sub-path of the field, node id it names) for every jump out of ``node``."""
    if isinstance(node, PlayNode | TagNode):
        return [("next", node.next)]
    if isinstance(node, MenuNode):
        return [(f"options.{digit}", nxt) for digit, nxt in node.options.items()] + [
            ("failure", node.failure)
        ]
    if isinstance(node, GatherNode):
        return [("next", node.next), ("failure", node.failure)]
    if isinstance(node, BranchNode):
        cases = [(f"cases[{i}].next", case.next) for i, case in enumerate(node.cases)]
        return [*cases, ("default", node.default)]
    return []


def check_menu(menu: Menu, report: Report) -> list[Problem]:
    problems = _unknown_jumps(menu, report)
    problems += _gather_rules(menu, report)
    if menu.start not in menu.nodes:
        problems.append(report("start", f"unknown start node {menu.start!r}", Severity.ERROR))
        return problems
    reachable = _reachable(menu, [menu.start], forward=True)
    for node_id in menu.nodes:
        if node_id not in reachable:
            message = f"node {node_id!r} is never reached from start node {menu.start!r}"
            problems.append(report(f"nodes.{node_id}", message, Severity.WARNING))
    problems += _traps(menu, reachable, report)
    return problems


def _unknown_jumps(menu: Menu, report: Report) -> list[Problem]:
    problems = []
    for node_id, node in menu.nodes.items():
        for field, target in node_exits(node):
            if target not in menu.nodes:
                message = f"unknown node {target!r} in menu {menu.id!r}"
                problems.append(report(f"nodes.{node_id}.{field}", message, Severity.ERROR))
    return problems


def _gather_rules(menu: Menu, report: Report) -> list[Problem]:
    problems = []
    for node_id, node in menu.nodes.items():
        if isinstance(node, GatherNode) and node.validate_as == "zip" and node.digits != 5:
            message = f"a US ZIP code has 5 digits, not {node.digits}"
            problems.append(report(f"nodes.{node_id}.digits", message, Severity.ERROR))
    return problems


def _reachable(menu: Menu, starts: Iterable[str], *, forward: bool) -> set[str]:
    """Nodes reachable from ``starts`` following jumps forward, or backward when not ``forward``."""
    edges: dict[str, set[str]] = {node_id: set() for node_id in menu.nodes}
    for node_id, node in menu.nodes.items():
        for _, target in node_exits(node):
            if target in edges:
                edges[node_id if forward else target].add(target if forward else node_id)
    seen = set(starts)
    queue = deque(seen)
    while queue:
        for nxt in edges[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _traps(menu: Menu, reachable: set[str], report: Report) -> list[Problem]:
    """One error per group of reachable nodes from which no route/hangup node can be reached."""
    exits = [i for i, n in menu.nodes.items() if isinstance(n, RouteNode | HangupNode)]
    # A jump to an unknown node is already an error; count it as a way out so as not to
    # report the same mistake twice.
    dangling = [
        i for i, n in menu.nodes.items() if any(t not in menu.nodes for _, t in node_exits(n))
    ]
    can_leave = _reachable(menu, exits + dangling, forward=False)
    trapped = [i for i in _in_walk_order(menu) if i in reachable and i not in can_leave]
    problems: list[Problem] = []
    reported: set[str] = set()
    for node_id in trapped:
        if node_id in reported:
            continue
        loop = [i for i in _reachable(menu, [node_id], forward=True) if i not in reported]
        reported.update(loop)
        names = ", ".join(sorted(loop))
        message = (
            f"no way out: from here the caller only goes round {names} and never reaches"
            " a route or hangup node"
        )
        problems.append(report(f"nodes.{node_id}", message, Severity.ERROR))
    return problems


def _in_walk_order(menu: Menu) -> list[str]:
    """Node ids breadth-first from the start, so a loop is reported at its entry point."""
    order = [menu.start]
    seen = {menu.start}
    for node_id in order:
        for _, target in node_exits(menu.nodes[node_id]):
            if target in menu.nodes and target not in seen:
                seen.add(target)
                order.append(target)
    return order
