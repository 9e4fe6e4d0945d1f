// One webhook's delivery log: every event sent, how it went, and a retry for the failed ones.

import { useEffect, useState } from "preact/hooks";

import { api, type Page } from "../api";
import { ago, when } from "../format";
import { useApi } from "../hooks";
import { Badge, Button, DetailModal, Empty, ErrorNote, FilterSelect, Loading, Pager, Table, toast } from "./ui";

export interface Delivery {
  id: string;
  webhook_id: string;
  event: string;
  status: "pending" | "delivered" | "retrying" | "failed";
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
}

interface Attempt {
  number: number;
  url: string;
  request_headers: Record<string, string>;
  status_code: number | null;
  response_excerpt: string | null;
  duration_ms: number;
  error: string | null;
  created_at: string;
}

interface DeliveryDetail extends Delivery {
  payload: Record<string, unknown>;
  attempt_log: Attempt[];
}

const TONE: Record<string, string> = { pending: "amber", delivered: "green", retrying: "amber", failed: "red" };
const STATUSES = [
  { value: "pending", label: "Pending" },
  { value: "delivered", label: "Delivered" },
  { value: "retrying", label: "Retrying" },
  { value: "failed", label: "Failed" },
];
const LIMIT = 20;

function code(status: number | null) {
  if (status === null) return <span class="muted">—</span>;
  return <span class={`wh-code ${status >= 200 && status < 300 ? "ok" : "bad"}`}>{status}</span>;
}

function RetryButton(props: { delivery: Delivery; onDone: () => void; onError: (error: unknown) => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <Button
      busy={busy}
      aria-label="Retry"
      title={`Retry the ${props.delivery.event} delivery`}
      onClick={async (event) => {
        event.stopPropagation();
        setBusy(true);
        try {
          await api(`/v1/webhook-deliveries/${props.delivery.id}/retry`, { method: "POST" });
          toast("Retry queued");
          props.onDone();
        } catch (error) {
          props.onError(error);
        } finally {
          setBusy(false);
        }
      }}
    >
      Retry
    </Button>
  );
}

export function Deliveries(props: { webhookId: string; writer: boolean; refreshKey: number }) {
  const [status, setStatus] = useState("");
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const list = useApi<Page<Delivery>>(`/v1/webhooks/${props.webhookId}/deliveries`, {
    query: { status, limit: LIMIT, offset },
  });
  const detail = useApi<DeliveryDetail>(open ? `/v1/webhook-deliveries/${open}` : null);

  useEffect(() => {
    setOffset(0);
    setOpen(null);
    setActionError(null);
  }, [props.webhookId]);
  useEffect(() => {
    if (props.refreshKey) void list.reload();
  }, [props.refreshKey]);

  // Deliveries on their way change by themselves: look again every 10 seconds meanwhile.
  const moving = (list.data?.items ?? []).some((d) => d.status === "pending");
  useEffect(() => {
    if (!moving) return;
    const timer = setInterval(() => void list.reload(), 10000);
    return () => clearInterval(timer);
  }, [moving]);

  const retryable = (d: Delivery) => props.writer && (d.status === "failed" || d.status === "retrying");

  return (
    <div class="wh-deliveries">
      <div class="toolbar">
        <FilterSelect
          label="Delivery status"
          any="All"
          options={STATUSES}
          value={status}
          onChange={(value) => {
            setStatus(value);
            setOffset(0);
          }}
        />
        <Button onClick={() => void list.reload()} busy={list.loading && !!list.data}>
          Refresh
        </Button>
      </div>
      <ErrorNote error={actionError} />
      <ErrorNote error={list.error} retry={list.reload} />
      {!list.data && list.loading && <Loading label="Loading deliveries…" />}
      {list.data && list.data.items.length === 0 && (
        <Empty title={status ? `No ${status} deliveries` : "No deliveries yet"}>
          {status
            ? "Show all statuses to see the rest."
            : "A delivery is made each time a subscribed event happens. Use “Send test” to send one now."}
        </Empty>
      )}
      {list.data && list.data.items.length > 0 && (
        <>
          <div class="stacked">
          <Table
            caption="Deliveries"
            rows={list.data.items}
            rowKey={(d) => d.id}
            onOpen={(d) => setOpen(d.id)}
            columns={[
              { label: "Event", render: (d) => <code>{d.event}</code> },
              { label: "Status", render: (d) => <Badge value={d.status} tone={TONE[d.status]} /> },
              { label: "HTTP", class: "num", render: (d) => code(d.last_status_code) },
              { label: "Attempts", class: "num", render: (d) => d.attempts },
              {
                label: "Time",
                render: (d) => (
                  <time datetime={d.created_at} title={when(d.created_at)}>
                    {ago(d.created_at)}
                  </time>
                ),
              },
              {
                label: "Response",
                render: (d) =>
                  d.last_error ? (
                    <span class="wh-excerpt bad">{d.last_error}</span>
                  ) : d.status === "retrying" && d.next_attempt_at ? (
                    <span class="muted">next try {ago(d.next_attempt_at)}</span>
                  ) : d.delivered_at ? (
                    <span class="muted">delivered {ago(d.delivered_at)}</span>
                  ) : (
                    <span class="muted">—</span>
                  ),
              },
              {
                label: "Actions",
                render: (d) => (
                  <div class="wh-row-actions">
                    <button
                      type="button"
                      class="link"
                      onClick={(event) => {
                        event.stopPropagation();
                        setOpen(d.id);
                      }}
                    >
                      Details<span class="sr-only"> of the {d.event} delivery</span>
                    </button>
                    {retryable(d) && (
                      <RetryButton
                        delivery={d}
                        onError={setActionError}
                        onDone={() => {
                          setActionError(null);
                          void list.reload();
                        }}
                      />
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

      <DetailModal title="Delivery" id={open} detail={detail} loadingLabel="Loading the delivery…" onClose={() => setOpen(null)}>
        {(delivery) => (
          <div class="wh-detail stack">
            <dl class="facts">
              <dt>Event</dt>
              <dd>
                <code>{delivery.event}</code>
              </dd>
              <dt>Status</dt>
              <dd>
                <Badge value={delivery.status} tone={TONE[delivery.status]} />
              </dd>
              <dt>Delivery id</dt>
              <dd class="mono">{delivery.id}</dd>
              <dt>Created</dt>
              <dd>{when(delivery.created_at)}</dd>
              {delivery.next_attempt_at && (
                <>
                  <dt>Next attempt</dt>
                  <dd>{when(delivery.next_attempt_at)}</dd>
                </>
              )}
            </dl>
            {retryable(delivery) && (
              <RetryButton
                delivery={delivery}
                onError={setActionError}
                onDone={() => {
                  void detail.reload();
                  void list.reload();
                }}
              />
            )}
            <h3>Attempts</h3>
            {delivery.attempt_log.length === 0 ? (
              <p class="muted">No attempt yet: the first one is on its way.</p>
            ) : (
              <ol class="wh-attempts">
                {delivery.attempt_log.map((attempt) => (
                  <li>
                    <div class="wh-attempt-head">
                      <strong>Attempt {attempt.number}</strong>
                      {code(attempt.status_code)}
                      <span class="muted">
                        {when(attempt.created_at)} · {Math.round(attempt.duration_ms)} ms
                      </span>
                    </div>
                    {attempt.error && <p class="wh-excerpt bad">{attempt.error}</p>}
                    {attempt.response_excerpt && (
                      <details open>
                        <summary>Response</summary>
                        <pre>{attempt.response_excerpt}</pre>
                      </details>
                    )}
                    <details>
                      <summary>Request headers</summary>
                      <pre>{Object.entries(attempt.request_headers).map(([k, v]) => `${k}: ${v}`).join("\n")}</pre>
                    </details>
                  </li>
                ))}
              </ol>
            )}
            <details>
              <summary>Body sent</summary>
              <pre>{JSON.stringify(delivery.payload, null, 2)}</pre>
            </details>
          </div>
        )}
      </DetailModal>
    </div>
  );
}
