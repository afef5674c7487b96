import type { FunctionComponent } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApiClient, errorCode, errorMessage } from './api/client.js';
import { ViewerDocument } from './api/documents.js';
import { storedKey, storeKey } from './api/key.js';
import { hrefs, Link, type Route, routeOf, useLocation } from './router.js';
import { type Session, SessionContext, type Viewer } from './session.js';
import { KeyPrompt } from './views/key-prompt.js';
import { RunDetailView } from './views/run-detail.js';
import { RunsView } from './views/runs.js';
import { TryItView } from './views/try-it.js';

type Phase =
  | { state: 'checking' }
  | { state: 'need-key'; refused: boolean }
  | { state: 'ready'; viewer: Viewer }
  | { state: 'unreachable'; message: string };

/**
 * The shell: asks who the key is (`viewer`); a server with keys answers 401
 * to a request without one, and then the page asks for it. Nothing else is
 * requested until a key is accepted.
 */
export function App() {
  const client = useMemo(() => createApiClient(storedKey), []);
  const [phase, setPhase] = useState<Phase>({ state: 'checking' });
  const [attempt, setAttempt] = useState(0);
  const url = useLocation();
  const route = routeOf(url);

  useEffect(() => {
    let cancelled = false;
    client
      .query(ViewerDocument, {})
      .toPromise()
      .then((result) => {
        if (cancelled) return;
        const code = errorCode(result.error);
        if (result.data?.viewer) setPhase({ state: 'ready', viewer: result.data.viewer });
        else if (code === 'UNAUTHENTICATED') {
          const refused = storedKey() !== null;
          storeKey(null);
          setPhase({ state: 'need-key', refused });
        } else setPhase({ state: 'unreachable', message: errorMessage(result.error) || 'No answer from the server.' });
      });
    return () => {
      cancelled = true;
    };
  }, [client, attempt]);

  useEffect(() => {
    document.title = `${titleOf(route)} · Orchestrator console`;
  }, [route.view]);

  const session: Session | null =
    phase.state === 'ready'
      ? {
          client,
          viewer: phase.viewer,
          keyed: storedKey() !== null,
          forget: () => {
            storeKey(null);
            setPhase({ state: 'checking' });
            setAttempt((n) => n + 1);
          },
        }
      : null;

  return (
    <SessionContext.Provider value={session}>
      <Header route={route} session={session} />
      <main id="main">
        {phase.state === 'checking' && <p role="status">Connecting…</p>}
        {phase.state === 'unreachable' && (
          <div class="notice error" role="alert">
            <p>The server did not answer: {phase.message}</p>
            <button type="button" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
          </div>
        )}
        {phase.state === 'need-key' && (
          <KeyPrompt
            refused={phase.refused}
            onKey={(key) => {
              storeKey(key);
              setPhase({ state: 'checking' });
              setAttempt((n) => n + 1);
            }}
          />
        )}
        {session && <View route={route} key={url.pathname + url.search} />}
      </main>
    </SessionContext.Provider>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'runs':
      return <RunsView route={route} />;
    case 'run':
      return <RunDetailView id={route.id} />;
    case 'try':
      return <TryItView />;
    case 'health':
      return <LazyHealth minutes={route.minutes} />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            No view here. <Link href={hrefs.runs()}>Live runs</Link>
          </p>
        </section>
      );
  }
}

type HealthProps = { minutes: number };
let healthView: Promise<FunctionComponent<HealthProps>> | undefined;

/** Health is the only view with charts: Chart.js is fetched when it is first opened, not with the page. */
function LazyHealth(props: HealthProps) {
  const [View, setView] = useState<FunctionComponent<HealthProps> | null>(null);
  useEffect(() => {
    healthView ??= import('./views/health.js').then((m) => m.HealthView);
    void healthView.then((v) => setView(() => v));
  }, []);
  return View ? <View {...props} /> : <p role="status">Loading…</p>;
}

function titleOf(route: Route): string {
  switch (route.view) {
    case 'runs':
      return 'Live runs';
    case 'run':
      return `Run ${route.id.slice(0, 8)}`;
    case 'try':
      return 'Try it';
    case 'health':
      return 'Health';
    default:
      return 'Not found';
  }
}

function Header({ route, session }: { route: Route; session: Session | null }) {
  const current = (view: Route['view']) =>
    route.view === view || (view === 'runs' && route.view === 'run') ? 'page' : undefined;
  return (
    <header class="top">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <span class="brand">Orchestrator console</span>
      <nav aria-label="Views">
        <Link href={hrefs.runs()} aria-current={current('runs')}>
          Live runs
        </Link>
        <Link href={hrefs.try()} aria-current={current('try')}>
          Try it
        </Link>
        <Link href={hrefs.health()} aria-current={current('health')}>
          Health
        </Link>
      </nav>
      {session && (
        <div class="who">
          <span>
            {session.keyed ? `Key “${session.viewer.name}”` : 'Open server'}
            {session.viewer.role === 'READ' && <span class="tag">read only</span>}
          </span>
          {session.keyed && (
            <button type="button" class="link" onClick={session.forget}>
              Forget key
            </button>
          )}
        </div>
      )}
    </header>
  );
}
