// Outbound campaigns: their status, agent and progress; "New campaign" creates one.

import "./Campaigns.css";

import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";

import { api, type Page } from "../api";
import { can, useAuth } from "../auth";
import { NewCampaignModal } from "../components/call-campaign-form";
import {
  CAMPAIGN_STATUSES,
  CampaignStatus,
  useAgentDirectory,
  useThrottled,
} from "../components/call-common";
import { Button, Empty, ErrorNote, FilterSelect, Loading, PageHeader, Pager, Table } from "../components/ui";
import { ago, day, label } from "../format";
import { useApi, useLive, useTitle } from "../hooks";

export interface Campaign {
  id: string;
  name: string;
  agent_id: string | null;
  status: string;
  from_number: string | null;
  start_time: string | null;
  end_time: string | null;
  calling_hours: { start: string; end: string; days: number[] } | null;
  timezone: string;
  max_concurrent_calls: number;
  retry: { max_attempts: number; retry_after_minutes: number; on: string[] };
  custom_variables: Record<string, unknown>;
  recipient_count: number;
  launched_at: string | null;
  paused_at: string | null;
  completed_at: string | null;
  cancelled_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface CampaignStats {
  campaign_id: string;
  status: string;
  recipients: number;
  by_status: Record<string, number>;
  attempts: number;
  calls: number;
  calls_by_status: Record<string, number>;
  in_flight: number;
  completion_rate: number;
  answer_rate: number;
}

/** Recipients with a final outcome (neither waiting nor on a call). */
export function finished(stats: CampaignStats): number {
  return stats.recipients - (stats.by_status.pending ?? 0) - (stats.by_status.calling ?? 0);
}

export function ProgressBar(props: { done: number; total: number; label: string }) {
  const share = props.total ? Math.min(1, props.done / props.total) : 0;
  return (
    <div
      class="progress"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={props.total}
      aria-valuenow={props.done}
      aria-valuetext={`${props.done} of ${props.total} done`}
    >
      <span style={{ width: `${(share * 100).toFixed(1)}%` }} />
    </div>
  );
}

const LIMIT = 20;

export default function Campaigns() {
  useTitle("Campaigns");
  const { me } = useAuth();
  const { route } = useLocation();
  const [status, setStatus] = useState("");
  const [agentId, setAgentId] = useState("");
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);
  const [stats, setStats] = useState<Record<string, CampaignStats>>({});
  const agents = useAgentDirectory();
  const campaigns = useApi<Page<Campaign>>("/v1/campaigns", {
    query: { limit: LIMIT, offset, status, agent_id: agentId },
  });

  const loadStats = async (items: Campaign[]) => {
    const pairs = await Promise.all(
      items.map(async (campaign) => {
        try {
          return [campaign.id, await api<CampaignStats>(`/v1/campaigns/${campaign.id}/stats`)] as const;
        } catch {
          return null;
        }
      }),
    );
    setStats((current) => {
      const next = { ...current };
      for (const pair of pairs) if (pair) next[pair[0]] = pair[1];
      return next;
    });
  };

  useEffect(() => {
    if (campaigns.data) void loadStats(campaigns.data.items);
  }, [campaigns.data]);

  const refresh = useThrottled(() => void campaigns.reload(), 1500);
  useLive(["campaign.", "call."], (event) => {
    if (event.event.startsWith("campaign.") || event.data?.campaign_id) refresh();
  });

  const canWrite = can(me, "write");
  const filtered = Boolean(status || agentId);

  const columns = [
    {
      label: "Name",
      render: (campaign: Campaign) => (
        <a href={`/campaigns/${campaign.id}`} class="campaign-name" onClick={(event) => event.stopPropagation()}>
          {campaign.name}
        </a>
      ),
    },
    { label: "Status", render: (campaign: Campaign) => <CampaignStatus status={campaign.status} /> },
    { label: "Agent", render: (campaign: Campaign) => agents.nameOf(campaign.agent_id) },
    {
      label: "Progress",
      class: "campaign-progress-cell",
      render: (campaign: Campaign) => {
        const stat = stats[campaign.id];
        const total = stat?.recipients ?? campaign.recipient_count;
        const done = stat ? finished(stat) : null;
        return (
          <div class="campaign-progress">
            <span>
              {done === null ? "…" : done.toLocaleString()} / {total.toLocaleString()}
              {stat && stat.in_flight > 0 && <span class="hint"> · {stat.in_flight} on the phone</span>}
            </span>
            <ProgressBar done={done ?? 0} total={total} label={`${campaign.name} progress`} />
          </div>
        );
      },
    },
    {
      label: "Created",
      render: (campaign: Campaign) => (
        <span title={ago(campaign.created_at)}>{day(campaign.created_at)}</span>
      ),
    },
  ];

  return (
    <div class="campaigns-page">
      <PageHeader title="Campaigns" subtitle="Outbound calling to a list of people, within calling hours, with retries.">
        {canWrite && (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New campaign
          </Button>
        )}
      </PageHeader>

      <div class="toolbar" role="search" aria-label="Filter campaigns">
        <FilterSelect
          label="Status"
          any="Any status"
          options={CAMPAIGN_STATUSES.map((value) => ({ value, label: label(value) }))}
          value={status}
          onChange={(value) => {
            setStatus(value);
            setOffset(0);
          }}
        />
        <FilterSelect
          label="Agent"
          any="Any agent"
          options={(agents.data ?? []).map((agent) => ({ value: agent.id, label: agent.name }))}
          value={agentId}
          onChange={(value) => {
            setAgentId(value);
            setOffset(0);
          }}
        />
      </div>

      {campaigns.error ? <ErrorNote error={campaigns.error} retry={campaigns.reload} /> : null}
      {campaigns.loading && !campaigns.data ? (
        <Loading label="Loading campaigns…" />
      ) : campaigns.data && campaigns.data.items.length === 0 ? (
        filtered ? (
          <Empty
            title="No campaigns match these filters"
            action={
              <Button
                onClick={() => {
                  setStatus("");
                  setAgentId("");
                }}
              >
                Clear filters
              </Button>
            }
          >
            Try another status or agent.
          </Empty>
        ) : (
          <Empty
            title="No campaigns yet"
            action={
              canWrite ? (
                <Button variant="primary" onClick={() => setCreating(true)}>
                  Create a first campaign
                </Button>
              ) : undefined
            }
          >
            A campaign has an agent call a list of people — from a CSV file or a phone book — during the hours you
            choose, retrying those who did not answer.
          </Empty>
        )
      ) : campaigns.data ? (
        <>
          <div class="campaigns-table">
            <Table
              caption="Campaigns"
              rows={campaigns.data.items}
              columns={columns}
              rowKey={(campaign) => campaign.id}
              onOpen={(campaign) => route(`/campaigns/${campaign.id}`)}
            />
          </div>
          <Pager total={campaigns.data.total} limit={LIMIT} offset={offset} onChange={setOffset} />
        </>
      ) : null}

      {canWrite && <NewCampaignModal open={creating} onClose={() => setCreating(false)} />}
    </div>
  );
}
