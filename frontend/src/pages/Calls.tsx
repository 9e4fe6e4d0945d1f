// The call log: every inbound, outbound and browser call, filtered, live.

import "./Calls.css";

import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";

import { type Page } from "../api";
import { can, useAuth } from "../auth";
import {
  CALL_STATUSES,
  CallStatus,
  Sentiment,
  callStatusWord,
  endReason,
  plainFieldError,
  useAgentDirectory,
  useThrottled,
} from "../components/call-common";
import { NewCallModal } from "../components/call-new";
import { normalizePhone } from "../components/call-recipients";
import { Button, Empty, ErrorNote, Field, FilterSelect, Loading, PageHeader, Pager, Table } from "../components/ui";
import { ago, duration, when } from "../format";
import { useApi, useLive, useTitle } from "../hooks";

export interface CallRow {
  id: string;
  agent_id: string | null;
  campaign_id: string | null;
  direction: "inbound" | "outbound" | "web";
  status: string;
  end_call_reason: string | null;
  phone_number_from: string | null;
  phone_number_to: string | null;
  start_time: string | null;
  end_time: string | null;
  duration: number | null;
  sentiment: string | null;
  created_at: string;
}

const LIMIT = 25;
const FILTERS = ["status", "direction", "agent_id", "campaign_id", "from", "to", "phone"] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

const DIRECTIONS: Record<string, string> = { inbound: "Inbound", outbound: "Outbound", web: "Browser" };

function DirectionLabel(props: { value: string }) {
  const arrow = props.value === "inbound" ? "↙" : props.value === "outbound" ? "↗" : "◎";
  return (
    <span class={`call-direction ${props.value}`}>
      <span aria-hidden="true">{arrow}</span> {DIRECTIONS[props.value] ?? props.value}
    </span>
  );
}

/** A date input's day as the API's start/end of that day in the viewer's time zone. */
function dayBound(value: string | undefined, end: boolean): string | undefined {
  if (!value) return undefined;
  const [year, month, date] = value.split("-").map(Number);
  const local = end ? new Date(year, month - 1, date, 23, 59, 59, 999) : new Date(year, month - 1, date);
  return Number.isNaN(local.getTime()) ? undefined : local.toISOString();
}

function who(number: string | null | undefined): string {
  return number || "Browser";
}

export default function Calls() {
  useTitle("Calls");
  const { me } = useAuth();
  const location = useLocation();
  const filters: Filters = {};
  for (const key of FILTERS) {
    const value = location.query[key];
    if (value) filters[key] = value;
  }
  const [offset, setOffset] = useState(0);
  const [phoneText, setPhoneText] = useState(filters.phone ?? "");
  const [newCall, setNewCall] = useState(false);
  const agents = useAgentDirectory();

  const setFilter = (key: keyof Filters, value: string) => {
    const next: Record<string, string> = {};
    for (const name of FILTERS) {
      const current = name === key ? value : filters[name];
      if (current) next[name] = current;
    }
    setOffset(0);
    const text = new URLSearchParams(next).toString();
    location.route(`/calls${text ? `?${text}` : ""}`, true);
  };

  const query = {
    limit: LIMIT,
    offset,
    status: filters.status,
    direction: filters.direction,
    agent_id: filters.agent_id,
    campaign_id: filters.campaign_id,
    phone_number: filters.phone,
    start_date: dayBound(filters.from, false),
    end_date: dayBound(filters.to, true),
  };
  const calls = useApi<Page<CallRow>>("/v1/calls", { query });
  const refresh = useThrottled(() => void calls.reload(), 1000);
  useLive(["call."], refresh);

  const filtered = FILTERS.some((key) => filters[key]);
  const phoneError = plainFieldError(calls.error, "phone_number");
  const canCall = can(me, "inbox");

  const columns = [
    {
      label: "When",
      render: (call: CallRow) => (
        <span class="call-when">
          <a href={`/calls/${call.id}`} onClick={(event) => event.stopPropagation()}>
            {when(call.start_time ?? call.created_at)}
          </a>
          <span class="hint">{ago(call.start_time ?? call.created_at)}</span>
        </span>
      ),
    },
    { label: "Direction", render: (call: CallRow) => <DirectionLabel value={call.direction} /> },
    {
      label: "From → To",
      render: (call: CallRow) => (
        <span class="mono call-numbers">
          <span>{who(call.phone_number_from)}</span>
          <span>
            <span aria-hidden="true">→ </span>
            <span class="sr-only">to </span>
            {who(call.phone_number_to)}
          </span>
        </span>
      ),
    },
    { label: "Agent", render: (call: CallRow) => agents.nameOf(call.agent_id) },
    { label: "Duration", class: "num", render: (call: CallRow) => duration(call.duration) },
    { label: "Status", render: (call: CallRow) => <CallStatus status={call.status} /> },
    { label: "End reason", render: (call: CallRow) => endReason(call.end_call_reason) },
    { label: "Sentiment", render: (call: CallRow) => <Sentiment value={call.sentiment} /> },
  ];

  return (
    <div class="calls-page">
      <PageHeader title="Calls" subtitle="Every phone and browser call your agents handled, live as they happen.">
        {canCall && (
          <Button variant="primary" onClick={() => setNewCall(true)}>
            New call
          </Button>
        )}
      </PageHeader>

      <form
        class="toolbar calls-filters"
        role="search"
        aria-label="Filter calls"
        onSubmit={(event) => {
          event.preventDefault();
          const phone = phoneText.trim() ? normalizePhone(phoneText) : "";
          setPhoneText(phone);
          setFilter("phone", phone);
        }}
      >
        <FilterSelect
          label="Status"
          any="Any status"
          options={CALL_STATUSES.map((status) => ({ value: status, label: callStatusWord(status) }))}
          value={filters.status ?? ""}
          onChange={(value) => setFilter("status", value)}
        />
        <FilterSelect
          label="Direction"
          any="Any direction"
          options={Object.entries(DIRECTIONS).map(([value, label]) => ({ value, label }))}
          value={filters.direction ?? ""}
          onChange={(value) => setFilter("direction", value)}
        />
        <FilterSelect
          label="Agent"
          any="Any agent"
          options={(agents.data ?? []).map((agent) => ({ value: agent.id, label: agent.name }))}
          value={filters.agent_id ?? ""}
          onChange={(value) => setFilter("agent_id", value)}
        />
        <Field label="From date">
          {(id) => (
            <input
              id={id}
              type="date"
              value={filters.from ?? ""}
              max={filters.to}
              onChange={(e) => setFilter("from", (e.currentTarget as HTMLInputElement).value)}
            />
          )}
        </Field>
        <Field label="To date">
          {(id) => (
            <input
              id={id}
              type="date"
              value={filters.to ?? ""}
              min={filters.from}
              onChange={(e) => setFilter("to", (e.currentTarget as HTMLInputElement).value)}
            />
          )}
        </Field>
        <div class="calls-phone">
          <Field label="Phone number" error={phoneError}>
            {(id) => (
              <input
                id={id}
                type="search"
                inputMode="tel"
                placeholder="+14155550123"
                value={phoneText}
                onInput={(e) => setPhoneText((e.currentTarget as HTMLInputElement).value)}
              />
            )}
          </Field>
          <Button type="submit">Search</Button>
        </div>
        {filtered && (
          <Button
            variant="ghost"
            onClick={() => {
              setPhoneText("");
              setOffset(0);
              location.route("/calls", true);
            }}
          >
            Clear filters
          </Button>
        )}
      </form>
      {filters.campaign_id && (
        <p class="hint calls-campaign-filter">
          Showing the calls of one campaign. <a href={`/campaigns/${filters.campaign_id}`}>Open the campaign</a>
        </p>
      )}

      {agents.error ? <ErrorNote error={agents.error} retry={agents.reload} /> : null}
      {calls.error && !phoneError ? <ErrorNote error={calls.error} retry={calls.reload} /> : null}
      {calls.loading && !calls.data ? (
        <Loading label="Loading calls…" />
      ) : calls.data && !calls.error && calls.data.items.length === 0 ? (
        filtered ? (
          <Empty
            title="No calls match these filters"
            action={
              <Button
                onClick={() => {
                  setPhoneText("");
                  location.route("/calls", true);
                }}
              >
                Clear filters
              </Button>
            }
          >
            Try another status, agent or date range.
          </Empty>
        ) : (
          <Empty
            title="No calls yet"
            action={
              canCall ? (
                <Button variant="primary" onClick={() => setNewCall(true)}>
                  Place a first call
                </Button>
              ) : undefined
            }
          >
            Place an outbound call with an agent, launch a campaign, or route a phone number to an agent under
            Settings to take inbound calls. Calls appear here as they happen.
          </Empty>
        )
      ) : calls.data && !calls.error ? (
        <>
          <p class="hint calls-count" aria-live="polite">
            {calls.data.total.toLocaleString()} {calls.data.total === 1 ? "call" : "calls"}
          </p>
          <div class="calls-table">
            <Table
              caption="Calls"
              rows={calls.data.items}
              columns={columns}
              rowKey={(call) => call.id}
              onOpen={(call) => location.route(`/calls/${call.id}`)}
            />
          </div>
          <Pager total={calls.data.total} limit={LIMIT} offset={offset} onChange={setOffset} />
        </>
      ) : null}

      {canCall && <NewCallModal open={newCall} onClose={() => setNewCall(false)} />}
    </div>
  );
}
