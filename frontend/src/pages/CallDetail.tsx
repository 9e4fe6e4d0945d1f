// One call: who, when, how it went, what was said (and the recording), what the agent did.

import "./Calls.css";

import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";

import { ApiError, api } from "../api";
import { can, useAuth } from "../auth";
import {
  CallStatus,
  LIVE_CALL_STATUSES,
  Sentiment,
  endReason,
  useAgentDirectory,
  useThrottled,
} from "../components/call-common";
import { Button, Card, ErrorNote, Loading, PageHeader, Stat, toast, useAction } from "../components/ui";
import { ago, duration, label, money, when } from "../format";
import { useApi, useLive, useTitle } from "../hooks";

interface Turn {
  turn: number;
  latency_ms: number | null;
  endpointing_ms: number | null;
  stt_ms: number | null;
  llm_first_token_ms: number | null;
  first_sentence_ms: number | null;
  tts_first_audio_ms: number | null;
  playout_ms: number | null;
  interrupted: boolean;
}

interface ExecutedAction {
  id?: string;
  name?: string;
  type?: string;
  arguments?: Record<string, unknown>;
  ok?: boolean;
  result?: unknown;
  error?: string | null;
  duration_ms?: number;
  at?: string;
}

export interface Call {
  id: string;
  agent_id: string | null;
  campaign_id: string | null;
  conversation_id: string | null;
  contact_id: string | null;
  direction: "inbound" | "outbound" | "web";
  provider: string;
  status: string;
  end_call_reason: string | null;
  end_detail: string | null;
  phone_number_from: string | null;
  phone_number_to: string | null;
  start_time: string | null;
  end_time: string | null;
  duration: number | null;
  transcript: string | null;
  summary: string | null;
  sentiment: string | null;
  emotions: string[];
  key_phrases: string[];
  executed_actions: ExecutedAction[];
  prompt_variables: Record<string, unknown>;
  recording_url: string | null;
  cost: string | number | null;
  cost_breakdown: { parts?: Record<string, string | number>; minutes?: string | number; [key: string]: unknown };
  latency: { p50_ms: number | null; p95_ms: number | null };
  turns: Turn[];
  metadata: Record<string, any>;
  created_at: string;
  updated_at: string;
}

interface Recording {
  call_id: string;
  duration_seconds: number;
  format: string;
  size_bytes: number;
  download_url: string;
  expires_at: string;
}

const DIRECTION_WORDS: Record<string, string> = {
  inbound: "Inbound call",
  outbound: "Outbound call",
  web: "Browser call",
};

/** "bot: …\nhuman: …" as turns; lines without a speaker continue the turn before. */
function parseTranscript(text: string | null): { role: "agent" | "user" | "system"; text: string }[] {
  if (!text) return [];
  const lines: { role: "agent" | "user" | "system"; text: string }[] = [];
  for (const raw of text.split("\n")) {
    const match = /^(bot|agent|assistant|ai|human|user|customer|caller|system)\s*:\s?(.*)$/i.exec(raw);
    if (match) {
      const who = match[1].toLowerCase();
      const role = ["bot", "agent", "assistant", "ai"].includes(who) ? "agent" : who === "system" ? "system" : "user";
      lines.push({ role, text: match[2] });
    } else if (lines.length) {
      lines[lines.length - 1].text += "\n" + raw;
    } else if (raw.trim()) {
      lines.push({ role: "system", text: raw });
    }
  }
  return lines;
}

function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(0)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The seconds since the call was answered, ticking while it is live. */
function Elapsed(props: { since: string | null; seconds: number | null; live: boolean }) {
  const [, tick] = useState(0);
  useEffect(() => {
    if (!props.live || !props.since) return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [props.live, props.since]);
  if (props.live && props.since) return <>{duration((Date.now() - new Date(props.since).getTime()) / 1000)}</>;
  return <>{duration(props.seconds)}</>;
}

function Transcript(props: { call: Call }) {
  const lines = parseTranscript(props.call.transcript);
  const live = LIVE_CALL_STATUSES.has(props.call.status);
  return (
    <Card title="Transcript">
      {lines.length === 0 ? (
        <p class="muted">
          {live
            ? "Nothing said yet. The transcript fills in when the call ends."
            : "Nothing was said on this call (it was not answered, or ended before anyone spoke)."}
        </p>
      ) : (
        <div class="thread" role="log" aria-label="Call transcript">
          {lines.map((line, index) => (
            <div class={`bubble ${line.role}`} key={index}>
              <span class="who">{line.role === "agent" ? "Agent" : line.role === "user" ? "Caller" : "System"}</span>
              {line.text}
            </div>
          ))}
        </div>
      )}
    </Card>
  );
}

function RecordingCard(props: { call: Call }) {
  const { call } = props;
  const live = LIVE_CALL_STATUSES.has(call.status);
  const [recording, setRecording] = useState<Recording | null>(null);
  const [missing, setMissing] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  const load = async () => {
    setLoading(true);
    setError(null);
    setMissing(null);
    try {
      setRecording(await api<Recording>(`/v1/calls/${call.id}/recording`));
    } catch (caught) {
      setRecording(null);
      if (caught instanceof ApiError && (caught.status === 404 || caught.status === 409)) setMissing(caught.message);
      else setError(caught);
    } finally {
      setLoading(false);
    }
  };

  // The call says whether it has a recording (recording_url); only then ask for a fresh signed link.
  const hasRecording = Boolean(call.recording_url);
  useEffect(() => {
    if (!live && hasRecording) void load();
    else setRecording(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [call.id, live, call.recording_url]);

  return (
    <Card title="Recording">
      {live ? (
        <p class="muted">The recording is ready when the call ends.</p>
      ) : error ? (
        <ErrorNote error={error} retry={load} />
      ) : !hasRecording || missing !== null ? (
        <p>
          <strong>No recording.</strong>{" "}
          <span class="muted">
            {call.duration
              ? "This call was not recorded (recording is off for its agent, or the recording was deleted)."
              : "The call was not answered, so there is nothing to hear."}
          </span>
        </p>
      ) : loading || !recording ? (
        <Loading label="Loading the recording…" />
      ) : (
        <div>
          <audio controls preload="metadata" src={recording.download_url} aria-label="Recording">
            Your browser cannot play WAV audio. <a href={recording.download_url}>Download the recording</a>.
          </audio>
          <div class="recording-meta hint">
            <span>{duration(recording.duration_seconds)}</span>
            <span>
              {recording.format.toUpperCase()}, {bytes(recording.size_bytes)}
            </span>
            <span>Stereo: caller left, agent right</span>
            <a href={recording.download_url} download={`call-${call.id}.wav`}>
              Download
            </a>
          </div>
          <p class="hint">The link expires {ago(recording.expires_at)}; reload the page for a new one.</p>
        </div>
      )}
    </Card>
  );
}

function LatencyCard(props: { call: Call }) {
  const { turns, latency } = props.call;
  if (!turns.length && latency.p50_ms === null) return null;
  return (
    <Card title="Response time">
      <p class="hint">
        From the end of the caller's speech to the agent's first audio: median {ms(latency.p50_ms)}, 95th percentile{" "}
        {ms(latency.p95_ms)}.
      </p>
      {turns.length > 0 && (
        <div class="table-wrap latency-table">
          <table>
            <caption class="sr-only">Latency per turn</caption>
            <thead>
              <tr>
                <th scope="col">Turn</th>
                <th scope="col" class="num">Total</th>
                <th scope="col" class="num">End of speech</th>
                <th scope="col" class="num">Speech to text</th>
                <th scope="col" class="num">LLM first token</th>
                <th scope="col" class="num">First sentence</th>
                <th scope="col" class="num">Text to speech</th>
                <th scope="col" class="num">Playout</th>
                <th scope="col">Interrupted</th>
              </tr>
            </thead>
            <tbody>
              {turns.map((turn) => (
                <tr key={turn.turn}>
                  <th scope="row">{turn.turn}</th>
                  <td class="num">
                    <strong>{ms(turn.latency_ms)}</strong>
                  </td>
                  <td class="num">{ms(turn.endpointing_ms)}</td>
                  <td class="num">{ms(turn.stt_ms)}</td>
                  <td class="num">{ms(turn.llm_first_token_ms)}</td>
                  <td class="num">{ms(turn.first_sentence_ms)}</td>
                  <td class="num">{ms(turn.tts_first_audio_ms)}</td>
                  <td class="num">{ms(turn.playout_ms)}</td>
                  <td>{turn.interrupted ? "Yes" : "No"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function ActionsCard(props: { call: Call }) {
  const actions = props.call.executed_actions ?? [];
  const extracted = actions.filter((action) => action.type === "extract_info");
  const others = actions.filter((action) => action.type !== "extract_info");
  const fields: [string, unknown][] = extracted.flatMap((action) => Object.entries(action.arguments ?? {}));
  return (
    <>
      <Card title="Extracted data">
        {fields.length === 0 ? (
          <p class="muted">
            Nothing was extracted. Give the agent an "extract info" action to collect fields such as an email or a
            preferred date.
          </p>
        ) : (
          <dl class="facts">
            {fields.map(([key, value], index) => (
              <Fragment key={`${key}-${index}`}>
                <dt>{label(key)}</dt>
                <dd>{show(value)}</dd>
              </Fragment>
            ))}
          </dl>
        )}
      </Card>
      <Card title="Actions run">
        {others.length === 0 ? (
          <p class="muted">The agent ran no actions on this call.</p>
        ) : (
          <ul class="actions-list">
            {others.map((action, index) => (
              <li key={action.id ?? index}>
                <div class="action-head">
                  <strong>{action.name ?? "Action"}</strong>
                  <span>
                    {action.type && <span class="hint">{label(action.type)} · </span>}
                    {action.ok ? (
                      <span class="badge badge-green">succeeded</span>
                    ) : (
                      <span class="badge badge-red">failed</span>
                    )}
                  </span>
                </div>
                <dl class="facts">
                  {action.arguments && Object.keys(action.arguments).length > 0 && (
                    <>
                      <dt>Input</dt>
                      <dd class="mono">{show(action.arguments)}</dd>
                    </>
                  )}
                  {action.result !== undefined && action.result !== null && (
                    <>
                      <dt>Result</dt>
                      <dd class="mono">{show(action.result)}</dd>
                    </>
                  )}
                  {action.error && (
                    <>
                      <dt>Error</dt>
                      <dd>{action.error}</dd>
                    </>
                  )}
                  {action.duration_ms !== undefined && (
                    <>
                      <dt>Took</dt>
                      <dd>{ms(action.duration_ms)}</dd>
                    </>
                  )}
                </dl>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}

function AnalysisCard(props: { call: Call }) {
  const { call } = props;
  const live = LIVE_CALL_STATUSES.has(call.status);
  const nothing = !call.summary && !call.sentiment && !call.emotions.length && !call.key_phrases.length;
  return (
    <Card title="Summary">
      {nothing ? (
        <p class="muted">
          {live ? "The summary and sentiment are written when the call ends." : "No summary for this call."}
        </p>
      ) : (
        <div class="stack">
          {call.summary && <p class="summary">{call.summary}</p>}
          <dl class="facts">
            <dt>Sentiment</dt>
            <dd>
              <Sentiment value={call.sentiment} />
            </dd>
            {call.emotions.length > 0 && (
              <>
                <dt>Emotions</dt>
                <dd>
                  <ul class="chips" aria-label="Emotions">
                    {call.emotions.map((emotion) => (
                      <li key={emotion}>{emotion}</li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
            {call.key_phrases.length > 0 && (
              <>
                <dt>Key phrases</dt>
                <dd>
                  <ul class="chips" aria-label="Key phrases">
                    {call.key_phrases.map((phrase) => (
                      <li key={phrase}>{phrase}</li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
          </dl>
        </div>
      )}
    </Card>
  );
}

function Facts(props: { call: Call; agent: string }) {
  const { call } = props;
  const parts = call.cost_breakdown?.parts ?? {};
  return (
    <Card title="Details">
      <dl class="facts">
        <dt>From</dt>
        <dd class="mono">{call.phone_number_from ?? (call.direction === "web" ? "Browser" : "—")}</dd>
        <dt>To</dt>
        <dd class="mono">{call.phone_number_to ?? (call.direction === "web" ? "Browser" : "—")}</dd>
        <dt>Agent</dt>
        <dd>{call.agent_id ? <a href={`/agents/${call.agent_id}`}>{props.agent}</a> : "—"}</dd>
        <dt>Direction</dt>
        <dd>{label(call.direction)}</dd>
        <dt>Status</dt>
        <dd>
          <CallStatus status={call.status} />
        </dd>
        <dt>End reason</dt>
        <dd>
          {endReason(call.end_call_reason)}
          {call.end_detail && <span class="hint"> ({call.end_detail.replace(/_/g, " ")})</span>}
        </dd>
        <dt>Queued</dt>
        <dd>{when(call.created_at)}</dd>
        <dt>Started</dt>
        <dd>{when(call.start_time)}</dd>
        <dt>Ended</dt>
        <dd>{when(call.end_time)}</dd>
        <dt>Duration</dt>
        <dd>{duration(call.duration)}</dd>
        <dt>Cost</dt>
        <dd>
          {money(call.cost)}
          {Object.keys(parts).length > 0 && (
            <span class="hint">
              {" "}
              ({Object.entries(parts)
                .map(([part, value]) => `${part.toUpperCase()} ${money(value)}`)
                .join(", ")}
              )
            </span>
          )}
        </dd>
        <dt>Network</dt>
        <dd>{label(call.provider)}</dd>
        {call.campaign_id && (
          <>
            <dt>Campaign</dt>
            <dd>
              <a href={`/campaigns/${call.campaign_id}`}>Open the campaign</a>
            </dd>
          </>
        )}
        {call.contact_id && (
          <>
            <dt>Contact</dt>
            <dd>
              <a href={`/contacts?open=${call.contact_id}`}>Open the contact</a>
            </dd>
          </>
        )}
      </dl>
    </Card>
  );
}

function Variables(props: { call: Call }) {
  const entries = Object.entries(props.call.prompt_variables ?? {});
  if (!entries.length) return null;
  return (
    <Card title="Variables">
      <p class="hint">The values the agent's prompt was filled with.</p>
      <dl class="facts">
        {entries.map(([key, value]) => (
          <Fragment key={key}>
            <dt class="mono">{key}</dt>
            <dd>{show(value)}</dd>
          </Fragment>
        ))}
      </dl>
    </Card>
  );
}

export default function CallDetail({ id }: { id: string }) {
  const { me } = useAuth();
  const call = useApi<Call>(`/v1/calls/${id}`);
  const agents = useAgentDirectory();
  const refresh = useThrottled(() => void call.reload(), 700);
  useLive(["call."], (event) => {
    const data = event.data ?? {};
    if (data.id === id || data.call_id === id) refresh();
  });

  const data = call.data;
  const live = data ? LIVE_CALL_STATUSES.has(data.status) : false;
  // While a call is live, look again every few seconds (a missed event must not freeze the page).
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => void call.reload(), 5000);
    return () => clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [live, id]);

  const other = data ? (data.direction === "inbound" ? data.phone_number_from : data.phone_number_to) : null;
  const title = data ? `${DIRECTION_WORDS[data.direction] ?? "Call"}${other ? ` ${data.direction === "inbound" ? "from" : "to"} ${other}` : ""}` : "Call";
  useTitle(title);

  const hangUp = useAction(async () => {
    const ended = await api<Call>(`/v1/calls/${id}/hangup`, { method: "POST" });
    call.setData(ended);
    toast("Hanging up");
  });

  if (call.loading && !data) return <Loading label="Loading the call…" />;
  if (!data)
    return (
      <div class="call-detail">
        <PageHeader title="Call" />
        <ErrorNote error={call.error} retry={call.reload} />
        <a href="/calls">Back to calls</a>
      </div>
    );

  const agent = agents.nameOf(data.agent_id);
  return (
    <div class="call-detail">
      <p>
        <a href="/calls">← Calls</a>
      </p>
      <PageHeader title={title} subtitle={`${when(data.start_time ?? data.created_at)} · ${agent}`}>
        {data.conversation_id && (
          <a class="btn btn-secondary" href={`/inbox/${data.conversation_id}`}>
            Open conversation
          </a>
        )}
        {live && can(me, "inbox") && (
          <Button variant="danger" busy={hangUp.busy} onClick={() => void hangUp.run()}>
            Hang up
          </Button>
        )}
      </PageHeader>
      {call.error ? <ErrorNote error={call.error} retry={call.reload} /> : null}
      <ErrorNote error={hangUp.error} />
      {live && (
        <p class="live-note" role="status">
          <span class="pulse" aria-hidden="true" />
          {data.status === "queued"
            ? "Waiting for a free line…"
            : data.status === "initiated"
              ? "Ringing…"
              : "On the call now. This page updates as it goes."}
        </p>
      )}

      <div class="call-stats">
        <Stat label="Status" value={<CallStatus status={data.status} />} />
        <Stat
          label="Duration"
          value={<Elapsed since={data.status === "in_progress" ? data.start_time : null} seconds={data.duration} live={live} />}
        />
        <Stat label="Cost" value={money(data.cost)} />
        <Stat label="Sentiment" value={<Sentiment value={data.sentiment} />} />
        <Stat label="Median response" value={ms(data.latency.p50_ms)} />
      </div>

      <div class="split">
        <div>
          <RecordingCard call={data} />
          <Transcript call={data} />
          <LatencyCard call={data} />
        </div>
        <div>
          <AnalysisCard call={data} />
          <Facts call={data} agent={agent} />
          <ActionsCard call={data} />
          <Variables call={data} />
        </div>
      </div>
    </div>
  );
}
