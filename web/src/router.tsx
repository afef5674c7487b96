import type { AnchorHTMLAttributes, ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** Every view has its own URL under /console, so a link pasted into a ticket opens the same view. */
export const BASE = '/console';

export type Route =
  | { view: 'runs'; stage: string | null; pipeline: string | null; after: string | null }
  | { view: 'run'; id: string }
  | { view: 'try' }
  | { view: 'health'; minutes: number }
  | { view: 'not-found' };

export function routeOf(url: URL): Route {
  const path = url.pathname.replace(/\/+$/, '');
  const q = url.searchParams;
  if (path === BASE || path === '') {
    return { view: 'runs', stage: q.get('stage'), pipeline: q.get('pipeline'), after: q.get('after') };
  }
  const run = /^\/console\/runs\/([0-9A-Fa-f-]{36})$/.exec(path);
  if (run?.[1]) return { view: 'run', id: run[1].toLowerCase() };
  if (path === `${BASE}/try`) return { view: 'try' };
  if (path === `${BASE}/status`) return { view: 'health', minutes: Number(q.get('minutes')) || 60 };
  return { view: 'not-found' };
}

export const hrefs = {
  runs: (q: { stage?: string | null; pipeline?: string | null; after?: string | null } = {}) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v) params.set(k, v);
    const s = params.toString();
    return s ? `${BASE}?${s}` : BASE;
  },
  run: (id: string) => `${BASE}/runs/${id}`,
  try: () => `${BASE}/try`,
  // not /console/health: the server answers any path ending in /health as its liveness probe
  health: (minutes?: number) => (minutes && minutes !== 60 ? `${BASE}/status?minutes=${minutes}` : `${BASE}/status`),
};

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useLocation(): URL {
  const [url, setUrl] = useState(() => new URL(location.href));
  useEffect(() => {
    const onChange = () => setUrl(new URL(location.href));
    addEventListener('popstate', onChange);
    return () => removeEventListener('popstate', onChange);
  }, []);
  return url;
}

/** An ordinary link (open in a new tab, copy the address) that changes views without a reload. */
export function Link(props: { href: string; children: ComponentChildren } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { href, children, ...rest } = props;
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
