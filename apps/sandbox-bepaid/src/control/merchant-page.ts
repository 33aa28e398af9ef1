/**
 * `GET /__sandbox/merchants/{id}` for a browser: the merchant's payments, newest first, with
 * what was sent and what the merchant answered. The JSON form has the same content.
 */
import type { Merchant, Payment } from '../bepaid/payments.js';

export function merchantPage(m: Merchant, payments: Payment[]): string {
  const rows = [...payments]
    .reverse()
    .map((p) => {
      const answers = p.attempts
        .map((a) =>
          a.timed_out
            ? 'timeout'
            : a.http_status === null
              ? `no answer (${a.error ?? '?'})`
              : `${a.http_status} ${JSON.stringify(a.body)}`,
        )
        .join('\n');
      const notes = p.notifications
        .map(
          (d) =>
            `${d.status}: ${d.attempts.map((a) => a.http_status ?? a.error ?? '?').join(', ')}${d.delivered ? '' : ' (not delivered)'}`,
        )
        .join('\n');
      return `<tr><td>${esc(p.createdAt)}</td><td><code>${esc(p.id)}</code><br><code>${esc(p.uid)}</code></td>
<td>${esc(p.account)}</td><td>${p.amount} ${esc(p.currency)}</td><td>${p.result ?? '—'}</td>
<td><b>${esc(p.status)}</b><br>${esc(p.message)}</td><td><pre>${esc(answers)}</pre></td><td><pre>${esc(notes)}</pre></td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bePaid simulator — ${esc(m.name ?? m.id)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}pre{margin:0;white-space:pre-wrap;max-width:40em}</style>
</head><body>
<h1>${esc(m.name ?? 'Merchant')} <small><code>${esc(m.id)}</code></small></h1>
<p>Shop ID <code>${esc(m.shopId)}</code> · verification <code>${esc(m.verificationUrl)}</code> · notifications <code>${esc(m.notificationUrl)}</code></p>
<table><thead><tr><th>created</th><th>id / uid</th><th>account</th><th>amount (minor)</th><th>result</th><th>status</th><th>verification answers</th><th>notifications (HTTP per attempt)</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="8">No payments yet: POST /__sandbox/pay</td></tr>'}
</tbody></table></body></html>
`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
