// One campaign: live progress, launch / pause / resume / cancel, its settings and recipients.

import "./Campaigns.css";

import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";

import { ApiError, api, type Page } from "../api";
import { can, useAuth } from "../auth";
import { recipientsError } from "../components/call-campaign-form";
import {
  CampaignStatus,
  RECIPIENT_STATUSES,
  RecipientStatus,
  daysInWords,
  recipientStatusWord,
  useAgentDirectory,
  useThrottled,
} from "../components/call-common";
import { type RecipientsChoice, RecipientsPicker } from "../components/call-recipients";
import {
  Button,
  Card,
  Empty,
  ErrorNote,
  Field,
  Loading,
  Modal,
  PageHeader,
  Pager,
  Stat,
  Table,
  toast,
  useAction,
} from "../components/ui";
import { ago, label, percent, when } from "../format";
import { useApi, useLive, useTitle } from "../hooks";
import { type Campaign, type CampaignStats, ProgressBar, finished } from "./Campaigns";

interface Recipient {
  id: string;
  phone_number: string;
  name: string | null;
  contact_id: string | null;
  timezone: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_call_id: string | null;
  last_outcome: string | null;
}

const LAUNCH_REASONS: Record<string, string> = {
  not_draft: "Only a draft campaign can be launched.",
  no_recipients: "It has no recipients: add some first.",
  no_agent: "Its agent was deleted: choose another agent.",
  agent_disabled: "Its agent is disabled: enable the agent under Agents.",
  window_ended: "Its stop time has passed.",
  no_from_number: "It has no number to call from: add a phone number for the agent, or choose one.",
};

const LIMIT = 25;

/** A 409 CAMPAIGN_CANNOT_LAUNCH: each reason on its own line, in words. */
function LaunchError(props: { error: unknown }) {
  const error = props.error;
  if (!(error instanceof ApiError) || error.code !== "CAMPAIGN_CANNOT_LAUNCH") return <ErrorNote error={error} />;
  const codes: string[] = Array.isArray(error.details?.reasons) ? error.details.reasons : [];
  return (
    <div class="error-note campaign-launch-error" role="alert">
      <div>
        <strong>The campaign cannot be launched:</strong>
        <ul>
          {codes.length ? (
            codes.map((code) => <li key={code}>{LAUNCH_REASONS[code] ?? label(code)}</li>)
          ) : (
            <li>{error.message}</li>
          )}
        </ul>
      </div>
      <span class="code">{error.code}</span>
    </div>
  );
}

function AddRecipients(props: { campaign: Campaign; onClose: () => void; onAdded: () => void }) {
  const [choice, setChoice] = useState<RecipientsChoice>({ payload: null, count: 0, problem: null });
  const [localError, setLocalError] = useState<string | null>(null);
  const add = useAction(async () => {
    const result = await api<{ added: number; duplicates: number; recipient_count: number }>(
      `/v1/campaigns/${props.campaign.id}/recipients`,
      { body: choice.payload },
    );
    toast(
      result.duplicates
        ? `Added ${result.added}; ${result.duplicates} were already in the campaign`
        : `Added ${result.added} ${result.added === 1 ? "recipient" : "recipients"}`,
    );
    props.onAdded();
    props.onClose();
  });
  const fieldMessage = recipientsError(add.error);
  return (
    <form
      class="campaign-form"
      onSubmit={(event) => {
        event.preventDefault();
        setLocalError(null);
        if (!choice.payload) {
          setLocalError(choice.problem ?? "Choose who to add.");
          return;
        }
        void add.run();
      }}
    >
      <RecipientsPicker onChange={setChoice} />
      {props.campaign.status === "active" && (
        <p class="hint">The campaign is running: new recipients are called within its calling hours.</p>
      )}
      {localError && (
        <p class="field-error campaign-form-error" role="alert">
          {localError}
        </p>
      )}
      {fieldMessage ? (
        <p class="field-error campaign-form-error" role="alert">
          {fieldMessage}
        </p>
      ) : (
        <ErrorNote error={add.error} />
      )}
      <div class="call-form-actions">
        <span class="hint">Numbers already in the campaign are skipped.</span>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button type="submit" variant="primary" busy={add.busy}>
          Add recipients
        </Button>
      </div>
    </form>
  );
}

export default function CampaignDetail({ id }: { id: string }) {
  const { me } = useAuth();
  const { route } = useLocation();
  const campaign = useApi<Campaign>(`/v1/campaigns/${id}`);
  const stats = useApi<CampaignStats>(`/v1/campaigns/${id}/stats`);
  const [recipientStatus, setRecipientStatus] = useState("");
  const [offset, setOffset] = useState(0);
  const recipients = useApi<Page<Recipient>>(`/v1/campaigns/${id}/recipients`, {
    query: { limit: LIMIT, offset, status: recipientStatus },
  });
  const agents = useAgentDirectory();
  const [adding, setAdding] = useState(false);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  useTitle(campaign.data?.name ?? "Campaign");

  const reloadAll = () => {
    void campaign.reload();
    void stats.reload();
    void recipients.reload();
  };
  const refresh = useThrottled(reloadAll, 1200);
  useLive(["campaign.", "call."], (event) => {
    const data = event.data ?? {};
    if (data.campaign_id === id || data.id === id) refresh();
  });

  // While it runs, look again now and then too: dialing and ringing raise no live event.
  const running = campaign.data?.status === "active";
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      void stats.reload();
      void recipients.reload();
    }, 10000);
    return () => clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [running, id, offset, recipientStatus]);

  const act = useAction(async (action: "launch" | "pause" | "resume" | "cancel") => {
    const updated = await api<Campaign>(`/v1/campaigns/${id}/${action}`, { method: "POST" });
    campaign.setData(updated);
    void stats.reload();
    void recipients.reload();
    const words = { launch: "Campaign launched: calling starts now", pause: "Campaign paused", resume: "Campaign resumed", cancel: "Campaign cancelled" };
    toast(words[action]);
    setConfirmCancel(false);
  });
  const remove = useAction(async () => {
    await api(`/v1/campaigns/${id}`, { method: "DELETE" });
    toast("Campaign deleted");
    route("/campaigns");
  });

  if (campaign.loading && !campaign.data) return <Loading label="Loading the campaign…" />;
  const data = campaign.data;
  if (!data)
    return (
      <div class="campaign-detail">
        <PageHeader title="Campaign" />
        <ErrorNote error={campaign.error} retry={campaign.reload} />
        <a href="/campaigns">Back to campaigns</a>
      </div>
    );

  const canWrite = can(me, "write");
  const s = stats.data;
  const by = s?.by_status ?? {};
  const total = s?.recipients ?? data.recipient_count;
  const done = s ? finished(s) : 0;
  const notReached = (by.no_answer ?? 0) + (by.busy ?? 0) + (by.voicemail ?? 0);
  const closed = data.status === "completed" || data.status === "cancelled";
  const hours = data.calling_hours;

  const recipientColumns = [
    {
      label: "Phone",
      render: (row: Recipient) => (
        <span class="recipient-phone">
          <span class="mono">{row.phone_number}</span>
          <span class="hint">{row.timezone}</span>
        </span>
      ),
    },
    { label: "Name", render: (row: Recipient) => row.name || <span class="muted">—</span> },
    { label: "Status", render: (row: Recipient) => <RecipientStatus status={row.status} /> },
    { label: "Attempts", class: "num", render: (row: Recipient) => `${row.attempts} / ${data.retry.max_attempts}` },
    {
      label: "Next attempt",
      render: (row: Recipient) =>
        row.status === "calling" ? (
          <span class="muted">On the phone</span>
        ) : row.next_attempt_at && row.status === "pending" ? (
          new Date(row.next_attempt_at).getTime() <= Date.now() ? (
            <span title={when(row.next_attempt_at)}>{data.status === "active" ? "Due now" : "When running"}</span>
          ) : (
            <span title={when(row.next_attempt_at)}>{ago(row.next_attempt_at)}</span>
          )
        ) : (
          <span class="muted">—</span>
        ),
    },
    {
      label: "Last outcome",
      render: (row: Recipient) =>
        row.last_call_id ? (
          <a href={`/calls/${row.last_call_id}`}>{row.last_outcome ? label(row.last_outcome) : "Open the call"}</a>
        ) : row.last_outcome ? (
          label(row.last_outcome)
        ) : (
          <span class="muted">Not called yet</span>
        ),
    },
  ];

  return (
    <div class="campaign-detail">
      <p>
        <a href="/campaigns">← Campaigns</a>
      </p>
      <PageHeader
        title={data.name}
        subtitle={`${agents.nameOf(data.agent_id)} · created ${when(data.created_at)}`}
      >
        <CampaignStatus status={data.status} />
        <a class="btn btn-secondary" href={`/calls?campaign_id=${data.id}`}>
          View calls
        </a>
        {canWrite && data.status === "draft" && (
          <Button variant="primary" busy={act.busy} onClick={() => void act.run("launch")}>
            Launch
          </Button>
        )}
        {canWrite && data.status === "active" && (
          <Button busy={act.busy} onClick={() => void act.run("pause")}>
            Pause
          </Button>
        )}
        {canWrite && data.status === "paused" && (
          <Button variant="primary" busy={act.busy} onClick={() => void act.run("resume")}>
            Resume
          </Button>
        )}
        {canWrite && !closed && (
          <Button variant="danger" disabled={act.busy} onClick={() => setConfirmCancel(true)}>
            Cancel campaign
          </Button>
        )}
        {canWrite && (data.status === "draft" || closed) && (
          <Button variant="ghost" onClick={() => setConfirmDelete(true)}>
            Delete
          </Button>
        )}
      </PageHeader>

      {act.error ? <LaunchError error={act.error} /> : null}
      {campaign.error ? <ErrorNote error={campaign.error} retry={campaign.reload} /> : null}
      {data.status === "draft" && !act.error && (
        <p class="campaign-note">
          This campaign is a draft: nobody is called until you launch it.
          {total === 0 && " Add recipients first."}
        </p>
      )}

      <Card title="Progress" class="campaign-progress-card">
        {stats.error ? <ErrorNote error={stats.error} retry={stats.reload} /> : null}
        <div class="campaign-progress-line" aria-live="polite">
          <span>
            <strong>{done.toLocaleString()}</strong> of {total.toLocaleString()} recipients done
          </span>
          <span class="hint">
            {s ? `${percent(s.completion_rate)} done · ${percent(s.answer_rate)} reached` : "…"}
          </span>
        </div>
        <ProgressBar done={done} total={total} label="Campaign progress" />
        <div class="campaign-stats">
          <Stat label="Queued" value={(by.pending ?? 0).toLocaleString()} />
          <Stat label="In progress" value={(s?.in_flight ?? by.calling ?? 0).toLocaleString()} />
          <Stat label="Completed" value={(by.completed ?? 0).toLocaleString()} />
          <Stat label="Not reached" value={notReached.toLocaleString()} hint="No answer, busy or voicemail" />
          <Stat label="Failed" value={(by.failed ?? 0).toLocaleString()} />
          <Stat label="Calls made" value={(s?.calls ?? 0).toLocaleString()} hint={s ? `${s.attempts} ${s.attempts === 1 ? "attempt" : "attempts"}` : undefined} />
        </div>
        {((by.cancelled ?? 0) > 0 || (by.skipped ?? 0) > 0) && (
          <p class="hint">
            {by.cancelled ? `${by.cancelled} cancelled` : ""}
            {by.cancelled && by.skipped ? " · " : ""}
            {by.skipped ? `${by.skipped} skipped` : ""}
          </p>
        )}
      </Card>

      <div class="split">
        <section class="campaign-recipients" aria-labelledby="recipients-title">
          <div class="card-header">
            <h2 id="recipients-title">Recipients</h2>
            {canWrite && !closed && <Button onClick={() => setAdding(true)}>Add recipients</Button>}
          </div>
          <div class="toolbar">
            <Field label="Recipient status">
              {(fieldId) => (
                <select
                  id={fieldId}
                  value={recipientStatus}
                  onChange={(e) => {
                    setRecipientStatus((e.currentTarget as HTMLSelectElement).value);
                    setOffset(0);
                  }}
                >
                  <option value="">Any status</option>
                  {RECIPIENT_STATUSES.map((value) => (
                    <option value={value} key={value}>
                      {recipientStatusWord(value)}
                      {by[value] !== undefined ? ` (${by[value]})` : ""}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          {recipients.error ? <ErrorNote error={recipients.error} retry={recipients.reload} /> : null}
          {recipients.loading && !recipients.data ? (
            <Loading label="Loading recipients…" />
          ) : recipients.data && recipients.data.items.length === 0 ? (
            recipientStatus ? (
              <Empty title={`No ${recipientStatusWord(recipientStatus).toLowerCase()} recipients`}>
                Choose another status to see the others.
              </Empty>
            ) : (
              <Empty
                title="No recipients yet"
                action={
                  canWrite && !closed ? (
                    <Button variant="primary" onClick={() => setAdding(true)}>
                      Add recipients
                    </Button>
                  ) : undefined
                }
              >
                Add the people to call from a CSV file, a phone book, or by typing their numbers.
              </Empty>
            )
          ) : recipients.data ? (
            <>
              <div class="campaign-recipients-table">
                <Table caption="Recipients" rows={recipients.data.items} columns={recipientColumns} rowKey={(row) => row.id} />
              </div>
              <Pager total={recipients.data.total} limit={LIMIT} offset={offset} onChange={setOffset} />
            </>
          ) : null}
        </section>

        <Card title="Settings">
          <dl class="facts">
            <dt>Agent</dt>
            <dd>{data.agent_id ? <a href={`/agents/${data.agent_id}`}>{agents.nameOf(data.agent_id)}</a> : "—"}</dd>
            <dt>Calls from</dt>
            <dd>{data.from_number ? <span class="mono">{data.from_number}</span> : "The agent's number"}</dd>
            <dt>Calling hours</dt>
            <dd>{hours ? `${hours.start}–${hours.end}, ${daysInWords(hours.days)}` : "Any time"}</dd>
            <dt>Time zone</dt>
            <dd>{data.timezone}</dd>
            <dt>Calls at once</dt>
            <dd>{data.max_concurrent_calls}</dd>
            <dt>Attempts</dt>
            <dd>
              {data.retry.max_attempts === 1
                ? "1 (no retry)"
                : `${data.retry.max_attempts}, ${data.retry.retry_after_minutes} min apart, on ${data.retry.on.map((o) => label(o).toLowerCase()).join(", ") || "nothing"}`}
            </dd>
            <dt>Starts</dt>
            <dd>{data.start_time ? when(data.start_time) : "When launched"}</dd>
            <dt>Stops</dt>
            <dd>{data.end_time ? when(data.end_time) : "When everyone has been called"}</dd>
            {data.launched_at && (
              <>
                <dt>Launched</dt>
                <dd>{when(data.launched_at)}</dd>
              </>
            )}
            {data.paused_at && data.status === "paused" && (
              <>
                <dt>Paused</dt>
                <dd>{when(data.paused_at)}</dd>
              </>
            )}
            {data.completed_at && (
              <>
                <dt>Completed</dt>
                <dd>{when(data.completed_at)}</dd>
              </>
            )}
            {data.cancelled_at && (
              <>
                <dt>Cancelled</dt>
                <dd>{when(data.cancelled_at)}</dd>
              </>
            )}
            {Object.keys(data.custom_variables ?? {}).length > 0 && (
              <>
                <dt>Variables</dt>
                <dd>
                  {Object.entries(data.custom_variables).map(([key, value]) => (
                    <div key={key}>
                      <span class="mono">{key}</span>: {String(value)}
                    </div>
                  ))}
                </dd>
              </>
            )}
          </dl>
        </Card>
      </div>

      <Modal title="Add recipients" open={adding} onClose={() => setAdding(false)} wide>
        <AddRecipients campaign={data} onClose={() => setAdding(false)} onAdded={reloadAll} />
      </Modal>

      <Modal title="Cancel this campaign?" open={confirmCancel} onClose={() => setConfirmCancel(false)}>
        <p>
          Nobody more is called. Calls in progress finish. A cancelled campaign cannot be launched again.
        </p>
        {act.error ? <ErrorNote error={act.error} /> : null}
        <div class="call-form-actions">
          <Button onClick={() => setConfirmCancel(false)}>Keep it</Button>
          <Button variant="danger" busy={act.busy} onClick={() => void act.run("cancel")}>
            Yes, cancel it
          </Button>
        </div>
      </Modal>

      <Modal title="Delete this campaign?" open={confirmDelete} onClose={() => setConfirmDelete(false)}>
        <p>The campaign and its recipients are deleted. Its calls stay in the call log.</p>
        <ErrorNote error={remove.error} />
        <div class="call-form-actions">
          <Button onClick={() => setConfirmDelete(false)}>Keep it</Button>
          <Button variant="danger" busy={remove.busy} onClick={() => void remove.run()}>
            Delete campaign
          </Button>
        </div>
      </Modal>
    </div>
  );
}
