import { useState } from 'preact/hooks';

/** The server has API keys: the page asks for one and keeps it for this tab only. */
export function KeyPrompt({ refused, onKey }: { refused: boolean; onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  return (
    <section class="key-prompt">
      <h1>API key</h1>
      <p>
        This server asks for an API key. It is kept for this tab only and sent with every request the console makes.
      </p>
      {refused && (
        <p class="notice error" role="alert">
          That key was refused.
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim()) onKey(key.trim());
        }}
      >
        <label for="api-key">Key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          required
        />
        <button type="submit">Use this key</button>
      </form>
    </section>
  );
}
