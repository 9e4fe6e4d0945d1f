// Settings › Account: who is signed in, and a new password.

import { useState } from "preact/hooks";

import { api } from "../api";
import { useAuth } from "../auth";
import { Badge, Button, Card, ErrorNote, Field, fieldError, toast, useAction } from "./ui";

export function AccountSettings() {
  const { me, workspace } = useAuth();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const change = useAction(async () => {
    await api("/v1/auth/password", { body: { current_password: current, new_password: next } });
    setCurrent("");
    setNext("");
    setAgain("");
    toast("Password changed");
  });

  return (
    <div class="settings-form">
      <Card title="Your account">
        <dl class="facts">
          <dt>Name</dt>
          <dd>{[me?.first_name, me?.last_name].filter(Boolean).join(" ") || "—"}</dd>
          <dt>Email</dt>
          <dd>{me?.email ?? "—"}</dd>
          <dt>Role</dt>
          <dd>{me ? <Badge value={me.role} tone="blue" /> : "—"}</dd>
          <dt>Workspace</dt>
          <dd>{workspace?.name ?? "—"}</dd>
        </dl>
      </Card>
      {me?.id ? (
        <Card title="Change password">
          <form
            class="password-form"
            onSubmit={(event) => {
              event.preventDefault();
              if (next !== again) {
                setMismatch(true);
                return;
              }
              setMismatch(false);
              void change.run();
            }}
          >
            <Field label="Current password" error={fieldError(change.error, "current_password")}>
              {(id) => <input id={id} type="password" autoComplete="current-password" value={current} required onInput={(e) => setCurrent(e.currentTarget.value)} />}
            </Field>
            <Field label="New password" hint="At least 8 characters." error={fieldError(change.error, "new_password")}>
              {(id) => <input id={id} type="password" autoComplete="new-password" minLength={8} maxLength={128} value={next} required onInput={(e) => setNext(e.currentTarget.value)} />}
            </Field>
            <Field label="New password again" error={mismatch ? "The two new passwords differ." : undefined}>
              {(id) => <input id={id} type="password" autoComplete="new-password" value={again} required onInput={(e) => setAgain(e.currentTarget.value)} />}
            </Field>
            <ErrorNote error={change.error} />
            <Button type="submit" variant="primary" busy={change.busy}>
              Change password
            </Button>
          </form>
        </Card>
      ) : (
        <p class="muted">Signed in with an API key: there is no password to change.</p>
      )}
    </div>
  );
}
