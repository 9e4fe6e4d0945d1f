// "New campaign": who to call, with which agent, from which number, when, and how often to retry.

import { useLocation } from "preact-iso";
import { useMemo, useState } from "preact/hooks";

import { api } from "../api";
import { useAuth } from "../auth";
import { type Agent, FromNumberSelect, type PhoneNumber, WEEKDAYS, plainFieldError as fieldError, useAllOf } from "./call-common";
import { type RecipientsChoice, RecipientsPicker } from "./call-recipients";
import { Button, ErrorNote, Field, type KeyValue, KeyValueRows, Loading, Modal, toast, useAction } from "./ui";

const RETRY_ON: [string, string][] = [
  ["no_answer", "No answer"],
  ["busy", "Busy"],
  ["voicemail", "Voicemail"],
];

const KNOWN_FIELDS = [
  "name",
  "agent_id",
  "from_number",
  "timezone",
  "calling_hours",
  "max_concurrent_calls",
  "retry",
  "start_time",
  "end_time",
  "custom_variables",
];

function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf("timeZone");
  } catch {
    return [];
  }
}

/** A datetime-local value (the viewer's time) as an ISO instant, or undefined. */
function instant(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The recipients' fields of a 400 (phone_numbers.3, phonebook_id, contact_ids) in words. */
export function recipientsError(error: unknown): string | undefined {
  return fieldError(error, "phone_numbers") ?? fieldError(error, "phonebook_id") ?? fieldError(error, "contact_ids");
}

function CampaignForm(props: { onDone: () => void }) {
  const { workspace } = useAuth();
  const { route } = useLocation();
  const agents = useAllOf<Agent>("/v1/agents");
  const numbers = useAllOf<PhoneNumber>("/v1/phone-numbers");
  const zones = useMemo(timeZones, []);

  const [name, setName] = useState("");
  const [agentId, setAgentId] = useState("");
  const [fromNumber, setFromNumber] = useState("");
  const [timezone, setTimezone] = useState(workspace?.timezone ?? "UTC");
  const [useHours, setUseHours] = useState(true);
  const [hoursStart, setHoursStart] = useState("09:00");
  const [hoursEnd, setHoursEnd] = useState("18:00");
  const [days, setDays] = useState<number[]>([1, 2, 3, 4, 5]);
  const [concurrent, setConcurrent] = useState("1");
  const [attempts, setAttempts] = useState("2");
  const [retryAfter, setRetryAfter] = useState("60");
  const [retryOn, setRetryOn] = useState<string[]>(["no_answer", "busy"]);
  const [startAt, setStartAt] = useState("");
  const [endAt, setEndAt] = useState("");
  const [variables, setVariables] = useState<KeyValue[]>([]);
  const [recipients, setRecipients] = useState<RecipientsChoice>({ payload: null, count: 0, problem: null });
  const [localError, setLocalError] = useState<string | null>(null);

  const create = useAction(async () => {
    const custom: Record<string, string> = {};
    for (const variable of variables) if (variable.key.trim()) custom[variable.key.trim()] = variable.value;
    const body: Record<string, unknown> = {
      name: name.trim(),
      agent_id: agentId,
      timezone: timezone.trim() || undefined,
      max_concurrent_calls: Number(concurrent),
      retry: {
        max_attempts: Number(attempts),
        retry_after_minutes: Number(retryAfter),
        on: retryOn,
      },
      ...recipients.payload,
    };
    if (useHours) body.calling_hours = { start: hoursStart, end: hoursEnd, days: [...days].sort() };
    if (fromNumber) body.from_number = fromNumber;
    if (instant(startAt)) body.start_time = instant(startAt);
    if (instant(endAt)) body.end_time = instant(endAt);
    if (Object.keys(custom).length) body.custom_variables = custom;
    const campaign = await api<{ id: string; recipient_count: number }>("/v1/campaigns", { body });
    toast(`Campaign created with ${campaign.recipient_count} recipients. Launch it when you are ready.`);
    props.onDone();
    route(`/campaigns/${campaign.id}`);
  });

  if ((agents.loading && !agents.data) || (numbers.loading && !numbers.data)) return <Loading />;
  if (agents.error) return <ErrorNote error={agents.error} retry={agents.reload} />;
  if (!agents.data?.length)
    return (
      <p>
        A campaign needs an agent to make its calls. <a href="/agents">Create an agent</a> first, then come back.
      </p>
    );

  const error = create.error;
  const otherError = error && !KNOWN_FIELDS.some((field) => fieldError(error, field)) && !recipientsError(error);

  return (
    <form
      class="campaign-form"
      noValidate={false}
      onSubmit={(event) => {
        event.preventDefault();
        setLocalError(null);
        if (!recipients.payload) {
          setLocalError(recipients.problem ?? "Choose who to call.");
          return;
        }
        if (useHours && !days.length) {
          setLocalError("Choose at least one day to call on.");
          return;
        }
        void create.run();
      }}
    >
      <div class="grid-2">
        <Field label="Campaign name" error={fieldError(error, "name")}>
          {(id) => (
            <input
              id={id}
              required
              maxLength={200}
              placeholder="April appointment reminders"
              value={name}
              onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
            />
          )}
        </Field>
        <Field label="Agent" error={fieldError(error, "agent_id")} hint="The AI agent that makes every call.">
          {(id) => (
            <select id={id} required value={agentId} onChange={(e) => setAgentId((e.currentTarget as HTMLSelectElement).value)}>
              <option value="">Choose an agent…</option>
              {agents.data!.map((agent) => (
                <option value={agent.id} key={agent.id} disabled={!agent.enabled}>
                  {agent.name}
                  {agent.enabled ? "" : " (disabled)"}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Call from"
          error={fieldError(error, "from_number")}
          hint={
            numbers.error
              ? "The workspace's numbers could not be loaded."
              : numbers.data?.length
                ? undefined
                : "The workspace has no phone numbers yet: calls use the agent's number or the network's default."
          }
        >
          {(id) => <FromNumberSelect id={id} numbers={numbers.data} value={fromNumber} onChange={setFromNumber} />}
        </Field>
        <Field
          label="Time zone"
          error={fieldError(error, "timezone")}
          hint="For recipients whose number does not tell their time zone."
        >
          {(id) => (
            <>
              <input
                id={id}
                list={`${id}-zones`}
                value={timezone}
                autoComplete="off"
                onInput={(e) => setTimezone((e.currentTarget as HTMLInputElement).value)}
              />
              <datalist id={`${id}-zones`}>
                {zones.map((zone) => (
                  <option value={zone} key={zone} />
                ))}
              </datalist>
            </>
          )}
        </Field>
      </div>

      <fieldset>
        <legend>Recipients</legend>
        <RecipientsPicker onChange={setRecipients} />
        {recipientsError(error) && (
          <p class="field-error" role="alert">
            {recipientsError(error)}
          </p>
        )}
      </fieldset>

      <fieldset>
        <legend>Calling hours</legend>
        <label class="check">
          <input type="checkbox" checked={useHours} onChange={(e) => setUseHours((e.currentTarget as HTMLInputElement).checked)} />
          Only call during these hours, in each recipient's time zone
        </label>
        {useHours && (
          <>
            <div class="row">
              <Field label="From" error={fieldError(error, "calling_hours")}>
                {(id) => (
                  <input id={id} type="time" required value={hoursStart} onInput={(e) => setHoursStart((e.currentTarget as HTMLInputElement).value)} />
                )}
              </Field>
              <Field label="Until">
                {(id) => (
                  <input id={id} type="time" required value={hoursEnd} onInput={(e) => setHoursEnd((e.currentTarget as HTMLInputElement).value)} />
                )}
              </Field>
            </div>
            <fieldset class="campaign-days">
              <legend>Days</legend>
              {WEEKDAYS.map(([day, short, long]) => (
                <label class="check" key={day}>
                  <input
                    type="checkbox"
                    aria-label={long}
                    checked={days.includes(day)}
                    onChange={(e) =>
                      setDays((e.currentTarget as HTMLInputElement).checked ? [...days, day] : days.filter((d) => d !== day))
                    }
                  />
                  <span aria-hidden="true">{short}</span>
                </label>
              ))}
            </fieldset>
          </>
        )}
        <div class="row">
          <Field label="Start at" error={fieldError(error, "start_time")} hint="Empty: as soon as it is launched.">
            {(id) => (
              <input id={id} type="datetime-local" value={startAt} onInput={(e) => setStartAt((e.currentTarget as HTMLInputElement).value)} />
            )}
          </Field>
          <Field label="Stop at" error={fieldError(error, "end_time")} hint="Empty: when everyone has been called.">
            {(id) => (
              <input id={id} type="datetime-local" value={endAt} min={startAt || undefined} onInput={(e) => setEndAt((e.currentTarget as HTMLInputElement).value)} />
            )}
          </Field>
        </div>
      </fieldset>

      <fieldset>
        <legend>Pace and retries</legend>
        <div class="row">
          <Field label="Calls at once" error={fieldError(error, "max_concurrent_calls")} hint="1 to 1000">
            {(id) => (
              <input id={id} type="number" min={1} max={1000} required value={concurrent} onInput={(e) => setConcurrent((e.currentTarget as HTMLInputElement).value)} />
            )}
          </Field>
          <Field label="Attempts per person" error={fieldError(error, "retry.max_attempts")} hint="1 means no retry; at most 10">
            {(id) => (
              <input id={id} type="number" min={1} max={10} required value={attempts} onInput={(e) => setAttempts((e.currentTarget as HTMLInputElement).value)} />
            )}
          </Field>
          <Field label="Retry after (minutes)" error={fieldError(error, "retry.retry_after_minutes")}>
            {(id) => (
              <input id={id} type="number" min={0} max={10080} required value={retryAfter} onInput={(e) => setRetryAfter((e.currentTarget as HTMLInputElement).value)} />
            )}
          </Field>
        </div>
        <fieldset class="campaign-retry-on">
          <legend>Retry when the call ends with</legend>
          {RETRY_ON.map(([value, text]) => (
            <label class="check" key={value}>
              <input
                type="checkbox"
                checked={retryOn.includes(value)}
                onChange={(e) =>
                  setRetryOn((e.currentTarget as HTMLInputElement).checked ? [...retryOn, value] : retryOn.filter((v) => v !== value))
                }
              />
              {text}
            </label>
          ))}
        </fieldset>
      </fieldset>

      <KeyValueRows
        legend="Custom variables"
        hint="Values for the {{placeholders}} in the agent's prompt, the same for every call."
        rows={variables}
        onChange={setVariables}
        error={fieldError(error, "custom_variables")}
        placeholders={{ key: "offer", value: "20% off a cleaning" }}
        rowClass="campaign-variable"
      />

      {localError && (
        <p class="field-error campaign-form-error" role="alert">
          {localError}
        </p>
      )}
      {otherError && <ErrorNote error={error} />}
      {error && !otherError && (
        <p class="field-error campaign-form-error" role="alert">
          Some fields need another look: see the messages above.
        </p>
      )}
      <div class="call-form-actions">
        <span class="hint">
          {recipients.payload
            ? `${recipients.count.toLocaleString()} ${recipients.count === 1 ? "recipient" : "recipients"}. The campaign starts as a draft.`
            : "The campaign starts as a draft: nobody is called until you launch it."}
        </span>
        <Button onClick={props.onDone}>Cancel</Button>
        <Button type="submit" variant="primary" busy={create.busy}>
          Create campaign
        </Button>
      </div>
    </form>
  );
}

export function NewCampaignModal(props: { open: boolean; onClose: () => void }) {
  return (
    <Modal title="New campaign" open={props.open} onClose={props.onClose} wide>
      <CampaignForm onDone={props.onClose} />
    </Modal>
  );
}
