/**
 * The API key, for this tab only: sessionStorage dies with the tab, so a
 * key typed on a shared desk is not left behind for the next person.
 */
const STORAGE_KEY = 'orchestrator-console.api-key';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(STORAGE_KEY, key);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage refused (private mode): the key lives as long as the page
  }
}
