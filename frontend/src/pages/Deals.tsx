import "./Deals.css";

import { useLocation } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";

import { api, type Page } from "../api";
import { can, useAuth } from "../auth";
import { Board, type BoardColumn, type Contact, type Deal, DEAL_STAGES, STAGE_TONES, calendarDay, contactName, moneyIn } from "../components/crm-board";
import { DealFormModal } from "../components/crm-deal";
import { Button, Card, Empty, ErrorNote, Loading, PageHeader, Stat, toast } from "../components/ui";
import { label } from "../format";
import { useApi, useLive, useTitle } from "../hooks";

interface StageTotal {
  stage: string;
  count: number;
  value_by_currency: Record<string, string | number>;
}

const PER_STAGE = 100;
const OPEN_STAGES = new Set(["lead", "qualified", "proposal", "negotiation"]);

/** "$1,200.00 + €300.00" for a per-currency total; "—" for none. */
function totalText(byCurrency: Record<string, string | number>): string {
  const parts = Object.entries(byCurrency)
    .filter(([, value]) => Number(value) !== 0)
    .map(([currency, value]) => moneyIn(value, currency));
  return parts.length ? parts.join(" + ") : moneyIn(0, "USD");
}

function addTotals(into: Record<string, number>, from: Record<string, string | number>) {
  for (const [currency, value] of Object.entries(from)) into[currency] = (into[currency] ?? 0) + Number(value);
}

export default function Deals() {
  useTitle("Deals");
  const { me } = useAuth();
  const writer = can(me, "write");
  const location = useLocation();
  const openId = (location.query.open as string | undefined) ?? null;
  const wantsNew = location.query.new === "1";
  const newContact = (location.query.contact_id as string | undefined) ?? undefined;

  const [deals, setDeals] = useState<Deal[] | null>(null);
  const [totals, setTotals] = useState<Record<string, number>>({});
  const [error, setError] = useState<unknown>(null);
  const [contacts, setContacts] = useState<Map<string, Contact>>(new Map());
  const [moving, setMoving] = useState<Set<string>>(new Set());
  const [moveError, setMoveError] = useState<unknown>(null);
  const [creating, setCreating] = useState<{ stage?: string } | null>(null);
  const summary = useApi<{ stages: StageTotal[] }>("/v1/deals/summary");

  const load = async () => {
    try {
      const pages = await Promise.all(
        DEAL_STAGES.map((stage) => api<Page<Deal>>("/v1/deals", { query: { stage, limit: PER_STAGE } })),
      );
      setDeals(pages.flatMap((page) => page.items));
      setTotals(Object.fromEntries(DEAL_STAGES.map((stage, index) => [stage, pages[index].total])));
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  };
  const refresh = () => {
    void load();
    void summary.reload();
  };
  useEffect(() => {
    void load();
  }, []);

  // Names of the contacts on the cards, fetched once each.
  const asked = useRef(new Set<string>());
  useEffect(() => {
    if (!deals) return;
    const missing = [...new Set(deals.map((deal) => deal.contact_id).filter((id): id is string => !!id))].filter(
      (id) => !asked.current.has(id),
    );
    if (!missing.length) return;
    missing.forEach((id) => asked.current.add(id));
    void Promise.all(missing.map((id) => api<Contact>(`/v1/contacts/${id}`).catch(() => null))).then((found) => {
      setContacts((current) => {
        const next = new Map(current);
        found.forEach((contact) => contact && next.set(contact.id, contact));
        return next;
      });
    });
  }, [deals]);

  const timer = useRef<number | undefined>(undefined);
  useLive(["deal."], () => {
    clearTimeout(timer.current);
    timer.current = window.setTimeout(refresh, 400);
  });
  useEffect(() => () => clearTimeout(timer.current), []);

  // A deal asked for by `?open=` that is not on the board (more than 100 in its stage).
  const opened = openId ? (deals?.find((deal) => deal.id === openId) ?? null) : null;
  const fetched = useApi<Deal>(openId && deals && !opened ? `/v1/deals/${openId}` : null);
  const openDeal = opened ?? (fetched.data?.id === openId ? fetched.data : null);

  const close = () => {
    setCreating(null);
    if ((openId || wantsNew) && window.location.pathname === "/deals") location.route("/deals");
  };

  const move = async (deal: Deal, stage: string) => {
    if (!deals) return;
    const previous = deals;
    setDeals(deals.map((item) => (item.id === deal.id ? { ...item, stage: stage as Deal["stage"] } : item)));
    setMoving((current) => new Set(current).add(deal.id));
    setMoveError(null);
    try {
      await api(`/v1/deals/${deal.id}`, { method: "PATCH", body: { stage } });
      toast(`“${deal.title}” moved to ${label(stage)}`);
      void summary.reload();
    } catch (caught) {
      setDeals(previous);
      setMoveError(caught);
    } finally {
      setMoving((current) => {
        const next = new Set(current);
        next.delete(deal.id);
        return next;
      });
    }
  };

  // Per-stage figures: the server's summary (every deal), else what the board holds.
  const byStage = new Map((summary.data?.stages ?? []).map((item) => [item.stage, item]));
  const stageTotal = (stage: string): { count: number; value: Record<string, string | number> } => {
    const known = byStage.get(stage);
    if (known && !moving.size) return { count: known.count, value: known.value_by_currency };
    const local: Record<string, number> = {};
    const here = (deals ?? []).filter((deal) => deal.stage === stage);
    here.forEach((deal) => addTotals(local, { [deal.currency]: deal.value }));
    return { count: Math.max(here.length, known && !moving.size ? known.count : 0), value: local };
  };
  const pipeline: Record<string, number> = {};
  const won: Record<string, number> = {};
  let openCount = 0;
  for (const stage of DEAL_STAGES) {
    const total = stageTotal(stage);
    if (OPEN_STAGES.has(stage)) {
      addTotals(pipeline, total.value);
      openCount += total.count;
    }
    if (stage === "won") addTotals(won, total.value);
  }

  const columns: BoardColumn[] = DEAL_STAGES.map((stage) => {
    const total = stageTotal(stage);
    const shown = (deals ?? []).filter((deal) => deal.stage === stage).length;
    return {
      key: stage,
      title: label(stage),
      tone: STAGE_TONES[stage],
      count: total.count,
      summary: (
        <>
          {total.count} deal{total.count === 1 ? "" : "s"} · <strong>{totalText(total.value)}</strong>
        </>
      ),
      footer: (totals[stage] ?? 0) > shown ? `Showing the newest ${shown} of ${totals[stage]}.` : undefined,
    };
  });

  return (
    <div class="deals-page">
      <PageHeader
        title="Deals"
        subtitle={writer ? "Your pipeline by stage. Drag a card to another stage, or use its “Move to” menu." : "Your pipeline by stage."}
      >
        {writer && (
          <Button variant="primary" onClick={() => setCreating({})}>
            New deal
          </Button>
        )}
      </PageHeader>
      {error ? (
        <ErrorNote error={error} retry={refresh} />
      ) : !deals ? (
        <Loading label="Loading deals…" />
      ) : (
        <>
          {deals.length > 0 && (
            <Card class="deals-stats">
              <div class="deals-stat-row">
                <Stat label="Open pipeline" value={totalText(pipeline)} hint={`${openCount} open deal${openCount === 1 ? "" : "s"}`} />
                <Stat label="Won" value={totalText(won)} hint={`${stageTotal("won").count} won`} />
                <Stat label="Lost" value={String(stageTotal("lost").count)} hint="deals lost" />
              </div>
              {summary.error ? <ErrorNote error={summary.error} retry={summary.reload} /> : null}
            </Card>
          )}
          <ErrorNote error={moveError} />
          {deals.length === 0 ? (
            <Empty
              title="No deals yet"
              action={
                writer && (
                  <Button variant="primary" onClick={() => setCreating({})}>
                    Create the first deal
                  </Button>
                )
              }
            >
              Track what each customer may buy: add a deal with its value and contact, then move it through the stages as it
              progresses.
            </Empty>
          ) : (
            <Board<Deal>
              label="Deals by stage"
              columns={columns}
              items={deals}
              columnOf={(deal) => deal.stage}
              keyOf={(deal) => deal.id}
              titleOf={(deal) => deal.title}
              moving={moving}
              onMove={writer ? (deal, stage) => void move(deal, stage) : undefined}
              empty={(column) => `No deals in ${column.title.toLowerCase()}`}
              renderCard={(deal, titleId) => {
                const contact = deal.contact_id ? contacts.get(deal.contact_id) : null;
                return (
                  <>
                    <div class="crm-card-title" id={titleId}>
                      <button type="button" class="link" onClick={() => location.route(`/deals?open=${deal.id}`)}>
                        {deal.title}
                      </button>
                    </div>
                    <div class="deals-card-value">
                      <span class="crm-card-value">{moneyIn(deal.value, deal.currency)}</span>
                      {deal.probability !== null && <span class="muted">{deal.probability} %</span>}
                    </div>
                    {deal.contact_id && (
                      <p class="crm-card-line">
                        <a href={`/contacts?open=${deal.contact_id}`}>{contact ? contactName(contact) : "Contact"}</a>
                        {contact?.company_name ? ` · ${contact.company_name}` : ""}
                      </p>
                    )}
                    {deal.expected_close_date && <p class="crm-card-line">Closes {calendarDay(deal.expected_close_date)}</p>}
                  </>
                );
              }}
            />
          )}
        </>
      )}
      {openId && deals && !openDeal && fetched.error ? (
        <div class="deals-open-error">
          <ErrorNote error={fetched.error} />
        </div>
      ) : null}
      <DealFormModal
        open={!!creating || (wantsNew && writer) || !!openDeal}
        deal={creating || wantsNew ? null : openDeal}
        defaults={{ contact_id: newContact, stage: creating?.stage }}
        contacts={contacts}
        readOnly={!writer}
        onClose={close}
        onSaved={(deal) => {
          if (deal.contact_id) asked.current.delete(deal.contact_id);
          close();
          refresh();
        }}
        onDeleted={() => {
          close();
          refresh();
        }}
      />
    </div>
  );
}
