import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";

import { api, session } from "../api";
import { useAuth } from "../auth";
import { Button, ErrorNote, Field, fieldError, useAction } from "../components/ui";
import { useTitle } from "../hooks";

export default function Signup() {
  useTitle("Create a workspace");
  const { reload } = useAuth();
  const { route, query } = useLocation();
  const invite = query.invite ?? "";
  const [form, setForm] = useState({ first_name: "", last_name: "", email: "", password: "", workspace_name: "" });
  const set = (key: keyof typeof form) => (event: Event) =>
    setForm({ ...form, [key]: (event.currentTarget as HTMLInputElement).value });
  const signUp = useAction(async () => {
    if (invite) {
      // An invitation: the account joins the inviting workspace with the invited role.
      const user = await api("/v1/auth/accept-invite", {
        body: { invite_token: invite, password: form.password, first_name: form.first_name, last_name: form.last_name },
      });
      const login = await api("/v1/auth/login", { body: { email: user.email, password: form.password } });
      session.signIn(login.token, login.refresh_token);
      await reload();
      route("/inbox");
      return;
    }
    const body: Record<string, string> = { ...form };
    if (!body.workspace_name) delete body.workspace_name;
    await api("/v1/auth/register", { body });
    const login = await api("/v1/auth/login", { body: { email: form.email, password: form.password } });
    session.signIn(login.token, login.refresh_token);
    await reload();
    route("/agents?welcome=1");
  });

  return (
    <div class="auth-card">
      <div class="brand">
        <span class="logo" aria-hidden="true">F</span>
        <span>Frontdesk</span>
      </div>
      <h1>{invite ? "Join your team" : "Create your workspace"}</h1>
      {invite && <p class="muted">You were invited to a Frontdesk workspace. Choose your name and a password.</p>}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void signUp.run();
        }}
      >
        <div class="row">
          <Field label="First name" error={fieldError(signUp.error, "first_name")}>
            {(id) => <input id={id} required autoComplete="given-name" value={form.first_name} onInput={set("first_name")} />}
          </Field>
          <Field label="Last name" error={fieldError(signUp.error, "last_name")}>
            {(id) => <input id={id} required autoComplete="family-name" value={form.last_name} onInput={set("last_name")} />}
          </Field>
        </div>
        {!invite && (
          <Field label="Work email" error={fieldError(signUp.error, "email")}>
            {(id) => <input id={id} type="email" required autoComplete="email" value={form.email} onInput={set("email")} />}
          </Field>
        )}
        <Field label="Password" hint="At least 8 characters." error={fieldError(signUp.error, "password")}>
          {(id) => (
            <input id={id} type="password" required minLength={8} autoComplete="new-password" value={form.password} onInput={set("password")} />
          )}
        </Field>
        {!invite && (
          <Field label="Business name" hint="Optional; you can change it later." error={fieldError(signUp.error, "workspace_name")}>
            {(id) => <input id={id} autoComplete="organization" value={form.workspace_name} onInput={set("workspace_name")} />}
          </Field>
        )}
        <ErrorNote error={signUp.error} />
        <Button type="submit" variant="primary" busy={signUp.busy}>
          {invite ? "Join workspace" : "Create workspace"}
        </Button>
      </form>
      <p class="muted">
        Already have an account? <a href="/login">Sign in</a>
      </p>
    </div>
  );
}
