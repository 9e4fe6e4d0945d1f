// "New action" from an agent's Knowledge & tools tab: POST /v1/actions, then attach it.

import { useState } from "preact/hooks";

import { ApiError, api } from "../api";
import { Button, ErrorNote, Field, Modal, fieldError, useAction } from "./ui";

const TYPES: { value: string; label: string; example: Record<string, unknown> }[] = [
  { value: "extract_info", label: "Save an answer (extract_info)", example: {} },
  { value: "end_call", label: "End the conversation (end_call)", example: { message: "Thank you, goodbye.", condition: "The customer says goodbye" } },
  {
    value: "live_transfer",
    label: "Transfer to a person (live_transfer)",
    example: { phone_number: "+14155550123", transfer_condition: "The caller asks for a human", message: "Let me transfer you now." },
  },
  { value: "send_sms", label: "Send a text (send_sms)", example: { message: "Thanks for calling! Here is our address: ..." } },
  {
    value: "real_time_booking",
    label: "Book a meeting (real_time_booking)",
    example: { duration_minutes: 30, timezone: "UTC", availability: { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" }, days_ahead: 14 },
  },
  {
    value: "custom_http",
    label: "Call an API (custom_http)",
    example: {
      method: "POST",
      url: "https://example.com/api/orders/status",
      headers: {},
      body: '{"order": "{{order_id}}"}',
      variables: [{ key: "order_id", description: "The customer's order number", required: true }],
      failure_timeout: 10,
    },
  },
];

export function NewActionModal(props: { open: boolean; onClose: () => void; onCreated: (id: string) => Promise<void> }) {
  const [name, setName] = useState("");
  const [type, setType] = useState("extract_info");
  const [description, setDescription] = useState("");
  const [condition, setCondition] = useState("");
  const [kind, setKind] = useState("text");
  const [choices, setChoices] = useState("");
  const [config, setConfig] = useState("{}");
  const [configError, setConfigError] = useState<string | undefined>();

  const chooseType = (value: string) => {
    setType(value);
    setConfig(JSON.stringify(TYPES.find((item) => item.value === value)?.example ?? {}, null, 2));
    setConfigError(undefined);
  };

  const create = useAction(async () => {
    let body: Record<string, unknown>;
    if (type === "extract_info") {
      body = {
        identifier: name.trim(),
        condition,
        kind,
        choices: kind === "choice" ? choices.split(",").map((item) => item.trim()).filter(Boolean) : null,
      };
    } else {
      try {
        body = JSON.parse(config);
      } catch {
        setConfigError("This is not valid JSON");
        return;
      }
    }
    setConfigError(undefined);
    const action = await api<{ id: string }>("/v1/actions", {
      body: { name: name.trim(), type, description: description.trim() || null, config: body },
    });
    setName("");
    setDescription("");
    setCondition("");
    setChoices("");
    await props.onCreated(action.id);
  });

  const bodyError = (() => {
    const error = create.error;
    if (!(error instanceof ApiError) || error.code !== "VALIDATION_ERROR") return undefined;
    return Object.values(error.details ?? {}).find((value) => typeof value === "string" && value.includes("config")) as string | undefined;
  })();

  return (
    <Modal title="New action" open={props.open} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void create.run();
        }}
      >
        <Field label="Action type">
          {(id) => (
            <select id={id} value={type} onChange={(event) => chooseType(event.currentTarget.value)}>
              {TYPES.map((item) => (
                <option value={item.value}>{item.label}</option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Action name"
          error={fieldError(create.error, "name")}
          hint={type === "extract_info" ? "Also the variable the answer is saved in, e.g. email or budget. Letters, digits and _." : "How the model calls the tool: letters, digits and _."}
        >
          {(id) => (
            <input id={id} class="mono" required pattern="[A-Za-z][A-Za-z0-9_]{0,63}" value={name} onInput={(event) => setName(event.currentTarget.value)} />
          )}
        </Field>
        <Field label="Description" error={fieldError(create.error, "description")} hint="Tells the model when to use it.">
          {(id) => <textarea id={id} rows={2} value={description} onInput={(event) => setDescription(event.currentTarget.value)} />}
        </Field>
        {type === "extract_info" ? (
          <>
            <Field label="When to save it" hint="e.g. “The customer gives their email address”.">
              {(id) => <input id={id} value={condition} onInput={(event) => setCondition(event.currentTarget.value)} />}
            </Field>
            <div class="row">
              <Field label="Kind of value">
                {(id) => (
                  <select id={id} value={kind} onChange={(event) => setKind(event.currentTarget.value)}>
                    <option value="text">Text</option>
                    <option value="number">Number</option>
                    <option value="boolean">Yes or no</option>
                    <option value="choice">One of a list</option>
                  </select>
                )}
              </Field>
              {kind === "choice" && (
                <Field label="Choices" hint="Separated by commas.">
                  {(id) => <input id={id} value={choices} onInput={(event) => setChoices(event.currentTarget.value)} />}
                </Field>
              )}
            </div>
          </>
        ) : (
          <Field label="Configuration (JSON)" error={configError ?? bodyError} hint="See docs/agents.md, “Actions”, for every setting of this type.">
            {(id) => <textarea id={id} class="code agent-config" value={config} onInput={(event) => setConfig(event.currentTarget.value)} />}
          </Field>
        )}
        <ErrorNote error={create.error} />
        <div class="agent-new-actions">
          <Button variant="ghost" onClick={props.onClose}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" busy={create.busy} disabled={!name.trim()}>
            Create and attach
          </Button>
        </div>
      </form>
    </Modal>
  );
}
