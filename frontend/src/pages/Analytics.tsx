import "./Analytics.css";

import { useLocation } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";

import { all, api, request } from "../api";
import { useAuth } from "../auth";
import { BarList, formatPercent } from "../components/chart-bars";
import { TimeChart, formatDay } from "../components/chart-uplot";
import { Button, Card, Empty, ErrorNote, Field, Loading, PageHeader, Stat, fieldError, toast, useAction } from "../components/ui";
import { useLive, useTitle } from "../hooks";
import { count, duration, label, money } from "../format";

// -- shapes of /v1/analytics/* -------------------------------------------------------------------

interface Overview {
  total_conversations: number;
  active_conversations: number;
  active_agents: number;
  avg_response_time_ms: number | null;
  user_satisfaction: number | null;
  total_leads: number;
  avg_messages_per_conversation: number;
  conversion_rate: number;
}
interface Conversations {
  timeline: { date: string; count: number }[];
  by_channel: { channel: string; count: number }[];
  avg_duration_seconds: number | null;
}
interface Costs {
  total_tokens: number;
  llm_cost: number;
  call_cost: number;
  estimated_cost: number;
  by_model: { model: string | null; tokens: number; cost: number; messages: number }[];
  by_agent: { agent_id: string; agent_name: string | null; tokens: number; cost: number }[];
}
interface AgentRow {
  agent_id: string;
  agent_name: string | null;
  conversation_count: number;
  call_count: number;
  avg_response_time_ms: number | null;
  satisfaction: number | null;
  minutes_used: number;
}
interface Calls {
  total_calls: number;
  completed_calls: number;
  failed_calls: number;
  average_duration: number | null;
  success_rate: number;
  cost_per_call: number | null;
  total_cost: number;
  by_status: { status: string; count: number; percentage: number }[];
  by_end_call_reason: { reason: string; count: number; percentage: number }[];
  daily: { date: string; total: number; completed: number; failed: number }[];
}
interface Sentiment {
  positive: number;
  neutral: number;
  negative: number;
  positive_percentage: number;
  neutral_percentage: number;
  negative_percentage: number;
  total: number;
  daily: { date: string; positive: number; neutral: number; negative: number }[];
}
interface Phrase {
  phrase: string;
  count: number;
  frequency: number;
}
interface Funnel {
  total_leads: number;
  stages: { status: string; count: number; percentage: number }[];
}
interface Activity {
  daily: { date: string; new_leads: number }[];
  total: number;
}
interface Figures {
  overview: Overview;
  conversations: Conversations;
  costs: Costs;
  agents: { agents: AgentRow[] };
  calls: Calls;
  sentiment: Sentiment;
  phrases: Phrase[];
  funnel: Funnel;
  activity: Activity;
}

// -- the range -----------------------------------------------------------------------------------

const PRESETS = [
  { key: "today", label: "Today", days: 1 },
  { key: "7d", label: "Last 7 days", days: 7 },
  { key: "30d", label: "Last 30 days", days: 30 },
  { key: "90d", label: "Last 90 days", days: 90 },
] as const;

/** Today's date (YYYY-MM-DD) on the workspace's wall clock: analytics days are its days. */
function todayIn(timezone: string | undefined): string {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: timezone || "UTC" }).format(new Date());
  } catch {
    return new Intl.DateTimeFormat("en-CA").format(new Date());
  }
}

function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function presetOf(start: string, end: string, today: string): string | null {
  if (end !== today) return null;
  return PRESETS.find((p) => addDays(today, -(p.days - 1)) === start)?.key ?? null;
}

const COLORS = {
  primary: "#1d4ed8",
  green: "#16a34a",
  red: "#dc2626",
  gray: "#94a3b8",
  amber: "#d97706",
  violet: "#7c3aed",
};

const FUNNEL_COLORS: Record<string, string> = {
  new: "#60a5fa",
  qualifying: "#3b82f6",
  qualified: "#16a34a",
  booked: "#0f7a3d",
  disqualified: "#dc2626",
  nurturing: "#d97706",
};

const STATUS_COLORS: Record<string, string> = {
  completed: COLORS.green,
  failed: COLORS.red,
  busy: COLORS.amber,
  no_answer: COLORS.amber,
  hangup_on_voicemail: COLORS.violet,
};

const CHANNELS: Record<string, string> = { web_chat: "Web chat", sms: "SMS", voice: "Voice", api: "API" };

function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function tokens(value: number): string {
  return value.toLocaleString();
}

// -- the page ------------------------------------------------------------------------------------

export default function Analytics() {
  useTitle("Analytics");
  const { workspace } = useAuth();
  const { query, path, route } = useLocation();
  const timezone = workspace?.timezone;
  const today = todayIn(timezone);

  const start = query.start ?? addDays(today, -6);
  const end = query.end ?? today;
  const agentId = query.agent ?? "";
  const typeOfCall = query.type ?? "";
  const groupBy = query.group === "week" ? "week" : "day";
  const preset = presetOf(start, end, today);

  // Custom dates are typed into drafts and applied together.
  const [draftStart, setDraftStart] = useState(start);
  const [draftEnd, setDraftEnd] = useState(end);
  useEffect(() => {
    setDraftStart(start);
    setDraftEnd(end);
  }, [start, end]);

  const setQuery = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams();
    const merged: Record<string, string | null | undefined> = { start, end, agent: agentId, type: typeOfCall, group: groupBy, ...changes };
    for (const [key, value] of Object.entries(merged)) {
      if (value && !(key === "group" && value === "day")) next.set(key, value);
    }
    route(`${path}?${next.toString()}`, true);
  };

  const [agents, setAgents] = useState<{ id: string; name: string }[]>([]);
  useEffect(() => {
    all<{ id: string; name: string }>("/v1/agents")
      .then(setAgents)
      .catch(() => setAgents([]));
  }, []);

  const filters = {
    start_date: start,
    end_date: end,
    agent_id: agentId || undefined,
    type_of_call: typeOfCall || undefined,
  };
  const key = JSON.stringify({ ...filters, groupBy });

  const [figures, setFigures] = useState<Figures | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const latest = useRef(0);

  const load = async () => {
    const mine = ++latest.current;
    setLoading(true);
    try {
      const [overview, conversations, costs, agentFigures, calls, sentiment, phrases, funnel, activity] = await Promise.all([
        api<Overview>("/v1/analytics/overview", { query: filters }),
        api<Conversations>("/v1/analytics/conversations", { query: { ...filters, group_by: groupBy } }),
        api<Costs>("/v1/analytics/costs", { query: filters }),
        api<{ agents: AgentRow[] }>("/v1/analytics/agents", { query: filters }),
        api<Calls>("/v1/analytics/calls", { query: filters }),
        api<Sentiment>("/v1/analytics/sentiment", { query: filters }),
        api<Phrase[]>("/v1/analytics/top-phrases", { query: { ...filters, limit: 15 } }),
        api<Funnel>("/v1/analytics/funnel", { query: filters }),
        api<Activity>("/v1/analytics/activity", { query: filters }),
      ]);
      if (mine !== latest.current) return;
      setFigures({ overview, conversations, costs, agents: agentFigures, calls, sentiment, phrases, funnel, activity });
      setError(null);
      setUpdatedAt(new Date());
    } catch (caught) {
      if (mine !== latest.current) return;
      setError(caught);
      setFigures(null);
    } finally {
      if (mine === latest.current) setLoading(false);
    }
  };

  useEffect(() => {
    void load();
    // `key` holds every filter.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  // "Active now" is a state, not a sum: refresh the overview every 30 s and on conversation events.
  const refreshOverview = async () => {
    if (!figures) return;
    try {
      const overview = await api<Overview>("/v1/analytics/overview", { query: filters });
      setFigures((current) => (current ? { ...current, overview } : current));
      setUpdatedAt(new Date());
    } catch {
      // The next full load shows the error.
    }
  };
  const refreshRef = useRef(refreshOverview);
  refreshRef.current = refreshOverview;
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") void refreshRef.current();
    }, 30_000);
    return () => clearInterval(timer);
  }, []);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useLive(["conversation.started", "conversation.ended", "conversation.updated"], () => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      void refreshRef.current();
    }, 2000);
  });
  useEffect(() => () => {
    if (pending.current) clearTimeout(pending.current);
  }, []);

  const download = useAction(async () => {
    const response = await request("/v1/analytics/export", { query: { ...filters, format: "csv" } });
    const blob = await response.blob();
    const disposition = response.headers.get("content-disposition") ?? "";
    const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `frontdesk-analytics-${start}-${end}.csv`;
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    toast(`Downloaded ${name}`);
  });

  const applyCustom = (event: Event) => {
    event.preventDefault();
    setQuery({ start: draftStart, end: draftEnd });
  };

  const rangeError = error && (fieldError(error, "start_date") || fieldError(error, "end_date"));

  return (
    <div class="analytics-page">
      <PageHeader
        title="Analytics"
        subtitle={`Whole days in the workspace's time zone (${timezone || "UTC"}): ${formatDay(start)} – ${formatDay(end)}`}
      >
        <Button variant="secondary" busy={download.busy} onClick={() => download.run()} disabled={!!error}>
          Download CSV
        </Button>
      </PageHeader>

      <section class="card analytics-filters" aria-label="Filters">
        <div class="preset-group" role="group" aria-label="Date range">
          {PRESETS.map((p) => (
            <button
              type="button"
              class={`btn ${preset === p.key ? "btn-primary" : "btn-secondary"}`}
              aria-pressed={preset === p.key}
              onClick={() => setQuery({ start: addDays(today, -(p.days - 1)), end: today })}
            >
              {p.label}
            </button>
          ))}
        </div>
        <form class="custom-range" onSubmit={applyCustom} aria-label="Custom range">
          <Field label="Start date" error={error ? fieldError(error, "start_date") : undefined}>
            {(id) => (
              <input id={id} type="date" value={draftStart} max={draftEnd || undefined} required onInput={(e) => setDraftStart(e.currentTarget.value)} />
            )}
          </Field>
          <Field label="End date" error={error ? fieldError(error, "end_date") : undefined}>
            {(id) => (
              <input id={id} type="date" value={draftEnd} min={draftStart || undefined} required onInput={(e) => setDraftEnd(e.currentTarget.value)} />
            )}
          </Field>
          <Button type="submit" disabled={!draftStart || !draftEnd || (draftStart === start && draftEnd === end)}>
            Apply range
          </Button>
        </form>
        <div class="filter-selects">
          <Field label="Agent">
            {(id) => (
              <select id={id} value={agentId} onChange={(e) => setQuery({ agent: e.currentTarget.value || null })}>
                <option value="">All agents</option>
                {agents.map((a) => (
                  <option value={a.id}>{a.name}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Type of call">
            {(id) => (
              <select id={id} value={typeOfCall} onChange={(e) => setQuery({ type: e.currentTarget.value || null })}>
                <option value="">All conversations and calls</option>
                <option value="inbound">Inbound calls</option>
                <option value="outbound">Outbound calls</option>
                <option value="widget">Browser calls</option>
              </select>
            )}
          </Field>
        </div>
      </section>

      <p class="analytics-status muted" role="status" aria-live="polite">
        {loading ? "Updating figures…" : updatedAt ? `Updated ${updatedAt.toLocaleTimeString()}; active conversations refresh every 30 seconds.` : ""}
      </p>

      {error && (
        <ErrorNote error={error} retry={rangeError ? undefined : () => void load()} />
      )}
      {rangeError && (
        <p class="hint">Pick a range of at most 120 days that starts on or before it ends, or use one of the presets.</p>
      )}
      <ErrorNote error={download.error} />

      {!figures && loading && <Loading label="Loading analytics…" />}
      {figures && <Dashboard figures={figures} groupBy={groupBy} onGroupBy={(g) => setQuery({ group: g })} busy={loading} />}
    </div>
  );
}

function Dashboard(props: { figures: Figures; groupBy: "day" | "week"; onGroupBy: (group: string) => void; busy: boolean }) {
  const { overview, conversations, costs, agents, calls, sentiment, phrases, funnel, activity } = props.figures;
  const nothing = overview.total_conversations === 0 && calls.total_calls === 0 && funnel.total_leads === 0;
  return (
    <div class={`analytics-body ${props.busy ? "is-busy" : ""}`} aria-busy={props.busy}>
      <div class="stat-grid">
        <div class="card"><Stat label="Conversations" value={count(overview.total_conversations)} hint={`${count(overview.active_agents)} ${overview.active_agents === 1 ? "agent" : "agents"} answered`} /></div>
        <div class="card"><Stat label="Active conversations" value={count(overview.active_conversations)} hint="Of these, still open" /></div>
        <div class="card"><Stat label="Avg response time" value={ms(overview.avg_response_time_ms)} hint="Customer message to agent reply" /></div>
        <div class="card"><Stat label="Satisfaction" value={overview.user_satisfaction === null ? "—" : `${overview.user_satisfaction.toFixed(1)} / 5`} hint={overview.user_satisfaction === null ? "No ratings yet" : "Average rating"} /></div>
        <div class="card"><Stat label="Leads" value={count(overview.total_leads)} hint="New leads" /></div>
        <div class="card"><Stat label="Conversion rate" value={formatPercent(overview.conversion_rate)} hint="Leads now qualified or booked" /></div>
        <div class="card"><Stat label="Messages per conversation" value={overview.avg_messages_per_conversation.toLocaleString(undefined, { maximumFractionDigits: 1 })} /></div>
      </div>

      {nothing && (
        <Empty title="Nothing happened in this range">
          No conversations, calls or leads started between these days. Pick a longer range, or <a href="/agents">set up an agent</a> and
          share its chat widget or phone number to start collecting figures.
        </Empty>
      )}

      <div class="split">
        <Card
          title="Conversations over time"
          actions={
            <div class="segmented" role="group" aria-label="Group conversations by">
              {(["day", "week"] as const).map((g) => (
                <button type="button" class={`btn btn-${props.groupBy === g ? "primary" : "secondary"}`} aria-pressed={props.groupBy === g} onClick={() => props.onGroupBy(g)}>
                  {g === "day" ? "Daily" : "Weekly"}
                </button>
              ))}
            </div>
          }
        >
          <TimeChart
            label={`Conversations started per ${props.groupBy}`}
            dates={conversations.timeline.map((p) => p.date)}
            series={[{ label: "Conversations", values: conversations.timeline.map((p) => p.count), color: COLORS.primary }]}
            kind={conversations.timeline.length > 45 ? "line" : "bars"}
            period={props.groupBy}
          />
        </Card>
        <Card title="By channel">
          {conversations.by_channel.length ? (
            <BarList
              label="Conversations by channel"
              items={conversations.by_channel.map((c) => ({
                label: CHANNELS[c.channel] ?? label(c.channel),
                count: c.count,
                percentage: overview.total_conversations ? (c.count * 100) / overview.total_conversations : null,
              }))}
            />
          ) : (
            <p class="muted">No conversations in this range.</p>
          )}
          <dl class="facts analytics-facts">
            <dt>Average length</dt>
            <dd>{conversations.avg_duration_seconds === null ? "—" : duration(conversations.avg_duration_seconds)}</dd>
            <dt>Agents answering</dt>
            <dd>{count(overview.active_agents)}</dd>
          </dl>
        </Card>
      </div>

      <Card title="Calls">
        <div class="mini-stats">
          <Stat label="Calls" value={count(calls.total_calls)} />
          <Stat label="Completed" value={count(calls.completed_calls)} />
          <Stat label="Failed or unanswered" value={count(calls.failed_calls)} />
          <Stat label="Success rate" value={formatPercent(calls.success_rate)} />
          <Stat label="Average duration" value={calls.average_duration === null ? "—" : duration(calls.average_duration)} />
          <Stat label="Cost per call" value={money(calls.cost_per_call)} />
        </div>
        {calls.total_calls === 0 ? (
          <p class="muted">No calls in this range. Calls appear here once an agent takes inbound calls or a campaign dials out.</p>
        ) : (
          <>
            <TimeChart
              label="Calls per day by outcome"
              dates={calls.daily.map((d) => d.date)}
              kind="stacked"
              height={200}
              series={[
                { label: "Completed", values: calls.daily.map((d) => d.completed), color: COLORS.green },
                { label: "Failed", values: calls.daily.map((d) => d.failed), color: COLORS.red },
                { label: "Other", values: calls.daily.map((d) => Math.max(0, d.total - d.completed - d.failed)), color: COLORS.gray },
              ]}
            />
            <div class="grid-2 call-breakdowns">
              <div>
                <h3>By status</h3>
                <BarList
                  label="Calls by status"
                  items={calls.by_status.map((s) => ({ label: label(s.status), count: s.count, percentage: s.percentage, color: STATUS_COLORS[s.status] ?? COLORS.primary }))}
                />
              </div>
              <div>
                <h3>By end reason</h3>
                {calls.by_end_call_reason.length ? (
                  <BarList
                    label="Calls by end reason"
                    color={COLORS.violet}
                    items={calls.by_end_call_reason.map((r) => ({ label: label(r.reason), count: r.count, percentage: r.percentage }))}
                  />
                ) : (
                  <p class="muted">No call has ended yet.</p>
                )}
              </div>
            </div>
          </>
        )}
      </Card>

      <div class="grid-2">
        <Card title="Sentiment">
          {sentiment.total === 0 ? (
            <p class="muted">No analysed conversations in this range. Sentiment is read when a conversation or call ends.</p>
          ) : (
            <>
              <div class="sentiment-split" aria-label="Sentiment shares">
                <div class="sentiment positive"><span>Positive</span><strong>{formatPercent(sentiment.positive_percentage)}</strong><small>{count(sentiment.positive)}</small></div>
                <div class="sentiment neutral"><span>Neutral</span><strong>{formatPercent(sentiment.neutral_percentage)}</strong><small>{count(sentiment.neutral)}</small></div>
                <div class="sentiment negative"><span>Negative</span><strong>{formatPercent(sentiment.negative_percentage)}</strong><small>{count(sentiment.negative)}</small></div>
              </div>
              <TimeChart
                label="Conversation sentiment per day"
                dates={sentiment.daily.map((d) => d.date)}
                kind="stacked"
                height={200}
                series={[
                  { label: "Positive", values: sentiment.daily.map((d) => d.positive), color: COLORS.green },
                  { label: "Neutral", values: sentiment.daily.map((d) => d.neutral), color: COLORS.gray },
                  { label: "Negative", values: sentiment.daily.map((d) => d.negative), color: COLORS.red },
                ]}
              />
            </>
          )}
        </Card>
        <Card title="Lead funnel">
          {funnel.total_leads === 0 ? (
            <p class="muted">No new leads in this range. Leads are created when an agent captures a contact, or under <a href="/contacts">Contacts</a>.</p>
          ) : (
            <>
              <BarList
                label="New leads by lead status"
                items={funnel.stages.map((s) => ({ label: label(s.status), count: s.count, percentage: s.percentage, color: FUNNEL_COLORS[s.status] }))}
              />
              <h3 class="subhead">New leads per day</h3>
              <TimeChart
                label="New leads per day"
                dates={activity.daily.map((d) => d.date)}
                kind="bars"
                height={160}
                series={[{ label: "New leads", values: activity.daily.map((d) => d.new_leads), color: COLORS.amber }]}
              />
            </>
          )}
        </Card>
      </div>

      <Card title="Costs">
        <div class="mini-stats">
          <Stat label="Estimated cost" value={money(costs.estimated_cost)} />
          <Stat label="Tokens" value={tokens(costs.total_tokens)} />
          <Stat label="Model cost" value={money(costs.llm_cost)} />
          <Stat label="Call cost" value={money(costs.call_cost)} />
        </div>
        <div class="grid-2">
          <div>
            <h3>Per model</h3>
            {costs.by_model.length ? (
              <div class="table-wrap">
                <table>
                  <caption class="sr-only">Tokens and cost per model</caption>
                  <thead>
                    <tr><th scope="col">Model</th><th scope="col" class="num">Replies</th><th scope="col" class="num">Tokens</th><th scope="col" class="num">Cost</th></tr>
                  </thead>
                  <tbody>
                    {costs.by_model.map((m) => (
                      <tr>
                        <td>{m.model ?? <span class="muted">Not recorded</span>}</td>
                        <td class="num">{count(m.messages)}</td>
                        <td class="num">{tokens(m.tokens)}</td>
                        <td class="num">{money(m.cost)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p class="muted">No AI replies in this range.</p>
            )}
          </div>
          <div>
            <h3>Per agent</h3>
            {costs.by_agent.length ? (
              <div class="table-wrap">
                <table>
                  <caption class="sr-only">Tokens and cost per agent</caption>
                  <thead>
                    <tr><th scope="col">Agent</th><th scope="col" class="num">Tokens</th><th scope="col" class="num">Cost</th></tr>
                  </thead>
                  <tbody>
                    {costs.by_agent.map((a) => (
                      <tr>
                        <td><a href={`/agents/${a.agent_id}`}>{a.agent_name ?? "Deleted agent"}</a></td>
                        <td class="num">{tokens(a.tokens)}</td>
                        <td class="num">{money(a.cost)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p class="muted">No agent spent anything in this range.</p>
            )}
          </div>
        </div>
      </Card>

      <div class="split">
        <Card title="Agents">
          {agents.agents.length ? (
            <div class="table-wrap">
              <table class="agents-table">
                <caption class="sr-only">Figures per agent</caption>
                <thead>
                  <tr>
                    <th scope="col">Agent</th>
                    <th scope="col" class="num">Conversations</th>
                    <th scope="col" class="num">Calls</th>
                    <th scope="col" class="num">Avg response</th>
                    <th scope="col" class="num">Satisfaction</th>
                    <th scope="col" class="num">Call minutes</th>
                  </tr>
                </thead>
                <tbody>
                  {agents.agents.map((a) => (
                    <tr>
                      <td data-label="Agent"><a href={`/agents/${a.agent_id}`}>{a.agent_name ?? "Deleted agent"}</a></td>
                      <td class="num" data-label="Conversations">{count(a.conversation_count)}</td>
                      <td class="num" data-label="Calls">{count(a.call_count)}</td>
                      <td class="num" data-label="Avg response">{ms(a.avg_response_time_ms)}</td>
                      <td class="num" data-label="Satisfaction">{a.satisfaction === null ? "—" : `${a.satisfaction.toFixed(1)} / 5`}</td>
                      <td class="num" data-label="Call minutes">{a.minutes_used.toLocaleString(undefined, { maximumFractionDigits: 1 })}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p class="muted">No agent had a conversation or call in this range.</p>
          )}
        </Card>
        <Card title="Top phrases">
          {phrases.length ? (
            <BarList
              label="Most frequent key phrases"
              color={COLORS.primary}
              items={phrases.map((p) => ({ label: p.phrase, count: p.count, percentage: p.frequency }))}
            />
          ) : (
            <p class="muted">No key phrases yet. They are extracted when conversations and calls end.</p>
          )}
          {phrases.length > 0 && <p class="hint">Percentages: share of the range's conversations that mention the phrase.</p>}
        </Card>
      </div>
    </div>
  );
}
