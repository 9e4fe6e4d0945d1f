// Shared by the Calls and Campaigns pages: status words and colours, the workspace's agents and
// numbers, and a reload that live events may ask for many times a second but runs at most once.

import { useEffect, useMemo, useRef, useState } from "preact/hooks";

import { all } from "../api";
import { Badge, fieldError } from "./ui";

export interface Agent {
  id: string;
  name: string;
  type: string;
  enabled: boolean;
  phone_number: string | null;
}

export interface PhoneNumber {
  id: string;
  phone_number: string;
  name: string | null;
  provider: string;
  agent_id: string | null;
}

export interface Phonebook {
  id: string;
  name: string;
  description: string | null;
  entries: { id: string; phone_number: string; name: string | null }[];
}

export const CALL_STATUSES = [
  "queued",
  "initiated",
  "in_progress",
  "completed",
  "failed",
  "no_answer",
  "busy",
  "hangup_on_voicemail",
  "paused",
] as const;

export const LIVE_CALL_STATUSES = new Set(["queued", "initiated", "in_progress"]);

const CALL_WORDS: Record<string, string> = {
  queued: "Queued",
  initiated: "Ringing",
  in_progress: "In progress",
  completed: "Completed",
  failed: "Failed",
  no_answer: "No answer",
  busy: "Busy",
  hangup_on_voicemail: "Voicemail",
  paused: "Paused",
};

const CALL_TONES: Record<string, string> = {
  queued: "amber",
  initiated: "blue",
  in_progress: "blue",
  completed: "green",
  failed: "red",
  no_answer: "gray",
  busy: "amber",
  hangup_on_voicemail: "gray",
  paused: "amber",
};

export const END_REASONS: Record<string, string> = {
  voicemail: "Reached voicemail",
  human_goodbye: "Caller said goodbye",
  agent_goodbye: "Agent ended the call",
  human_pick_up_cut_off: "Caller hung up early",
  max_duration: "Reached the time limit",
  transferred: "Transferred",
  error: "Error",
  undefined: "Not answered",
};

export function callStatusWord(status: string): string {
  return CALL_WORDS[status] ?? status.replace(/_/g, " ");
}

export function CallStatus(props: { status: string | null | undefined }) {
  if (!props.status) return <Badge value={null} />;
  return <Badge value={callStatusWord(props.status)} tone={CALL_TONES[props.status] ?? "gray"} />;
}

export function endReason(reason: string | null | undefined): string {
  if (!reason) return "—";
  return END_REASONS[reason] ?? reason.replace(/_/g, " ");
}

export function Sentiment(props: { value: string | null | undefined }) {
  const tones: Record<string, string> = { positive: "green", neutral: "gray", negative: "red" };
  if (!props.value) return <span class="muted">—</span>;
  return <Badge value={props.value} tone={tones[props.value] ?? "gray"} />;
}

export const CAMPAIGN_STATUSES = ["draft", "active", "paused", "completed", "cancelled"] as const;

export function CampaignStatus(props: { status: string | null | undefined }) {
  const tones: Record<string, string> = {
    draft: "gray",
    active: "green",
    paused: "amber",
    completed: "blue",
    cancelled: "gray",
  };
  if (!props.status) return <Badge value={null} />;
  return <Badge value={props.status} tone={tones[props.status] ?? "gray"} />;
}

export const RECIPIENT_STATUSES = [
  "pending",
  "calling",
  "completed",
  "no_answer",
  "busy",
  "voicemail",
  "failed",
  "cancelled",
  "skipped",
] as const;

const RECIPIENT_WORDS: Record<string, string> = {
  pending: "Queued",
  calling: "Calling",
  completed: "Completed",
  no_answer: "No answer",
  busy: "Busy",
  voicemail: "Voicemail",
  failed: "Failed",
  cancelled: "Cancelled",
  skipped: "Skipped",
};

export function recipientStatusWord(status: string): string {
  return RECIPIENT_WORDS[status] ?? status.replace(/_/g, " ");
}

export function RecipientStatus(props: { status: string }) {
  const tones: Record<string, string> = {
    pending: "amber",
    calling: "blue",
    completed: "green",
    no_answer: "gray",
    busy: "amber",
    voicemail: "gray",
    failed: "red",
    cancelled: "gray",
    skipped: "gray",
  };
  return <Badge value={recipientStatusWord(props.status)} tone={tones[props.status] ?? "gray"} />;
}

/** ISO weekday numbers (1 = Monday) and their names. */
export const WEEKDAYS: [number, string, string][] = [
  [1, "Mon", "Monday"],
  [2, "Tue", "Tuesday"],
  [3, "Wed", "Wednesday"],
  [4, "Thu", "Thursday"],
  [5, "Fri", "Friday"],
  [6, "Sat", "Saturday"],
  [7, "Sun", "Sunday"],
];

export function daysInWords(days: number[] | undefined): string {
  if (!days || days.length === 0) return "—";
  const sorted = [...days].sort();
  if (sorted.join() === "1,2,3,4,5") return "Weekdays";
  if (sorted.length === 7) return "Every day";
  return sorted.map((day) => WEEKDAYS.find(([n]) => n === day)?.[1] ?? day).join(", ");
}

/** The agents, loaded once per page; `byId` names them in tables. */
export function useAgentDirectory() {
  const state = useAllOf<Agent>("/v1/agents");
  const byId = useMemo(() => new Map((state.data ?? []).map((agent) => [agent.id, agent])), [state.data]);
  /** An agent's name; "…" while the agents load, "Deleted agent" for one that is gone. */
  const nameOf = (id: string | null | undefined) => (id && !state.data ? "…" : agentName(byId, id));
  return { ...state, byId, nameOf };
}

/** Every item of a list route (all pages), with loading, error and reload. */
export function useAllOf<T>(path: string | null, query: Record<string, string> = {}) {
  const [data, setData] = useState<T[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(path !== null);
  const key = path === null ? null : path + JSON.stringify(query);
  const load = async () => {
    if (path === null) return;
    setLoading(true);
    try {
      setData(await all<T>(path, query));
      setError(null);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return { data, error, loading, reload: load };
}

/** A function that runs `action` at most every `ms`, the last request always honoured. */
export function useThrottled(action: () => void, ms = 800): () => void {
  const saved = useRef(action);
  saved.current = action;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const last = useRef(0);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return () => {
    if (timer.current) return;
    const wait = Math.max(0, last.current + ms - Date.now());
    timer.current = setTimeout(() => {
      timer.current = null;
      last.current = Date.now();
      saved.current();
    }, wait);
  };
}

/** A name for an agent id: the agent's name, "Deleted agent", or a dash. */
export function agentName(byId: Map<string, Agent>, id: string | null | undefined): string {
  if (!id) return "—";
  return byId.get(id)?.name ?? "Deleted agent";
}

/** The select of a "Call from" field: the workspace's numbers; empty, the agent's own number. */
export function FromNumberSelect(props: { id: string; numbers: PhoneNumber[] | undefined; value: string; onChange: (value: string) => void }) {
  return (
    <select id={props.id} value={props.value} onChange={(event) => props.onChange(event.currentTarget.value)}>
      <option value="">The agent's number (automatic)</option>
      {(props.numbers ?? []).map((number) => (
        <option value={number.phone_number} key={number.id}>
          {number.phone_number}
          {number.name ? ` — ${number.name}` : ""}
        </option>
      ))}
    </select>
  );
}

/** A field's 400 message without pydantic's "Value error, " prefix. */
export function plainFieldError(error: unknown, field: string): string | undefined {
  return fieldError(error, field)?.replace(/^(.*: )?Value error, /, "$1");
}
