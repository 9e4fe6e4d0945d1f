// Who is signed in, in which workspace, with which role.

import { createContext, type ComponentChildren } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";

import { api, onSignedOut, session } from "./api";
import { disconnect } from "./live";

export type Role = "owner" | "admin" | "agent" | "viewer";

export interface Me {
  id: string | null;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  workspace_id: string;
  role: Role;
}

export interface Workspace {
  id: string;
  name: string;
  timezone: string;
  [key: string]: any;
}

interface AuthState {
  me: Me | null;
  workspace: Workspace | null;
  ready: boolean;
  reload: () => Promise<void>;
  signOut: () => void;
}

const AuthContext = createContext<AuthState>({
  me: null,
  workspace: null,
  ready: false,
  reload: async () => {},
  signOut: () => {},
});

export function AuthProvider(props: { children: ComponentChildren }) {
  const [me, setMe] = useState<Me | null>(null);
  const [workspace, setWorkspace] = useState<Workspace | null>(null);
  const [ready, setReady] = useState(false);

  const reload = async () => {
    if (!session.token) {
      setMe(null);
      setWorkspace(null);
      setReady(true);
      return;
    }
    try {
      const [who, where] = await Promise.all([api<Me>("/v1/auth/me"), api<Workspace>("/v1/workspace")]);
      setMe(who);
      setWorkspace(where);
    } catch {
      setMe(null);
      setWorkspace(null);
    }
    setReady(true);
  };

  const signOut = () => {
    session.signOut();
    disconnect();
    setMe(null);
    setWorkspace(null);
  };

  useEffect(() => {
    void reload();
    return onSignedOut(() => {
      disconnect();
      setMe(null);
      setWorkspace(null);
    });
  }, []);

  return (
    <AuthContext.Provider value={{ me, workspace, ready, reload, signOut }}>{props.children}</AuthContext.Provider>
  );
}

export function useAuth(): AuthState {
  return useContext(AuthContext);
}

/** Whether the signed-in role may do `what`: "write" (admin and up), "inbox" (agent and up). */
export function can(me: Me | null, what: "write" | "inbox" | "admin"): boolean {
  if (!me) return false;
  if (what === "inbox") return me.role !== "viewer";
  return me.role === "owner" || me.role === "admin";
}
