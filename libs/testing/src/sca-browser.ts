/**
 * A plain-HTTP "browser" for end-user steps in e2e tests: follows redirects with cookies, reads the
 * HTML form on each page and submits it with the fields a user would type. It knows nothing of the
 * sandbox's routes — only of what is on the page — so it drives any bank's login the same way.
 */
export class ScaBrowser {
  private readonly cookies = new Map<string, string>();
  /** Every URL visited, in order (the test inspects where the flow went). */
  readonly visited: string[] = [];

  constructor(private readonly stopAt: (url: URL) => boolean) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** GET or POST one URL and follow redirects until a page (200) or a URL `stopAt` accepts. */
  async open(url: string | URL, form?: Record<string, string>): Promise<{ url: URL; res: Response | null }> {
    let current = new URL(url);
    let init: RequestInit = form
      ? {
          method: 'POST',
          body: new URLSearchParams(form).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }
      : { method: 'GET' };
    for (let hop = 0; hop < 20; hop++) {
      if (this.stopAt(current)) return { url: current, res: null };
      this.visited.push(current.href);
      const res = await fetch(current, {
        ...init,
        redirect: 'manual',
        headers: { ...(init.headers as Record<string, string>), cookie: this.cookieHeader() },
      });
      this.keep(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        current = new URL(location, current);
        init = { method: 'GET' };
        continue;
      }
      return { url: current, res };
    }
    throw new Error('too many redirects');
  }

  /** Submits the page's form with `fields` (hidden inputs kept, a submit button's name/value included). */
  async submit(page: { url: URL; html: string }, fields: Record<string, string>, button?: string) {
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(page.html);
    if (!form) throw new Error(`no form on ${page.url.href}`);
    const values: Record<string, string> = {};
    for (const input of form[2]!.matchAll(/<input[^>]*>/gi)) {
      const name = /name="([^"]+)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
      const type = /type="([^"]+)"/.exec(input[0])?.[1] ?? 'text';
      if (name && type === 'hidden') values[name] = value;
    }
    if (button) {
      const b = new RegExp(`<button[^>]*name="([^"]+)"[^>]*value="${button}"`, 'i').exec(form[2]!);
      if (!b) throw new Error(`no button "${button}" on ${page.url.href}`);
      values[b[1]!] = button;
    }
    return this.open(new URL(form[1]!.replaceAll('&amp;', '&'), page.url), { ...values, ...fields });
  }
}

/**
 * The end user's journey through a bank's SCA pages: login (username + password), one-time code,
 * then the consent screen (allow or deny). Returns the URL the bank finally sent the browser to
 * outside its own origin (Hisob's callback, then the client's redirect_uri).
 */
export async function authoriseAtBank(
  authorisationUrl: string,
  user: { username: string; password: string; otp: string; decision?: 'allow' | 'deny' },
  stopAt: (url: URL) => boolean,
): Promise<{ finalUrl: URL; browser: ScaBrowser; pages: string[] }> {
  const browser = new ScaBrowser(stopAt);
  const pages: string[] = [];
  let step = await browser.open(authorisationUrl);
  for (let i = 0; i < 8 && step.res; i++) {
    const html = await step.res.text();
    pages.push(html);
    if (step.res.status !== 200)
      throw new Error(`bank answered ${step.res.status} at ${step.url.href}: ${html.slice(0, 300)}`);
    if (/name="password"/.test(html))
      step = await browser.submit(
        { url: step.url, html },
        // The login field is `username` at OAuth banks, `psuId` at Berlin Group ones.
        /name="psuId"/.test(html)
          ? { psuId: user.username, password: user.password }
          : { username: user.username, password: user.password },
      );
    else if (/name="otp"/.test(html)) step = await browser.submit({ url: step.url, html }, { otp: user.otp });
    else if (/name="decision"/.test(html))
      step = await browser.submit({ url: step.url, html }, {}, user.decision ?? 'allow');
    else throw new Error(`unexpected page at ${step.url.href}: ${html.slice(0, 300)}`);
  }
  if (step.res) throw new Error('the bank flow did not end');
  return { finalUrl: step.url, browser, pages };
}
