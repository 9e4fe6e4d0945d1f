// The test-run dialog: data to run on (optionally a real conversation or contact), then the trace.

import { useEffect, useState } from "preact/hooks";

import { api, type Page } from "../api";
import { ago } from "../format";
import { useApi } from "../hooks";
import { Button, ErrorNote, Field, Modal, fieldError, useAction } from "./ui";
import { type ExecutionDetail, readJson, sampleTestData } from "./workflow-model";
import { Trace } from "./workflow-trace";

export function TestRunDialog(props: {
  open: boolean;
  onClose: () => void;
  workflowId: string;
  triggerType: string;
  dirty: boolean;
  saveFirst: () => Promise<boolean>;
  onResult: (execution: ExecutionDetail) => void;
}) {
  const [text, setText] = useState("");
  const [conversationId, setConversationId] = useState("");
  const [contactId, setContactId] = useState("");
  const [result, setResult] = useState<ExecutionDetail | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const conversations = useApi<Page<any>>(props.open ? "/v1/conversations" : null, { query: { limit: 25 } });
  const contacts = useApi<Page<any>>(props.open ? "/v1/contacts" : null, { query: { limit: 25 } });

  useEffect(() => {
    if (props.open) {
      setText(JSON.stringify(sampleTestData(props.triggerType), null, 2));
      setResult(null);
      setProblem(null);
    }
  }, [props.open, props.triggerType]);

  const run = useAction(async () => {
    const parsed = readJson(text.trim() || "{}");
    if (parsed.problem) {
      setProblem(`Line ${parsed.problem.line}, column ${parsed.problem.column}: ${parsed.problem.message}`);
      return;
    }
    if (!parsed.value || typeof parsed.value !== "object" || Array.isArray(parsed.value)) {
      setProblem("The test data must be a JSON object, e.g. {\"message\": \"Hello\"}.");
      return;
    }
    setProblem(null);
    if (props.dirty && !(await props.saveFirst())) {
      setProblem("The workflow could not be saved; fix the errors shown in the editor, then run the test.");
      return;
    }
    const testData: Record<string, unknown> = { ...(parsed.value as Record<string, unknown>) };
    if (conversationId) testData.conversation_id = conversationId;
    if (contactId) testData.contact_id = contactId;
    const execution = await api<ExecutionDetail>(`/v1/workflows/${props.workflowId}/test`, {
      method: "POST",
      body: { testData },
    });
    setResult(execution);
    props.onResult(execution);
  });

  const dataError =
    fieldError(run.error, "testData") ?? fieldError(run.error, "testData.conversation_id") ?? fieldError(run.error, "testData.contact_id");

  return (
    <Modal title="Test run" open={props.open} onClose={props.onClose} wide>
      <form
        class="wf-test-form"
        onSubmit={(event) => {
          event.preventDefault();
          void run.run();
        }}
      >
        <p class="muted">
          Runs the saved workflow on this data. Conditions are evaluated for real; nodes that would change something
          (tags, messages, webhooks, notifications…) only report what they would do. Nothing changes.
        </p>
        {props.dirty && (
          <p class="wf-warning" role="note">
            You have unsaved changes: they are saved first, then the test runs.
          </p>
        )}
        <div class="grid-2">
          <Field label="Conversation (optional)" hint="Loaded as {{conversation}}. Tags, assignment and messages need one.">
            {(id) => (
              <select id={id} value={conversationId} onChange={(event) => setConversationId(event.currentTarget.value)}>
                <option value="">None</option>
                {(conversations.data?.items ?? []).map((c) => (
                  <option value={c.id}>
                    {c.channel} · {c.status} · {c.summary ? c.summary.slice(0, 40) : ago(c.last_message_at ?? c.created_at)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Contact (optional)" hint="Loaded as {{contact}}. Lead status and contact tags need one.">
            {(id) => (
              <select id={id} value={contactId} onChange={(event) => setContactId(event.currentTarget.value)}>
                <option value="">None</option>
                {(contacts.data?.items ?? []).map((c) => (
                  <option value={c.id}>{c.name || c.email || c.phone_number || c.id}</option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field
          label="Test data (JSON)"
          hint={'A message given as text is the customer\'s: {"message": "This is urgent!"}. Other keys are the run\'s data as the trigger would give it.'}
          error={problem ?? dataError}
        >
          {(id) => (
            <textarea
              id={id}
              class="code wf-test-data"
              spellcheck={false}
              value={text}
              onInput={(event) => setText(event.currentTarget.value)}
            />
          )}
        </Field>
        {!dataError && <ErrorNote error={run.error} />}
        <div class="row wf-dialog-actions">
          <Button variant="primary" type="submit" busy={run.busy}>
            {props.dirty ? "Save and run test" : "Run test"}
          </Button>
          <Button variant="ghost" onClick={props.onClose}>
            Close
          </Button>
        </div>
      </form>
      {result && (
        <section class="wf-test-result" aria-live="polite" aria-label="Test result">
          <h3>Result</h3>
          <Trace execution={result} />
        </section>
      )}
    </Modal>
  );
}
