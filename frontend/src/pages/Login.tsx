import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";

import { api, session } from "../api";
import { useAuth } from "../auth";
import { Button, ErrorNote, Field, fieldError, useAction } from "../components/ui";
import { useTitle } from "../hooks";

export default function Login() {
  useTitle("Sign in");
  const { reload } = useAuth();
  const { query, route } = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const signIn = useAction(async () => {
    const body = await api("/v1/auth/login", { body: { email, password } });
    session.signIn(body.token, body.refresh_token);
    await reload();
    route(query.next && query.next.startsWith("/") ? query.next : "/inbox");
  });

  return (
    <div class="auth-card">
      <div class="brand">
        <span class="logo" aria-hidden="true">F</span>
        <span>Frontdesk</span>
      </div>
      <h1>Sign in</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void signIn.run();
        }}
      >
        <Field label="Email" error={fieldError(signIn.error, "email")}>
          {(id) => (
            <input id={id} type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          )}
        </Field>
        <Field label="Password" error={fieldError(signIn.error, "password")}>
          {(id) => (
            <input
              id={id}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          )}
        </Field>
        <ErrorNote error={signIn.error} />
        <Button type="submit" variant="primary" busy={signIn.busy}>
          Sign in
        </Button>
      </form>
      <p class="muted">
        New to Frontdesk? <a href="/signup">Create a workspace</a>
      </p>
    </div>
  );
}
