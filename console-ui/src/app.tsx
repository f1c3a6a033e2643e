// The console's frame: sign-in, the top bar, the banner and progress bar, and the page the
// hash names (each page in pages/, shown only to the roles that may use it).
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, errorText, inFlight, token } from "./api";
import { dispatchKey } from "./keys";
import { labels, labelsLoaded, loadLabels, rolesText } from "./labels";
import { AuditPage } from "./pages/audit";
import { CampaignsPage, mayViewCampaigns } from "./pages/campaigns";
import { CannedPage, mayEditCanned } from "./pages/canned";
import { ClaimPage } from "./pages/claim";
import { DashboardPage, mayViewDashboard } from "./pages/dashboard";
import { ForbiddenPage } from "./pages/forbidden";
import { InboxPage } from "./pages/inbox";
import { QueuePage } from "./pages/queue";
import { PathsPage, mayViewPaths } from "./pages/paths";
import { RatingsPage, mayViewRatings } from "./pages/ratings";
import { RecordsPage } from "./pages/records";
import { RequestsPage, mayHandleRequests } from "./pages/requests";
import { SignInPage, captureHostedUiToken, finishWeComSignIn } from "./pages/signin";
import { TicketsPage, mayHandleTickets } from "./pages/tickets";
import { type Route, redirect, route } from "./router";
import {
  homeHash,
  loadMe,
  mayHandleChats,
  maySearchRecords,
  mayViewAudit,
  mayViewClaims,
  me,
  signInMessage,
  signOut,
} from "./session";
import { banner } from "./ui/banner";
import { HelpDialog } from "./ui/help";

type Boot = { phase: "loading" } | { phase: "ready" } | { phase: "failed"; error: string };

/** Labels, a sign-in coming back from WeCom or the hosted page, then who is signed in. */
async function boot(): Promise<void> {
  await loadLabels();
  const refused = captureHostedUiToken() || (await finishWeComSignIn());
  if (refused) signInMessage.value = refused;
  if (token() && !me.value) {
    try {
      await loadMe();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
  }
}

interface Shown {
  /** body[data-view]: the CSS lays some pages out differently */
  view: string;
  page: ComponentChildren;
}

const home: Shown = { view: "home", page: null };

/** The page for the route, or the reason it is not shown. */
function pageFor(current: Route): Shown {
  const [first = "", second] = current.parts;
  const forbidden = (what: string): Shown => ({
    view: "forbidden",
    page: <ForbiddenPage what={what} />,
  });
  switch (first) {
    case "inbox":
      if (!mayHandleChats()) return forbidden("inbox");
      return { view: "inbox", page: <InboxPage chatId={second ?? null} /> };
    case "campaigns":
      if (!mayViewCampaigns()) return forbidden("campaigns");
      return { view: "campaigns", page: <CampaignsPage route={current} /> };
    case "canned":
      if (!mayEditCanned()) return forbidden("canned");
      return { view: "canned", page: <CannedPage route={current} /> };
    case "records":
      if (!maySearchRecords()) return forbidden("records");
      return { view: "records", page: <RecordsPage route={current} /> };
    case "audit":
      if (!mayViewAudit()) return forbidden("audit");
      return { view: "audit", page: <AuditPage route={current} /> };
    case "tickets":
      if (!mayHandleTickets()) return forbidden("tickets");
      return { view: "tickets", page: <TicketsPage route={current} /> };
    case "requests":
      if (!mayHandleRequests()) return forbidden("requests");
      return { view: "requests", page: <RequestsPage route={current} /> };
    case "paths":
      if (!mayViewPaths()) return forbidden("paths");
      return { view: "paths", page: <PathsPage route={current} /> };
    case "ratings":
      if (!mayViewRatings()) return forbidden("ratings");
      return { view: "ratings", page: <RatingsPage route={current} /> };
    case "dashboard":
      if (!mayViewDashboard()) return forbidden("dashboard");
      return { view: "dashboard", page: <DashboardPage route={current} /> };
    case "claim":
      if (!mayViewClaims()) return forbidden("claims");
      if (second) return { view: "claim", page: <ClaimPage key={second} claimNo={second} /> };
      return { view: "queue", page: <QueuePage route={current} /> };
    case "queue":
      // An agent, who answers customers and sees no claims, starts in the inbox instead.
      if (!mayViewClaims()) return mayHandleChats() ? home : forbidden("claims");
      return { view: "queue", page: <QueuePage route={current} /> };
    default:
      return home;
  }
}

function NavLink(props: { href: string; testid: string; active: boolean; children: string }) {
  return (
    <a
      href={props.href}
      id={props.testid}
      data-testid={props.testid}
      class={props.active ? "active" : undefined}
    >
      {props.children}
    </a>
  );
}

function TopBar({ view, onHelp }: { view: string; onHelp: () => void }) {
  const user = me.value;
  const links = user
    ? [
        mayViewClaims() && (
          <NavLink href="#/queue" testid="nav-queue" active={view === "queue" || view === "claim"}>
            审核队列
          </NavLink>
        ),
        mayHandleChats() && (
          <NavLink href="#/inbox" testid="nav-inbox" active={view === "inbox"}>
            人工客服
          </NavLink>
        ),
        mayEditCanned() && (
          <NavLink href="#/canned" testid="nav-canned" active={view === "canned"}>
            快捷回复
          </NavLink>
        ),
        mayViewCampaigns() && (
          <NavLink href="#/campaigns" testid="nav-campaigns" active={view === "campaigns"}>
            群发
          </NavLink>
        ),
        maySearchRecords() && (
          <NavLink href="#/records" testid="nav-records" active={view === "records"}>
            聊天记录
          </NavLink>
        ),
        mayHandleTickets() && (
          <NavLink href="#/tickets" testid="nav-tickets" active={view === "tickets"}>
            工单
          </NavLink>
        ),
        mayHandleRequests() && (
          <NavLink href="#/requests" testid="nav-requests" active={view === "requests"}>
            信息请求
          </NavLink>
        ),
        mayViewRatings() && (
          <NavLink href="#/ratings" testid="nav-ratings" active={view === "ratings"}>
            满意度
          </NavLink>
        ),
        mayViewDashboard() && (
          <NavLink href="#/dashboard" testid="nav-dashboard" active={view === "dashboard"}>
            看板
          </NavLink>
        ),
        mayViewPaths() && (
          <NavLink href="#/paths" testid="nav-paths" active={view === "paths"}>
            服务轨迹
          </NavLink>
        ),
        mayViewAudit() && (
          <NavLink href="#/audit" testid="nav-audit" active={view === "audit"}>
            审计日志
          </NavLink>
        ),
      ].filter(Boolean)
    : [];
  return (
    <header class="topbar" data-testid="topbar">
      <a class="brand" id="brand" href={user ? homeHash() : "#/"} data-testid="brand">
        {labels().app_title}
      </a>
      {links.length > 0 && (
        <nav class="topnav" id="topnav" data-testid="topnav">
          {links}
        </nav>
      )}
      <div class="spacer" />
      <button type="button" class="link" id="help-button" title="键盘快捷键 (?)" onClick={onHelp}>
        快捷键
      </button>
      {user && (
        <span class="who" id="who" data-testid="who">
          {`${user.name} · ${rolesText(user.roles)}`}
        </span>
      )}
      {user && (
        <button
          type="button"
          class="link"
          id="signout"
          data-testid="signout"
          onClick={() => signOut()}
        >
          退出
        </button>
      )}
    </header>
  );
}

function Banner() {
  const shown = banner.value;
  if (!shown) return null;
  return (
    <div class={`banner ${shown.tone}`.trim()} id="banner" role="alert" data-testid="banner">
      {shown.text}
    </div>
  );
}

function ErrorView({ error, onRetry }: { error: string; onRetry: () => void }) {
  return (
    <section class="panel signin" data-testid="error-view">
      <h2>出错了</h2>
      <div class="panel-body">
        <p>{error}</p>
        <button type="button" onClick={onRetry}>
          重试
        </button>
      </div>
    </section>
  );
}

export function App() {
  const [state, setState] = useState<Boot>({ phase: "loading" });
  const [attempt, setAttempt] = useState(0);
  const helpRef = useRef<HTMLDialogElement>(null);
  const current = route.value;
  const user = me.value;

  useEffect(() => {
    boot().then(
      () => setState({ phase: "ready" }),
      (err: unknown) => setState({ phase: "failed", error: errorText(err) }),
    );
  }, [attempt]);

  // A hosted sign-in's token can also arrive on a hash change (the same tab coming back).
  useEffect(() => {
    if (state.phase !== "ready" || !/(^#|&)(id_token|access_token)=/.test(location.hash)) return;
    const refused = captureHostedUiToken();
    if (refused) signInMessage.value = refused;
    else if (token()) loadMe().catch(() => undefined);
  }, [current.seq, state.phase]);

  const showHelp = () => helpRef.current?.showModal();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => dispatchKey(e, showHelp);
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  // A new page clears the last one's banner.
  useEffect(() => {
    banner.value = null;
  }, [current.seq, user?.id]);

  const ready = state.phase === "ready" && labelsLoaded();
  let shown: Shown = { view: "loading", page: <p class="muted pad">加载中…</p> };
  if (state.phase === "failed") {
    shown = {
      view: "error",
      page: <ErrorView error={state.error} onRetry={() => setAttempt((n) => n + 1)} />,
    };
  } else if (ready && !user) {
    shown = { view: "signin", page: <SignInPage /> };
  } else if (ready) {
    shown = pageFor(current);
  }

  // An unknown or empty hash goes to the member's start page.
  const goHome = Boolean(ready && user && shown.view === "home");
  useEffect(() => {
    if (goHome) redirect(homeHash());
  }, [goHome, current.seq]);

  useEffect(() => {
    document.body.dataset.view = shown.view;
  }, [shown.view]);

  return (
    <>
      {labelsLoaded() ? (
        <TopBar view={shown.view} onHelp={showHelp} />
      ) : (
        <header class="topbar" data-testid="topbar" />
      )}
      <div class="busy" id="busy" hidden={inFlight.value === 0} />
      <Banner />
      <main id="app" data-testid="app">
        {shown.page}
      </main>
      <HelpDialog dialogRef={helpRef} />
    </>
  );
}
