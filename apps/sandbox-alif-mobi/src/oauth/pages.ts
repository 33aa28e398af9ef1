/**
 * The SCA pages: plain HTML forms (no JavaScript), so a test can drive them with form posts and a
 * browser renders them as a bank's login would look.
 */
import { SCOPE_DESCRIPTIONS } from './scopes.js';

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f2f5f4;margin:0;color:#1d2b27}
header{background:#00a36c;color:#fff;padding:14px 24px;font-weight:700;font-size:20px;letter-spacing:.3px}
header small{font-weight:400;opacity:.85;margin-left:8px;font-size:13px}
main{max-width:420px;margin:32px auto;background:#fff;border-radius:12px;box-shadow:0 2px 10px rgba(0,0,0,.08);padding:28px 32px}
h1{font-size:21px;margin:0 0 6px} p.lead{color:#5b6b66;margin:0 0 20px}
label{display:block;font-size:13px;color:#5b6b66;margin:14px 0 4px}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:10px 12px;border:1px solid #cfd8d5;border-radius:8px;font-size:16px}
button{margin-top:20px;width:100%;padding:12px;border:0;border-radius:8px;font-size:16px;font-weight:600;cursor:pointer}
button.primary{background:#00a36c;color:#fff} button.secondary{background:#e9eeec;color:#1d2b27;margin-top:10px}
.error{background:#fdecea;color:#a1261b;border-radius:8px;padding:10px 12px;margin:0 0 12px}
.hint{font-size:12px;color:#7a8a85;margin-top:14px}
ul.perms{padding-left:0;list-style:none} ul.perms li{padding:8px 0;border-bottom:1px solid #eef2f0}
ul.perms code{font-size:12px;color:#00865a;display:block}
`;

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – Alif Bank</title><style>${STYLE}</style></head>
<body><header>alif<small>Sandbox · Alif Mobi</small></header><main>${body}</main></body></html>`;
}

function errorBox(error: string | undefined): string {
  return error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '';
}

export function loginPage(opts: {
  uid: string;
  clientName: string;
  error?: string;
  username?: string;
}): string {
  return layout(
    'Sign in',
    `
<h1>Sign in to Alif Mobi</h1>
<p class="lead">${escapeHtml(opts.clientName)} asks to access your Alif accounts.</p>
${errorBox(opts.error)}
<form method="post" action="/interaction/${escapeHtml(opts.uid)}/login" autocomplete="off">
  <label for="username">Username</label>
  <input type="text" id="username" name="username" value="${escapeHtml(opts.username ?? '')}" required autofocus>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" required>
  <button type="submit" class="primary">Continue</button>
</form>
<form method="post" action="/interaction/${escapeHtml(opts.uid)}/abort"><button type="submit" class="secondary">Cancel</button></form>`,
  );
}

export function otpPage(opts: { uid: string; phone: string; error?: string; otpHint: string }): string {
  return layout(
    'Confirm with a code',
    `
<h1>Enter the code</h1>
<p class="lead">We sent a one-time code by SMS to ${escapeHtml(opts.phone)}.</p>
${errorBox(opts.error)}
<form method="post" action="/interaction/${escapeHtml(opts.uid)}/otp" autocomplete="off">
  <label for="otp">One-time code</label>
  <input type="text" id="otp" name="otp" inputmode="numeric" pattern="[0-9]*" maxlength="8" required autofocus>
  <button type="submit" class="primary">Confirm</button>
</form>
<p class="hint">Sandbox: the one-time code is always <strong>${escapeHtml(opts.otpHint)}</strong>.</p>`,
  );
}

export function consentPage(opts: {
  uid: string;
  clientName: string;
  userName: string;
  scopes: string[];
}): string {
  const items = opts.scopes
    .map((s) => `<li>${escapeHtml(SCOPE_DESCRIPTIONS[s] ?? s)}<code>${escapeHtml(s)}</code></li>`)
    .join('');
  return layout(
    'Allow access',
    `
<h1>Allow access?</h1>
<p class="lead">${escapeHtml(opts.userName)}, <strong>${escapeHtml(opts.clientName)}</strong> asks for permission to:</p>
<ul class="perms">${items}</ul>
<form method="post" action="/interaction/${escapeHtml(opts.uid)}/confirm">
  <button type="submit" name="decision" value="allow" class="primary">Allow</button>
  <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`,
  );
}

export function errorPage(title: string, details: Record<string, string>): string {
  const rows = Object.entries(details)
    .map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: ${escapeHtml(v)}</p>`)
    .join('');
  return layout(title, `<h1>${escapeHtml(title)}</h1>${rows}`);
}
