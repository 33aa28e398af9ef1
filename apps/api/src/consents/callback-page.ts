const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What the end user sees when the client gave no redirect_uri: the outcome, nothing more. */
export function renderCallbackPage(status: string, error: string | null): string {
  const ok = status === 'active';
  const title = ok
    ? 'Your bank is connected'
    : status === 'rejected'
      ? 'Connection refused'
      : 'Connection not completed';
  const detail = ok
    ? 'You can close this window.'
    : error === 'temporarily_unavailable'
      ? 'Your bank is busy. Please go back and try again in a minute.'
      : `The bank answered: ${escape(error ?? status)}.`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto"><h1>${title}</h1><p>${detail}</p></body></html>`;
}
