/** Reads a GraphQL-over-SSE response (Yoga's distinct-connections mode) into its `next` payloads. */
export async function* sseEvents(res: Response): AsyncGenerator<{ event: string; data: unknown }> {
  if (!res.body) throw new Error('no body');
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trim());
      }
      if (data.length === 0 && event === 'message') continue; // keep-alive comment
      const payload = data.join('\n');
      yield { event, data: payload ? JSON.parse(payload) : null };
      if (event === 'complete') return;
    }
  }
}

/** Opens a subscription over SSE (POST, as GraphiQL and curl do) at `baseUrl/graphql`. */
export async function subscribeSse(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  signal?: AbortSignal,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query, variables }),
    signal,
  });
}

/** Collects the `data` payloads of `next` events until the stream completes. */
export async function collectSse<T = unknown>(res: Response): Promise<T[]> {
  const out: T[] = [];
  for await (const e of sseEvents(res)) {
    if (e.event !== 'next') continue;
    const { data, errors } = e.data as { data?: T; errors?: unknown[] };
    if (errors) throw new Error(`subscription error: ${JSON.stringify(errors)}`);
    out.push(data as T);
  }
  return out;
}

/**
 * A client that subscribes, reads the first event, and goes away (closes the
 * connection) whatever the run is doing. Returns that first payload.
 */
export async function subscribeAndLeave(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; first: unknown }> {
  const controller = new AbortController();
  const res = await subscribeSse(baseUrl, query, variables, controller.signal, headers);
  let first: unknown;
  try {
    for await (const e of sseEvents(res)) {
      if (e.event !== 'next') continue;
      first = e.data;
      break;
    }
  } finally {
    controller.abort();
  }
  return { status: res.status, first };
}
