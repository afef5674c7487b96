import type { Client } from '@urql/core';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export interface Viewer {
  name: string;
  role: 'ORCHESTRATE' | 'READ';
}

/** The client (which sends the tab's key on every request) and who that key is. */
export interface Session {
  client: Client;
  viewer: Viewer;
  /** whether the server asked for a key (an open server does not) */
  keyed: boolean;
  /** drops the tab's key and asks again */
  forget(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside the signed-in console');
  return session;
}

export function mayRun(viewer: Viewer): boolean {
  return viewer.role === 'ORCHESTRATE';
}
