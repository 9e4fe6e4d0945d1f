import "./styles.css";

import { render } from "preact";
import { ErrorBoundary, LocationProvider, Route, Router, lazy, useLocation } from "preact-iso";
import { useEffect } from "preact/hooks";

import { AuthProvider, useAuth } from "./auth";
import { Layout } from "./components/Layout";
import { Loading, Toasts } from "./components/ui";
import Login from "./pages/Login";

// Each page is its own chunk: the first load carries the shell and the page asked for.
const Signup = lazy(() => import("./pages/Signup"));
const Inbox = lazy(() => import("./pages/Inbox"));
const Agents = lazy(() => import("./pages/Agents"));
const AgentDetail = lazy(() => import("./pages/AgentDetail"));
const Calls = lazy(() => import("./pages/Calls"));
const CallDetail = lazy(() => import("./pages/CallDetail"));
const Knowledge = lazy(() => import("./pages/Knowledge"));
const KnowledgeBase = lazy(() => import("./pages/KnowledgeBase"));
const Contacts = lazy(() => import("./pages/Contacts"));
const Deals = lazy(() => import("./pages/Deals"));
const Campaigns = lazy(() => import("./pages/Campaigns"));
const CampaignDetail = lazy(() => import("./pages/CampaignDetail"));
const Workflows = lazy(() => import("./pages/Workflows"));
const WorkflowDetail = lazy(() => import("./pages/WorkflowDetail"));
const Analytics = lazy(() => import("./pages/Analytics"));
const Webhooks = lazy(() => import("./pages/Webhooks"));
const Settings = lazy(() => import("./pages/Settings"));
const AuditLog = lazy(() => import("./pages/AuditLog"));
const NotFound = lazy(() => import("./pages/NotFound"));

const PUBLIC = new Set(["/login", "/signup"]);

function Redirect(props: { to: string }) {
  const { route } = useLocation();
  useEffect(() => route(props.to, true), [props.to]);
  return null;
}

function App() {
  const { me, ready } = useAuth();
  const { path } = useLocation();
  if (!ready) return <Loading label="Loading Frontdesk…" />;
  if (!me && !PUBLIC.has(path)) {
    const next = path === "/" ? "" : `?next=${encodeURIComponent(path)}`;
    return <Redirect to={`/login${next}`} />;
  }
  if (me && PUBLIC.has(path)) return <Redirect to="/inbox" />;
  const routes = (
    <ErrorBoundary>
      <Router>
        <Route path="/login" component={Login} />
        <Route path="/signup" component={Signup} />
        <Route path="/" component={() => <Redirect to="/inbox" />} />
        <Route path="/inbox" component={Inbox} />
        <Route path="/inbox/:id" component={Inbox} />
        <Route path="/agents" component={Agents} />
        <Route path="/agents/:id" component={AgentDetail} />
        <Route path="/calls" component={Calls} />
        <Route path="/calls/:id" component={CallDetail} />
        <Route path="/knowledge" component={Knowledge} />
        <Route path="/knowledge/:id" component={KnowledgeBase} />
        <Route path="/contacts" component={Contacts} />
        <Route path="/contacts/:tab" component={Contacts} />
        <Route path="/deals" component={Deals} />
        <Route path="/campaigns" component={Campaigns} />
        <Route path="/campaigns/:id" component={CampaignDetail} />
        <Route path="/workflows" component={Workflows} />
        <Route path="/workflows/:id" component={WorkflowDetail} />
        <Route path="/analytics" component={Analytics} />
        <Route path="/webhooks" component={Webhooks} />
        <Route path="/settings" component={Settings} />
        <Route path="/settings/:tab" component={Settings} />
        <Route path="/audit-log" component={AuditLog} />
        <Route default component={NotFound} />
      </Router>
    </ErrorBoundary>
  );
  return me ? <Layout>{routes}</Layout> : <main class="public">{routes}</main>;
}

render(
  <LocationProvider>
    <AuthProvider>
      <App />
      <Toasts />
    </AuthProvider>
  </LocationProvider>,
  document.getElementById("app")!,
);
