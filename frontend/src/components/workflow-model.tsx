// Workflows as the editor sees them: the API's shapes, the trigger and node vocabulary, starting
// examples, reading JSON with its error's line and column, and placing a 400's details.

import { ApiError } from "../api";

export interface WorkflowNode {
  id: string;
  type: string;
  config?: Record<string, any>;
  name?: string;
}

export interface WorkflowEdge {
  source: string;
  target: string;
  output?: string | null;
}

/** What the JSON editor holds: the part of a workflow that is its graph. */
export interface WorkflowGraph {
  trigger_type: string;
  trigger_config: Record<string, any>;
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
}

export interface Workflow extends WorkflowGraph {
  id: string;
  name: string;
  description: string | null;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface Execution {
  id: string;
  workflow_id: string;
  status: "queued" | "running" | "waiting" | "success" | "failed" | "stopped";
  triggered_by: string;
  test: boolean;
  depth: number;
  error: string | null;
  execution_time_ms: number | null;
  executed_at: string | null;
  finished_at: string | null;
  created_at: string;
}

export interface TraceEntry {
  node_id: string;
  type?: string;
  status: string;
  started_at?: string;
  duration_ms?: number;
  input?: unknown;
  output?: unknown;
  error?: string;
}

export interface ExecutionDetail extends Execution {
  trigger_data: Record<string, any>;
  log: TraceEntry[];
}

export const TRIGGERS: { value: string; label: string; hint: string }[] = [
  { value: "conversation_started", label: "Conversation started", hint: "agent_id?, channel?" },
  { value: "message_received", label: "Message received", hint: "keywords?, agent_id?, channel?" },
  { value: "conversation_ended", label: "Conversation ended", hint: "agent_id?, channel?" },
  { value: "call_ended", label: "Call ended", hint: "agent_id?, direction?, status? (a list)" },
  { value: "lead_status_changed", label: "Lead status changed", hint: "from?, to?" },
  { value: "contact_created", label: "Contact created", hint: "no settings" },
  { value: "deal_stage_changed", label: "Deal stage changed", hint: "stage?" },
  { value: "schedule", label: "Schedule", hint: "cron, timezone?" },
];

export const NODE_TYPES: { value: string; label: string; config: string }[] = [
  { value: "condition", label: "Condition", config: 'if: an expression; edges out name output "true" or "false"' },
  { value: "send_webhook", label: "Send webhook", config: "url, method?, headers?, body?, timeout_seconds?" },
  { value: "add_tag", label: "Add tag", config: "tag, target? (conversation or contact)" },
  { value: "assign", label: "Assign", config: "member_id (null: back to the AI)" },
  { value: "set_lead_status", label: "Set lead status", config: "status" },
  { value: "send_message", label: "Send message", config: "content (a template)" },
  { value: "notify", label: "Notify team", config: "title, body?, members?" },
  { value: "run_action", label: "Run action", config: "action_id, variables?, phone_number?" },
  { value: "delay", label: "Delay", config: "seconds, minutes, hours and/or days" },
  { value: "end", label: "End", config: "none" },
];

export function triggerLabel(type: string | null | undefined): string {
  return TRIGGERS.find((t) => t.value === type)?.label ?? type ?? "—";
}

export function nodeLabel(type: string | null | undefined): string {
  return NODE_TYPES.find((t) => t.value === type)?.label ?? type ?? "—";
}

function clip(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? flat.slice(0, max - 1) + "…" : flat;
}

/** One line on what a trigger's settings narrow it to. */
export function triggerSummary(type: string, config: Record<string, any> | null | undefined): string {
  const c = config ?? {};
  const parts: string[] = [];
  if (type === "schedule" && c.cron) parts.push(`cron ${c.cron}${c.timezone ? ` (${c.timezone})` : ""}`);
  if (Array.isArray(c.keywords) && c.keywords.length) parts.push(`keywords: ${c.keywords.join(", ")}`);
  if (c.channel) parts.push(`channel ${c.channel}`);
  if (c.direction) parts.push(`${c.direction} calls`);
  if (Array.isArray(c.status) && c.status.length) parts.push(`status ${c.status.join(", ")}`);
  if (c.from) parts.push(`from ${c.from}`);
  if (c.to) parts.push(`to ${c.to}`);
  if (c.stage) parts.push(`stage ${c.stage}`);
  if (c.agent_id) parts.push("one agent");
  return clip(parts.join(" · "), 80);
}

/** One line on what a node does, from its configuration. */
export function nodeSummary(node: WorkflowNode): string {
  const c = node.config ?? {};
  switch (node.type) {
    case "condition":
      return clip(typeof c.if === "string" ? c.if : c.condition ? JSON.stringify(c.condition) : "");
    case "send_webhook":
      return clip(`${c.method ?? "POST"} ${c.url ?? ""}`);
    case "add_tag":
      return clip(`“${c.tag ?? ""}” on the ${c.target ?? "conversation"}`);
    case "assign":
      return c.member_id ? `to member ${String(c.member_id).slice(0, 8)}…` : "back to the AI";
    case "set_lead_status":
      return `to ${c.status ?? "?"}`;
    case "send_message":
      return clip(String(c.content ?? ""));
    case "notify":
      return clip(String(c.title ?? ""));
    case "run_action":
      return c.action_id ? `action ${String(c.action_id).slice(0, 8)}…` : "";
    case "delay": {
      const parts = (["days", "hours", "minutes", "seconds"] as const)
        .filter((unit) => Number(c[unit]) > 0)
        .map((unit) => `${c[unit]} ${Number(c[unit]) === 1 ? unit.slice(0, -1) : unit}`);
      return parts.length ? `wait ${parts.join(" ")}` : "";
    }
    default:
      return "";
  }
}

/**
 * A stored workflow's graph as it was written: the API keeps a parsed `tree` next to a
 * condition's `if`, which it then refuses when sent back, so the editor leaves it out.
 */
export function graphOf(workflow: Workflow): WorkflowGraph {
  return {
    trigger_type: workflow.trigger_type,
    trigger_config: workflow.trigger_config ?? {},
    nodes: (workflow.nodes ?? []).map((node) => {
      if (node.type !== "condition" || !node.config || !("tree" in node.config)) return node;
      const { tree: _tree, ...config } = node.config;
      return { ...node, config };
    }),
    edges: workflow.edges ?? [],
  };
}

export function toJson(graph: WorkflowGraph): string {
  return JSON.stringify(graph, null, 2);
}

export interface JsonProblem {
  message: string;
  line: number;
  column: number;
  position: number;
}

function locate(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(position, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/** Where JSON text first goes wrong: a small strict scanner, since browsers word (and place) it differently. */
function firstProblem(text: string): { position: number; message: string } | null {
  let i = 0;
  class Stop extends Error {
    constructor(readonly position: number, message: string) {
      super(message);
    }
  }
  const fail = (message: string, at = i): never => {
    throw new Stop(at, message);
  };
  const show = (at: number) => (at >= text.length ? "the end of the text" : `“${text[at]}”`);
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const string = () => {
    const start = i++;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c === "\n") fail("A text value cannot span lines; close it with a quote");
      if (c === "\\") {
        const next = text[i + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("A \\u escape needs four hex digits");
          i += 6;
          continue;
        }
        if (!next || !'"\\/bfnrt'.includes(next)) fail(`Unknown escape \\${next ?? ""}`);
        i += 2;
        continue;
      }
      if (c < " ") fail("A control character must be escaped inside text");
      i++;
    }
    fail("A text value is never closed with a quote", start);
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === "{") {
      i++;
      space();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail(text[i] === "}" ? "Remove the comma before “}”" : `Expected a key in double quotes, found ${show(i)}`);
        string();
        space();
        if (text[i] !== ":") fail(`Expected “:” after the key, found ${show(i)}`);
        i++;
        value();
        space();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        fail(`Expected “,” or “}”, found ${show(i)}`);
      }
    }
    if (c === "[") {
      i++;
      space();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] === "]") fail("Remove the comma before “]”");
        value();
        space();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        fail(`Expected “,” or “]”, found ${show(i)}`);
      }
    }
    if (c === '"') return string();
    const literal = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i));
    if (literal) {
      i += literal[0].length;
      return;
    }
    if (c === "'") fail("Use double quotes (\") for text, not single quotes");
    fail(i >= text.length ? "The JSON ends too early" : `Unexpected ${show(i)}`);
  };
  try {
    value();
    space();
    if (i < text.length) fail(`Unexpected ${show(i)} after the end of the JSON`);
    return null;
  } catch (error) {
    if (error instanceof Stop) return { position: error.position, message: error.message };
    throw error;
  }
}

/** The text as JSON, or where and why it is not. */
export function readJson(text: string): { value: unknown; problem: null } | { value: null; problem: JsonProblem } {
  try {
    return { value: JSON.parse(text), problem: null };
  } catch (error) {
    const found = firstProblem(text) ?? { position: text.length, message: (error as Error).message };
    return { value: null, problem: { message: found.message, ...locate(text, found.position), position: found.position } };
  }
}

/** Problems with the JSON's shape that the API would refuse without saying where. */
export function shapeProblems(value: unknown): string[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return ["The JSON must be an object with trigger_type, trigger_config, nodes and edges."];
  }
  const doc = value as Record<string, unknown>;
  const problems: string[] = [];
  const known = new Set(["trigger_type", "trigger_config", "nodes", "edges"]);
  const extra = Object.keys(doc).filter((key) => !known.has(key));
  if (extra.length) problems.push(`Unknown key${extra.length > 1 ? "s" : ""} ${extra.join(", ")}: use trigger_type, trigger_config, nodes and edges (name and description have their own fields).`);
  if (typeof doc.trigger_type !== "string") problems.push("trigger_type must be text, e.g. \"message_received\".");
  if (doc.trigger_config !== undefined && (typeof doc.trigger_config !== "object" || doc.trigger_config === null || Array.isArray(doc.trigger_config))) {
    problems.push("trigger_config must be an object ({} when the trigger has no settings).");
  }
  if (!Array.isArray(doc.nodes)) problems.push("nodes must be a list of {id, type, config}.");
  if (doc.edges !== undefined && !Array.isArray(doc.edges)) problems.push("edges must be a list of {source, target, output?}.");
  return problems;
}

/** The graph the JSON describes, as far as it can be drawn (bad entries left out). */
export function drawable(value: unknown): WorkflowGraph | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const doc = value as Record<string, any>;
  const nodes = Array.isArray(doc.nodes)
    ? doc.nodes.filter((n: any) => n && typeof n === "object" && typeof n.id === "string" && n.id)
    : [];
  const edges = Array.isArray(doc.edges)
    ? doc.edges.filter((e: any) => e && typeof e === "object" && typeof e.source === "string" && typeof e.target === "string")
    : [];
  return {
    trigger_type: typeof doc.trigger_type === "string" ? doc.trigger_type : "",
    trigger_config: doc.trigger_config && typeof doc.trigger_config === "object" ? doc.trigger_config : {},
    nodes,
    edges,
  };
}

/** A 400's details sorted by where they belong: nodes, edges, the trigger, form fields, the rest. */
export interface PlacedErrors {
  nodes: Record<string, string[]>;
  edges: Record<number, string[]>;
  trigger: string[];
  fields: Record<string, string>;
  other: string[];
}

export function emptyPlaced(): PlacedErrors {
  return { nodes: {}, edges: {}, trigger: [], fields: {}, other: [] };
}

export function placeErrors(error: unknown, graph: WorkflowGraph | null): PlacedErrors {
  const placed = emptyPlaced();
  if (!(error instanceof ApiError) || error.code !== "VALIDATION_ERROR") return placed;
  const ids = new Set((graph?.nodes ?? []).map((n) => n.id));
  for (const [key, raw] of Object.entries(error.details ?? {})) {
    const message = typeof raw === "string" ? raw : JSON.stringify(raw);
    const parts = key.split(".");
    if (parts[0] === "nodes" && parts.length > 1) {
      // `nodes.<id>...` from the graph check; `nodes.<index>...` from the request's own schema.
      let id = parts[1];
      if (!ids.has(id) && /^\d+$/.test(id) && graph?.nodes[Number(id)]) id = graph.nodes[Number(id)].id;
      const rest = parts.slice(2).join(".");
      const text = rest ? `${rest.replace(/^config\.?/, "") || "config"}: ${message}` : message;
      if (ids.has(id)) (placed.nodes[id] ??= []).push(text);
      else placed.other.push(`${key}: ${message}`);
    } else if (parts[0] === "edges" && parts.length > 1 && /^\d+$/.test(parts[1])) {
      const rest = parts.slice(2).join(".");
      (placed.edges[Number(parts[1])] ??= []).push(rest ? `${rest}: ${message}` : message);
    } else if (parts[0] === "trigger_type" || parts[0] === "trigger_config") {
      placed.trigger.push(`${key}: ${message}`);
    } else if (key === "name" || key === "description" || key === "enabled") {
      placed.fields[key] = message;
    } else {
      placed.other.push(`${key}: ${message}`);
    }
  }
  return placed;
}

export interface Example {
  key: string;
  title: string;
  description: string;
  name: string;
  graph: WorkflowGraph;
  note?: string;
}

/** Starting points built only from the triggers and nodes the server runs. */
export function examples(context: { smsActionId?: string | null }): Example[] {
  const smsAction = context.smsActionId ?? "00000000-0000-0000-0000-000000000000";
  return [
    {
      key: "lead",
      title: "Tag and notify on a new lead",
      description: "When a contact is created, tag them as a new lead and tell the team who came in.",
      name: "New lead: tag and notify",
      graph: {
        trigger_type: "contact_created",
        trigger_config: {},
        nodes: [
          { id: "tag_lead", type: "add_tag", config: { tag: "new-lead", target: "contact" } },
          { id: "status", type: "set_lead_status", config: { status: "new" } },
          {
            id: "tell_team",
            type: "notify",
            config: {
              title: "New lead: {{contact.name}}",
              body: "{{contact.phone_number}} {{contact.email}} — reply fast while they are warm.",
            },
          },
        ],
        edges: [
          { source: "tag_lead", target: "status" },
          { source: "status", target: "tell_team" },
        ],
      },
    },
    {
      key: "missed-call",
      title: "Follow-up SMS after a missed call",
      description: "When an inbound call is missed or goes to voicemail, wait two minutes, then text the caller.",
      name: "Missed call: follow-up SMS",
      note: context.smsActionId
        ? undefined
        : "Create a send_sms action first (Agents → Actions) and put its id in action_id.",
      graph: {
        trigger_type: "call_ended",
        trigger_config: { direction: "inbound" },
        nodes: [
          {
            id: "missed",
            type: "condition",
            config: { if: 'call.status in ["no_answer", "busy"] or call.end_call_reason == "voicemail"' },
          },
          { id: "wait", type: "delay", config: { minutes: 2 } },
          {
            id: "text_back",
            type: "run_action",
            config: { action_id: smsAction, variables: { reason: "missed call" } },
          },
          { id: "answered", type: "end", config: {} },
        ],
        edges: [
          { source: "missed", target: "wait", output: "true" },
          { source: "missed", target: "answered", output: "false" },
          { source: "wait", target: "text_back" },
        ],
      },
    },
    {
      key: "crm",
      title: "Send to CRM webhook when a conversation ends",
      description: "When a conversation ends and the contact left an email, post the conversation to your CRM.",
      name: "Conversation ended: send to CRM",
      graph: {
        trigger_type: "conversation_ended",
        trigger_config: {},
        nodes: [
          { id: "has_email", type: "condition", config: { if: "contact.email exists" } },
          {
            id: "to_crm",
            type: "send_webhook",
            config: {
              url: "https://crm.example.com/hooks/frontdesk",
              method: "POST",
              headers: { "X-Source": "frontdesk" },
              timeout_seconds: 10,
            },
          },
          { id: "tag_synced", type: "add_tag", config: { tag: "crm-synced", target: "conversation" } },
          { id: "no_email", type: "end", config: {} },
        ],
        edges: [
          { source: "has_email", target: "to_crm", output: "true" },
          { source: "has_email", target: "no_email", output: "false" },
          { source: "to_crm", target: "tag_synced" },
        ],
      },
    },
    {
      key: "urgent",
      title: "Escalate urgent messages",
      description: "When a customer writes “urgent” or “emergency”, tag the conversation and alert the team.",
      name: "Urgent message: escalate",
      graph: {
        trigger_type: "message_received",
        trigger_config: { keywords: ["urgent", "emergency"] },
        nodes: [
          { id: "tag_urgent", type: "add_tag", config: { tag: "urgent" } },
          {
            id: "alert",
            type: "notify",
            config: { title: "Urgent message from {{contact.name}}", body: "{{message.content}}" },
          },
          {
            id: "reassure",
            type: "send_message",
            config: { content: "Thanks — we've flagged this as urgent and a team member will follow up shortly." },
          },
        ],
        edges: [
          { source: "tag_urgent", target: "alert" },
          { source: "tag_urgent", target: "reassure" },
        ],
      },
    },
    {
      key: "blank",
      title: "Start from scratch",
      description: "A conversation_started trigger and a single end node, ready for your own nodes.",
      name: "",
      graph: {
        trigger_type: "conversation_started",
        trigger_config: {},
        nodes: [{ id: "start", type: "end", config: {} }],
        edges: [],
      },
    },
  ];
}

/** A sample `testData` for a trigger, for the test-run box. */
export function sampleTestData(triggerType: string): Record<string, any> {
  switch (triggerType) {
    case "message_received":
    case "conversation_started":
    case "conversation_ended":
      return { message: "Hi, this is urgent — can someone call me back?" };
    case "call_ended":
      return { call: { status: "no_answer", direction: "inbound", duration: 0, end_call_reason: "voicemail" } };
    case "lead_status_changed":
    case "contact_created":
      return { contact: { name: "Ann Lee", email: "ann@example.com", phone_number: "+14155550123", lead_status: "new" } };
    case "deal_stage_changed":
      return { deal: { title: "Annual plan", stage: "proposal", value: 1200 } };
    default:
      return {};
  }
}
