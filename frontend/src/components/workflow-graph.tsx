// A read-only drawing of a workflow's graph: the trigger on top, then the nodes in layers (each
// node one layer below the furthest node leading to it), edges as SVG curves. No library.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";

import { Badge } from "./ui";
import {
  type PlacedErrors,
  type WorkflowGraph,
  type WorkflowNode,
  nodeLabel,
  nodeSummary,
  triggerLabel,
  triggerSummary,
} from "./workflow-model";

const NODE_W = 216;
const TRIGGER_W = 250;
const GAP_X = 28;
const GAP_Y = 58;
const PAD = 20;
const LOOP_SPACE = 56;

interface Placed {
  node: WorkflowNode;
  layer: number;
  x: number;
  y: number;
  h: number;
}

interface Line {
  index: number | null; // the edge's place in `edges`; null for trigger → root
  from: { x: number; y: number };
  to: { x: number; y: number };
  back: boolean;
  side?: number;
  output?: string | null;
  sourceRight?: number;
  targetRight?: number;
}

/** Layers from the roots by longest path, with edges that close a cycle (through a delay) set aside. */
function layers(graph: WorkflowGraph) {
  const nodes: WorkflowNode[] = [];
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    if (seen.has(node.id)) continue;
    seen.add(node.id);
    nodes.push(node);
  }
  const out = new Map<string, { target: string; index: number }[]>(nodes.map((n) => [n.id, []]));
  const incoming = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  graph.edges.forEach((edge, index) => {
    if (!seen.has(edge.source) || !seen.has(edge.target)) return;
    out.get(edge.source)!.push({ target: edge.target, index });
    incoming.set(edge.target, incoming.get(edge.target)! + 1);
  });
  const roots = nodes.filter((n) => incoming.get(n.id) === 0).map((n) => n.id);

  // Depth-first from the roots (then from whatever is left): an edge to a node on the current
  // path closes a cycle and is drawn as a loop, not used for layering.
  const back = new Set<number>();
  const state = new Map<string, 0 | 1 | 2>(nodes.map((n) => [n.id, 0]));
  const visit = (start: string) => {
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const edges = out.get(top.id)!;
      if (top.next < edges.length) {
        const { target, index } = edges[top.next++];
        const mark = state.get(target);
        if (mark === 1) back.add(index);
        else if (mark === 0) {
          state.set(target, 1);
          stack.push({ id: target, next: 0 });
        }
      } else {
        state.set(top.id, 2);
        stack.pop();
      }
    }
  };
  roots.forEach((id) => state.get(id) === 0 && visit(id));
  nodes.forEach((n) => state.get(n.id) === 0 && visit(n.id));

  // Longest path over the remaining (acyclic) edges.
  const layer = new Map<string, number>(nodes.map((n) => [n.id, 1]));
  const parents = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  const indegree = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  graph.edges.forEach((edge, index) => {
    if (!seen.has(edge.source) || !seen.has(edge.target) || back.has(index)) return;
    indegree.set(edge.target, indegree.get(edge.target)! + 1);
    parents.get(edge.target)!.push(edge.source);
  });
  const queue = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  while (queue.length) {
    const id = queue.shift()!;
    for (const { target, index } of out.get(id)!) {
      if (back.has(index)) continue;
      layer.set(target, Math.max(layer.get(target)!, layer.get(id)! + 1));
      indegree.set(target, indegree.get(target)! - 1);
      if (indegree.get(target) === 0) queue.push(target);
    }
  }

  // Rows, ordered by where their parents sit (fewer crossings).
  const depth = Math.max(1, ...layer.values());
  const rows: string[][] = Array.from({ length: depth + 1 }, () => []);
  nodes.forEach((n) => rows[layer.get(n.id)!].push(n.id));
  const position = new Map<string, number>();
  rows.forEach((row, r) => {
    if (r > 1) {
      const weight = (id: string) => {
        const ps = parents.get(id)!.filter((p) => position.has(p));
        return ps.length ? ps.reduce((sum, p) => sum + position.get(p)!, 0) / ps.length : Number.MAX_SAFE_INTEGER;
      };
      const original = new Map(row.map((id, i) => [id, i]));
      row.sort((a, b) => weight(a) - weight(b) || original.get(a)! - original.get(b)!);
    }
    row.forEach((id, i) => position.set(id, i - (row.length - 1) / 2));
  });
  return { nodes, rows, roots, back, byId: new Map(nodes.map((n) => [n.id, n])) };
}

export function WorkflowGraphView(props: {
  graph: WorkflowGraph;
  errors?: PlacedErrors;
  statuses?: Record<string, string>;
  onSelect?: (nodeId: string) => void;
  stale?: boolean;
}) {
  const { graph, errors, statuses } = props;
  const shape = useMemo(() => layers(graph), [graph]);
  const [heights, setHeights] = useState<Record<string, number>>({});
  const boxes = useRef<Map<string, HTMLElement>>(new Map());
  const frame = useRef<HTMLElement>(null);
  const [room, setRoom] = useState(0);
  useEffect(() => {
    const element = frame.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => setRoom(element.clientWidth));
    observer.observe(element);
    setRoom(element.clientWidth);
    return () => observer.disconnect();
  }, []);
  const markerId = useMemo(() => `wf-arrow-${Math.random().toString(36).slice(2, 8)}`, []);

  const triggerH = heights["__trigger"] ?? 64;
  const widest = Math.max(1, ...shape.rows.map((row) => row.length));
  const hasLoops = shape.back.size > 0;
  const contentW = Math.max(TRIGGER_W, widest * NODE_W + (widest - 1) * GAP_X);
  const left = PAD + (hasLoops ? LOOP_SPACE : 0);
  const width = contentW + PAD * 2 + (hasLoops ? LOOP_SPACE * 2 : 0);
  const middle = left + contentW / 2;

  const placed = new Map<string, Placed>();
  let y = PAD + triggerH + GAP_Y;
  shape.rows.forEach((row, r) => {
    if (r === 0 || !row.length) return;
    const rowW = row.length * NODE_W + (row.length - 1) * GAP_X;
    const startX = left + (contentW - rowW) / 2;
    let rowH = 0;
    row.forEach((id, i) => {
      const h = heights[id] ?? 72;
      rowH = Math.max(rowH, h);
      placed.set(id, { node: shape.byId.get(id)!, layer: r, x: startX + i * (NODE_W + GAP_X), y, h });
    });
    y += rowH + GAP_Y;
  });
  const height = Math.max(y - GAP_Y + PAD, PAD * 2 + triggerH);
  // A wide graph shrinks to fit its pane (down to 60 %), then scrolls.
  const scale = room > 0 && width > room ? Math.max(0.6, room / width) : 1;
  const trigger = { x: left + (contentW - TRIGGER_W) / 2, y: PAD, h: triggerH };

  const lines: Line[] = [];
  for (const id of shape.roots) {
    const to = placed.get(id);
    if (!to) continue;
    lines.push({
      index: null,
      from: { x: trigger.x + TRIGGER_W / 2, y: trigger.y + trigger.h },
      to: { x: to.x + NODE_W / 2, y: to.y },
      back: false,
    });
  }
  graph.edges.forEach((edge, index) => {
    const a = placed.get(edge.source);
    const b = placed.get(edge.target);
    if (!a || !b) return;
    if (shape.back.has(index)) {
      // A loop goes round the side its source is on.
      const side = a.x + NODE_W / 2 < middle ? -1 : 1;
      lines.push({
        index,
        from: { x: side < 0 ? a.x : a.x + NODE_W, y: a.y + a.h / 2 },
        to: { x: side < 0 ? b.x : b.x + NODE_W, y: b.y + b.h / 2 },
        back: true,
        side,
        output: edge.output,
      });
    } else {
      lines.push({
        index,
        from: { x: a.x + NODE_W / 2, y: a.y + a.h },
        to: { x: b.x + NODE_W / 2, y: b.y },
        back: false,
        output: edge.output,
      });
    }
  });

  // A graph wider than its pane starts scrolled to its middle, where the trigger is.
  useLayoutEffect(() => {
    const element = frame.current;
    if (element && element.scrollWidth > element.clientWidth) {
      element.scrollLeft = (element.scrollWidth - element.clientWidth) / 2;
    }
  }, [width, room]);

  // Measure the boxes as drawn, and lay out again if their heights differ from the guess.
  useLayoutEffect(() => {
    const next: Record<string, number> = {};
    let changed = false;
    boxes.current.forEach((element, id) => {
      const h = Math.ceil(element.offsetHeight);
      next[id] = h;
      if (heights[id] !== h) changed = true;
    });
    if (changed) setHeights(next);
  });

  const loopOf = (line: Line) => (line.side! < 0 ? left - LOOP_SPACE + 12 : left + contentW + LOOP_SPACE - 12);
  const pathOf = (line: Line) => {
    if (line.back) {
      const x = loopOf(line);
      const end = line.to.x + (line.side! < 0 ? -6 : 6);
      return `M ${line.from.x} ${line.from.y} C ${x} ${line.from.y}, ${x} ${line.to.y}, ${end} ${line.to.y}`;
    }
    const dy = Math.max(24, (line.to.y - line.from.y) / 2);
    return `M ${line.from.x} ${line.from.y} C ${line.from.x} ${line.from.y + dy}, ${line.to.x} ${line.to.y - dy}, ${line.to.x} ${line.to.y - 4}`;
  };
  const labelAt = (line: Line) =>
    line.back
      ? { x: loopOf(line) + (line.side! < 0 ? 14 : -14), y: (line.from.y + line.to.y) / 2 }
      : { x: line.from.x + (line.to.x - line.from.x) * 0.35, y: line.from.y + (line.to.y - line.from.y) * 0.35 };

  const edgeErrors = errors?.edges ?? {};
  const register = (id: string) => (element: HTMLElement | null) => {
    if (element) boxes.current.set(id, element);
    else boxes.current.delete(id);
  };

  return (
    <figure class={`wf-graph ${props.stale ? "stale" : ""}`} aria-label="Workflow graph" ref={frame}>
      <div class="wf-scaled" style={{ width: `${width * scale}px`, height: `${height * scale}px` }}>
      <div
        class="wf-canvas"
        style={{ width: `${width}px`, height: `${height}px`, transform: scale < 1 ? `scale(${scale})` : undefined }}
      >
        <svg width={width} height={height} aria-hidden="true" class="wf-edges">
          <defs>
            <marker id={markerId} viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke" />
            </marker>
          </defs>
          {lines.map((line) => {
            const bad = line.index !== null && edgeErrors[line.index];
            const label = labelAt(line);
            const text = bad ? `edge ${line.index}${line.output ? ` · ${line.output}` : ""}` : line.output;
            return (
              <g class={`wf-edge ${line.index === null ? "from-trigger" : ""} ${bad ? "bad" : ""} ${line.output ? `out-${line.output}` : ""}`}>
                <path d={pathOf(line)} marker-end={`url(#${markerId})`} />
                {text && (
                  <g transform={`translate(${label.x}, ${label.y})`}>
                    <rect x={-(text.length * 3.6 + 8)} y="-10" width={text.length * 7.2 + 16} height="20" rx="10" />
                    <text text-anchor="middle" dy="4">
                      {text}
                    </text>
                  </g>
                )}
              </g>
            );
          })}
        </svg>

        <div
          class={`wf-box wf-trigger ${errors?.trigger.length ? "has-error" : ""}`}
          style={{ left: `${trigger.x}px`, top: `${trigger.y}px`, width: `${TRIGGER_W}px` }}
          ref={register("__trigger")}
          data-trigger=""
        >
          <span class="wf-kind">Trigger</span>
          <strong>{graph.trigger_type ? triggerLabel(graph.trigger_type) : "No trigger_type"}</strong>
          {graph.trigger_type && <span class="wf-summary">{triggerSummary(graph.trigger_type, graph.trigger_config) || "every time"}</span>}
          {errors?.trigger.map((message) => (
            <span class="wf-error">{message}</span>
          ))}
        </div>

        {[...placed.values()].map(({ node, x, y }) => {
          const problems = errors?.nodes[node.id] ?? [];
          const status = statuses?.[node.id];
          const summary = nodeSummary(node);
          const Tag = props.onSelect ? "button" : "div";
          return (
            <Tag
              key={node.id}
              type={props.onSelect ? "button" : undefined}
              class={`wf-box wf-node type-${node.type} ${problems.length ? "has-error" : ""} ${status ? `ran-${status}` : ""}`}
              style={{ left: `${x}px`, top: `${y}px`, width: `${NODE_W}px` }}
              data-node-id={node.id}
              ref={register(node.id) as any}
              onClick={props.onSelect ? () => props.onSelect!(node.id) : undefined}
              title={props.onSelect ? `Show ${node.id} in the JSON` : undefined}
              aria-invalid={problems.length ? "true" : undefined}
            >
              <span class="wf-head">
                <span class="wf-kind">{nodeLabel(node.type)}</span>
                {status && <Badge value={status} tone={statusTone(status)} />}
              </span>
              <span class="wf-id mono">{node.name ? `${node.name} · ${node.id}` : node.id}</span>
              {summary && <span class="wf-summary">{summary}</span>}
              {problems.map((message) => (
                <span class="wf-error" role="note">
                  {message}
                </span>
              ))}
            </Tag>
          );
        })}
      </div>
      </div>
      <figcaption class="sr-only">
        <ul>
          {graph.edges.map((edge) => (
            <li>
              {edge.source} leads to {edge.target}
              {edge.output ? ` when ${edge.output}` : ""}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}

export function statusTone(status: string): string {
  switch (status) {
    case "success":
    case "resumed":
      return "green";
    case "failed":
      return "red";
    case "would_run":
    case "running":
      return "blue";
    case "waiting":
    case "queued":
      return "amber";
    default:
      return "gray";
  }
}
