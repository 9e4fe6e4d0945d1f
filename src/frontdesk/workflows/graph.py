"""A workflow's graph, checked before it is stored: every node's type and configuration, every
edge's ends and output, no cycle except through a `delay`, no node that cannot be reached.
Problems are reported per node (`nodes.<id>`, `nodes.<id>.config.<field>`) and per edge."""

from __future__ import annotations

from collections import deque
from typing import Any

from pydantic import ValidationError

from frontdesk.errors import ValidationFailed, validation_details
from frontdesk.workflows import conditions, schemas


def _config(node: schemas.Node, details: dict[str, str]) -> dict[str, Any] | None:
    model = schemas.NODES[node.type]
    try:
        parsed = model.model_validate(node.config)
    except ValidationError as exc:
        for path, message in validation_details(list(exc.errors())).items():
            key = f"nodes.{node.id}.config" if path == "body" else f"nodes.{node.id}.config.{path}"
            details[key] = message
        return None
    config = parsed.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"tree"})
    if isinstance(parsed, schemas.ConditionNode):
        try:
            tree = (
                conditions.parse(parsed.if_)
                if parsed.if_ is not None
                else conditions.check(parsed.condition)
            )
        except conditions.ConditionError as exc:
            details[f"nodes.{node.id}.config"] = f"condition: {exc}"
            return None
        config["tree"] = tree
    return config


def check(nodes: list[schemas.Node], edges: list[schemas.Edge]) -> list[dict[str, Any]]:
    """The nodes with their configurations normalised, or 400 `VALIDATION_ERROR` naming each
    node or edge that is wrong."""
    details: dict[str, str] = {}
    by_id: dict[str, schemas.Node] = {}
    for node in nodes:
        if node.id in by_id:
            details[f"nodes.{node.id}"] = "two nodes have this id"
        by_id[node.id] = node
    configs: dict[str, dict[str, Any]] = {}
    for node in by_id.values():
        if node.type not in schemas.NODES:
            details[f"nodes.{node.id}"] = (
                f"unknown node type '{node.type}'; use one of {', '.join(schemas.NODE_TYPES)}"
            )
            continue
        config = _config(node, details)
        if config is not None:
            configs[node.id] = config
    outgoing: dict[str, list[str]] = {n: [] for n in by_id}
    incoming: dict[str, int] = dict.fromkeys(by_id, 0)
    for index, edge in enumerate(edges):
        where = f"edges.{index}"
        if edge.source not in by_id or edge.target not in by_id:
            missing = edge.source if edge.source not in by_id else edge.target
            details[where] = f"no node has the id '{missing}'"
            continue
        source = by_id[edge.source]
        outputs = schemas.OUTPUTS.get(source.type, ())
        if outputs and edge.output not in outputs:
            details[where] = f"a {source.type} node's edges name its output: {' or '.join(outputs)}"
        elif not outputs and edge.output is not None:
            details[where] = f"a {source.type} node has one output; leave 'output' out"
        if source.type == "end":
            details[where] = "an end node leads nowhere"
        outgoing[edge.source].append(edge.target)
        incoming[edge.target] += 1
    roots = [n for n in by_id if incoming[n] == 0]
    reached = set(roots)
    queue = deque(roots)
    while queue:
        for target in outgoing[queue.popleft()]:
            if target not in reached:
                reached.add(target)
                queue.append(target)
    for node_id in by_id:
        if node_id not in reached:
            details.setdefault(
                f"nodes.{node_id}",
                "unreachable: every way to this node comes from a cycle without a start",
            )
    cycle = _cycle_without_delay(by_id, outgoing)
    if cycle:
        details.setdefault(
            f"nodes.{cycle[0]}",
            f"in a cycle without a delay ({' -> '.join([*cycle, cycle[0]])}): it would run forever",
        )
    if details:
        fields = ", ".join(sorted(details)[:10])
        raise ValidationFailed(
            f"The workflow's graph is not valid: check {fields}", details=details
        )
    return [{**n.model_dump(exclude_none=True), "config": configs[n.id]} for n in by_id.values()]


def _cycle_without_delay(
    nodes: dict[str, schemas.Node], outgoing: dict[str, list[str]]
) -> list[str] | None:
    """A cycle none of whose nodes is a delay, if there is one (edges out of a delay are left
    out, so any remaining cycle has none)."""
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(nodes, white)
    stack_path: list[str] = []

    def visit(start: str) -> list[str] | None:
        stack: list[tuple[str, int]] = [(start, 0)]
        color[start] = grey
        stack_path.append(start)
        while stack:
            node, index = stack[-1]
            targets = [] if nodes[node].type == "delay" else outgoing[node]
            if index < len(targets):
                stack[-1] = (node, index + 1)
                target = targets[index]
                if color[target] == grey:
                    return stack_path[stack_path.index(target) :]
                if color[target] == white:
                    color[target] = grey
                    stack.append((target, 0))
                    stack_path.append(target)
            else:
                color[node] = black
                stack.pop()
                stack_path.pop()
        return None

    for node_id in nodes:
        if color[node_id] == white:
            found = visit(node_id)
            if found:
                return found
    return None
