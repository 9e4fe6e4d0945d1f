import "./Webhooks.css";

import { useLocation } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";

import { api, type Page } from "../api";
import { can, useAuth } from "../auth";
import { Badge, Button, Card, Empty, ErrorNote, Loading, Modal, PageHeader, Pager, Table, toast, useAction } from "../components/ui";
import { Deliveries } from "../components/webhook-deliveries";
import { type Webhook, SecretDialog, WebhookForm } from "../components/webhook-form";
import { ago, when } from "../format";
import { useApi, useTitle } from "../hooks";

const LIMIT = 20;

interface TestResult {
  delivery_id: string;
  delivered: boolean;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}

function Events(props: { events: string[] }) {
  if (props.events.includes("*")) return <Badge value="All events" tone="blue" />;
  const shown = props.events.slice(0, 3);
  const rest = props.events.length - shown.length;
  return (
    <span class="wh-event-list">
      {shown.map((e) => (
        <code>{e}</code>
      ))}
      {rest > 0 && <span class="muted" title={props.events.slice(3).join(", ")}>+{rest} more</span>}
    </span>
  );
}

export default function Webhooks() {
  useTitle("Webhooks");
  const { me } = useAuth();
  const writer = can(me, "write");
  const location = useLocation();
  const selectedId = (location.query.webhook as string | undefined) ?? null;
  const [offset, setOffset] = useState(0);
  const [editing, setEditing] = useState<Webhook | null>(null);
  const [formOpen, setFormOpen] = useState(false);
  const [created, setCreated] = useState<Webhook | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const [testResult, setTestResult] = useState<{ webhook: Webhook; result: TestResult } | null>(null);
  const [refreshKey, setRefreshKey] = useState(0);
  const [rowError, setRowError] = useState<unknown>(null);
  const list = useApi<Page<Webhook>>("/v1/webhooks", { query: { limit: LIMIT, offset } });
  const selected = list.data?.items.find((w) => w.id === selectedId) ?? null;

  const chosen = useRef(false);
  const select = (webhook: Webhook | null) => {
    chosen.current = !!webhook;
    location.route(webhook ? `/webhooks?webhook=${webhook.id}` : "/webhooks", true);
  };
  // A log opened from the list comes into view (below the list on a phone).
  useEffect(() => {
    if (!chosen.current || !selected) return;
    chosen.current = false;
    document.querySelector(".wh-log")?.scrollIntoView({ behavior: "smooth", block: "start" });
  }, [selectedId, !!selected]);

  const replace = (webhook: Webhook) =>
    list.data && list.setData({ ...list.data, items: list.data.items.map((w) => (w.id === webhook.id ? webhook : w)) });

  const remove = useAction(async () => {
    await api(`/v1/webhooks/${deleting!.id}`, { method: "DELETE" });
    toast("Webhook deleted");
    if (selectedId === deleting!.id) select(null);
    setDeleting(null);
    await list.reload();
  });

  const [testing, setTesting] = useState<string | null>(null);
  const sendTest = async (webhook: Webhook) => {
    setTesting(webhook.id);
    setRowError(null);
    try {
      const result = await api<TestResult>(`/v1/webhooks/${webhook.id}/test`, { method: "POST" });
      setTestResult({ webhook, result });
      if (selectedId === webhook.id) setRefreshKey((k) => k + 1);
    } catch (error) {
      setRowError(error);
    } finally {
      setTesting(null);
    }
  };

  const toggle = async (webhook: Webhook) => {
    setRowError(null);
    try {
      const result = await api<Webhook>(`/v1/webhooks/${webhook.id}`, { method: "PATCH", body: { enabled: !webhook.enabled } });
      replace(result);
      toast(result.enabled ? "Webhook enabled" : "Webhook disabled");
    } catch (error) {
      setRowError(error);
    }
  };

  const newButton = writer ? (
    <Button
      variant="primary"
      onClick={() => {
        setEditing(null);
        setFormOpen(true);
      }}
    >
      New webhook
    </Button>
  ) : null;

  return (
    <div class="wh-page">
      <PageHeader title="Webhooks" subtitle="Send the workspace's events to your own systems as they happen, signed with a secret.">
        {newButton}
      </PageHeader>

      <ErrorNote error={rowError} />
      <ErrorNote error={list.error} retry={list.reload} />
      {!list.data && list.loading && <Loading label="Loading webhooks…" />}
      {list.data && list.data.items.length === 0 && (
        <Empty title="No webhooks yet" action={newButton}>
          {writer
            ? "Add an endpoint URL and choose events — a new lead, an ended call, a booked meeting — and Frontdesk POSTs each one to it, retrying failures for a day."
            : "Owners and admins add webhooks; they will show here."}
        </Empty>
      )}
      {list.data && list.data.items.length > 0 && (
        <>
          <div class="stacked">
          <Table
            caption="Webhook endpoints"
            rows={list.data.items}
            rowKey={(w) => w.id}
            onOpen={(w) => select(w)}
            columns={[
              {
                label: "Endpoint",
                render: (w) => (
                  <div class={`wh-endpoint ${w.id === selectedId ? "selected" : ""}`}>
                    <span class="mono wh-url">{w.url}</span>
                    {w.description && <span class="muted">{w.description}</span>}
                  </div>
                ),
              },
              { label: "Events", render: (w) => <Events events={w.events} /> },
              {
                label: "Enabled",
                render: (w) =>
                  writer ? (
                    <label class="wh-switch" onClick={(event) => event.stopPropagation()} onKeyDown={(event) => event.stopPropagation()}>
                      <input type="checkbox" role="switch" checked={w.enabled} aria-label={`Enabled: ${w.url}`} onChange={() => void toggle(w)} />
                      <span aria-hidden="true">{w.enabled ? "On" : "Off"}</span>
                    </label>
                  ) : (
                    <Badge value={w.enabled ? "enabled" : "disabled"} />
                  ),
              },
              { label: "Created", render: (w) => <time title={when(w.created_at)}>{ago(w.created_at)}</time> },
              {
                label: "Actions",
                render: (w) => (
                  <div class="wh-row-actions" onClick={(event) => event.stopPropagation()} onKeyDown={(event) => event.stopPropagation()}>
                    <Button variant="ghost" onClick={() => select(w)} aria-pressed={w.id === selectedId}>
                      Deliveries<span class="sr-only"> for {w.url}</span>
                    </Button>
                    {writer && (
                      <>
                        <Button variant="ghost" busy={testing === w.id} onClick={() => void sendTest(w)}>
                          Send test<span class="sr-only"> to {w.url}</span>
                        </Button>
                        <Button
                          variant="ghost"
                          onClick={() => {
                            setEditing(w);
                            setFormOpen(true);
                          }}
                        >
                          Edit<span class="sr-only"> {w.url}</span>
                        </Button>
                        <Button variant="ghost" class="wh-danger" onClick={() => setDeleting(w)}>
                          Delete<span class="sr-only"> {w.url}</span>
                        </Button>
                      </>
                    )}
                  </div>
                ),
              },
            ]}
          />
          </div>
          <Pager total={list.data.total} limit={LIMIT} offset={offset} onChange={setOffset} />
        </>
      )}

      {selectedId && list.data && !selected && (
        <p class="muted">That webhook is not on this page or no longer exists. <button type="button" class="link" onClick={() => select(null)}>Close the delivery log</button></p>
      )}
      {selected && (
        <Card
          title={`Delivery log`}
          class="wh-log"
          actions={
            <Button variant="ghost" onClick={() => select(null)}>
              Close<span class="sr-only"> the delivery log</span>
            </Button>
          }
        >
          <p class="muted wh-log-for">
            For <span class="mono">{selected.url}</span>. Failed attempts are retried after 1 min, 5 min, 30 min, 2 h and 24 h.
          </p>
          <Deliveries webhookId={selected.id} writer={writer} refreshKey={refreshKey} />
        </Card>
      )}

      <WebhookForm
        open={formOpen}
        webhook={editing}
        onClose={() => setFormOpen(false)}
        onSaved={(webhook, isNew) => {
          setFormOpen(false);
          if (isNew) {
            setCreated(webhook);
            void list.reload();
          } else {
            replace(webhook);
            toast("Webhook saved");
          }
        }}
      />
      <SecretDialog webhook={created} onClose={() => setCreated(null)} />

      <Modal title="Test delivery" open={!!testResult} onClose={() => setTestResult(null)}>
        {testResult && (
          <div class="stack">
            <p role="status">
              {testResult.result.delivered ? (
                <Badge value="delivered" tone="green" />
              ) : (
                <Badge value="failed" tone="red" />
              )}{" "}
              A signed <code>webhook.test</code> event was sent to <span class="mono">{testResult.webhook.url}</span>.
            </p>
            <dl class="facts">
              <dt>HTTP status</dt>
              <dd>{testResult.result.status_code ?? "no answer"}</dd>
              <dt>Took</dt>
              <dd>{Math.round(testResult.result.duration_ms)} ms</dd>
              {testResult.result.error && (
                <>
                  <dt>Error</dt>
                  <dd class="wh-excerpt bad">{testResult.result.error}</dd>
                </>
              )}
            </dl>
            <div class="row">
              <Button
                variant="primary"
                onClick={() => {
                  select(testResult.webhook);
                  setRefreshKey((k) => k + 1);
                  setTestResult(null);
                }}
              >
                View delivery log
              </Button>
              <Button variant="ghost" onClick={() => setTestResult(null)}>
                Close
              </Button>
            </div>
          </div>
        )}
      </Modal>

      <Modal title="Delete webhook" open={!!deleting} onClose={() => setDeleting(null)}>
        <p>
          Stop sending events to <span class="mono">{deleting?.url}</span> and delete its delivery log? This cannot be undone.
        </p>
        <ErrorNote error={remove.error} />
        <div class="row">
          <Button variant="danger" busy={remove.busy} onClick={() => void remove.run()}>
            Delete webhook
          </Button>
          <Button variant="ghost" onClick={() => setDeleting(null)}>
            Cancel
          </Button>
        </div>
      </Modal>
    </div>
  );
}
