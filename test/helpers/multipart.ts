/** Reads a `multipart/mixed` incremental-delivery response part by part, as each arrives. */
export async function* multipartParts(res: Response): AsyncGenerator<Record<string, unknown>> {
  if (!res.body) throw new Error('no body');
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (;;) {
      const start = buffer.indexOf('\r\n\r\n');
      if (start < 0) break;
      const end = buffer.indexOf('\r\n---', start);
      if (end < 0) break;
      const body = buffer.slice(start + 4, end);
      buffer = buffer.slice(end + 2);
      yield JSON.parse(body) as Record<string, unknown>;
    }
  }
}
