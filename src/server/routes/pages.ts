/** Server-rendered pages: no JavaScript needed, labelled fields, everything escaped. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2329;margin:0}
main{max-width:26rem;margin:8vh auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin-top:0}h2{font-size:1.05rem;margin:1.5rem 0 .5rem}label{display:block;margin:.6rem 0 .2rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #8a939c;border-radius:4px;font-size:1rem}
button,.button{display:inline-block;margin-top:1rem;padding:.6rem 1.1rem;border:0;border-radius:4px;background:#1f5fa8;color:#fff;font-size:1rem;text-decoration:none;cursor:pointer}
button:focus,input:focus,.button:focus{outline:3px solid #f0b400;outline-offset:2px}
.error{background:#fde8e8;border:1px solid #c53030;padding:.6rem;border-radius:4px}.notice{color:#4a5560;font-size:.9rem;margin-top:1.5rem}
.muted{color:#4a5560}img.logo{max-height:3rem;margin-bottom:1rem}code{background:#eef;padding:0 .2rem}`;

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

export interface LoginPageModel {
  title: string;
  logoUrl?: string | undefined;
  notice?: string | undefined;
  error?: string | undefined;
  returnTo: string;
  csrfToken: string;
  passwordProviders: Array<{ id: string; name: string }>;
  redirectProviders: Array<{ id: string; name: string; available: boolean }>;
  username?: string | undefined;
}

export function loginPage(m: LoginPageModel): string {
  const several = m.passwordProviders.length + m.redirectProviders.length > 1;
  const forms = m.passwordProviders
    .map(
      (p) => `<form method="post" action="/__authgate__/login" aria-label="${escapeHtml(p.name)}">
${several ? `<h2>${escapeHtml(p.name)}</h2>` : ''}<input type="hidden" name="provider" value="${escapeHtml(p.id)}">
<input type="hidden" name="csrf" value="${escapeHtml(m.csrfToken)}"><input type="hidden" name="rd" value="${escapeHtml(m.returnTo)}">
<label for="u-${escapeHtml(p.id)}">Username</label><input type="text" id="u-${escapeHtml(p.id)}" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${escapeHtml(m.username ?? '')}">
<label for="p-${escapeHtml(p.id)}">Password</label><input type="password" id="p-${escapeHtml(p.id)}" name="password" autocomplete="current-password" required>
<button type="submit">Sign in${several ? ` with ${escapeHtml(p.name)}` : ''}</button></form>`,
    )
    .join('\n');
  const buttons = m.redirectProviders
    .map((p) =>
      p.available
        ? `<p><a class="button" href="/__authgate__/login/${encodeURIComponent(p.id)}?rd=${encodeURIComponent(m.returnTo)}">Sign in with ${escapeHtml(p.name)}</a></p>`
        : `<p class="error" role="status">${escapeHtml(p.name)} is unavailable at the moment; try again shortly.</p>`,
    )
    .join('\n');
  const none = forms === '' && buttons === '' ? '<p class="error">No login provider is configured.</p>' : '';
  return layout(
    m.title,
    `${m.logoUrl ? `<img class="logo" src="${escapeHtml(m.logoUrl)}" alt="">` : ''}<h1>${escapeHtml(m.title)}</h1>
${m.error ? `<p class="error" role="alert">${escapeHtml(m.error)}</p>` : ''}${forms}${buttons}${none}
${m.notice ? `<p class="notice">${escapeHtml(m.notice)}</p>` : ''}`,
  );
}

export function logoutPage(csrfToken: string, username: string): string {
  return layout(
    'Sign out',
    `<h1>Sign out</h1><p>You are signed in as <strong>${escapeHtml(username)}</strong>.</p>
<form method="post" action="/__authgate__/logout"><input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}"><button type="submit">Sign out</button></form>`,
  );
}

export function messagePage(title: string, message: string, extra = ''): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${extra}`);
}
