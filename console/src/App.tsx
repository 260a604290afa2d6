import { NavLink, Navigate, Route, Routes } from "react-router";
import { useAuth } from "./auth";
import { AuditPage } from "./pages/Audit";
import { CredentialsPage } from "./pages/Credentials";
import { DraftReview } from "./pages/DraftReview";
import { EventsPage } from "./pages/Events";
import { Inbox } from "./pages/Inbox";
import { LoginPage } from "./pages/Login";
import { MetricsPage } from "./pages/Metrics";
import { NodesPage } from "./pages/Nodes";
import { PluginsPage } from "./pages/Plugins";
import { ProvidersPage } from "./pages/Providers";
import { ReportsPage } from "./pages/Reports";
import { RunsPage } from "./pages/Runs";
import { SettingsPage } from "./pages/Settings";

export function App() {
  const { user, loading, logout } = useAuth();

  if (loading) {
    return (
      <p className="centered" role="status">
        Loading…
      </p>
    );
  }
  if (!user) {
    return <LoginPage />;
  }
  const admin = user.role === "admin";
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Daily X Agent</span>
        <nav aria-label="Main">
          <NavLink to="/drafts">Drafts</NavLink>
          <NavLink to="/runs">Runs</NavLink>
          <NavLink to="/plugins">Plugins</NavLink>
          <NavLink to="/providers">Providers</NavLink>
          <NavLink to="/metrics">Metrics</NavLink>
          <NavLink to="/reports">Weekly reports</NavLink>
          <NavLink to="/feed">Events</NavLink>
          <NavLink to="/nodes">Nodes</NavLink>
          {admin && <NavLink to="/credentials">Credentials</NavLink>}
          {admin && <NavLink to="/settings">Settings</NavLink>}
          {admin && <NavLink to="/audit">Audit log</NavLink>}
        </nav>
        <div className="whoami">
          <span data-testid="current-user">
            {user.username} <span className="muted">({user.role})</span>
          </span>
          <button type="button" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Routes>
          <Route path="/" element={<Navigate to="/drafts" replace />} />
          <Route path="/login" element={<Navigate to="/drafts" replace />} />
          <Route path="/drafts" element={<Inbox />} />
          <Route path="/drafts/:id" element={<DraftReview />} />
          <Route path="/runs" element={<RunsPage admin={admin} />} />
          <Route path="/plugins" element={<PluginsPage admin={admin} />} />
          {/* Not /events: the host serves the event stream itself there. */}
          <Route path="/feed" element={<EventsPage />} />
          <Route path="/nodes" element={<NodesPage />} />
          <Route path="/providers" element={<ProvidersPage admin={admin} />} />
          <Route path="/metrics" element={<MetricsPage admin={admin} />} />
          <Route path="/reports" element={<ReportsPage admin={admin} />} />
          {/* For reviewers too: the API's refusal is what they see. */}
          <Route path="/credentials" element={<CredentialsPage />} />
          <Route path="/settings" element={admin ? <SettingsPage /> : <Forbidden what="Settings" />} />
          <Route path="/audit" element={admin ? <AuditPage /> : <Forbidden what="The audit log" />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </>
  );
}

function Forbidden({ what }: { what: string }) {
  return (
    <section className="page">
      <h1>Not allowed</h1>
      <p role="alert" className="error-banner">
        {what} is for admins only. Ask an admin if something here needs changing.
      </p>
    </section>
  );
}

function NotFound() {
  return (
    <section className="page">
      <h1>Not found</h1>
      <p>
        There is no page here. <NavLink to="/drafts">Go to the drafts</NavLink>.
      </p>
    </section>
  );
}
