// The console's entry: asks GET /console/session whether an operator is signed in, shows the
// sign-in form (a plain form post: the key goes to the server once and is not kept by the page)
// or the pages, routed by the URL hash (#/tools) so every page has an address and Back works.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { html } from "./html.js";
import { api, setCsrf } from "./api.js";
import { Overview } from "./pages/overview.js";
import { Tools } from "./pages/tools.js";
import { Upstreams } from "./pages/upstreams.js";
import { Clients } from "./pages/clients.js";
import { Credentials } from "./pages/credentials.js";
import { Audit } from "./pages/audit.js";

const PAGES = [
  ["overview", "Overview", Overview],
  ["tools", "Tools", Tools],
  ["upstreams", "Upstreams", Upstreams],
  ["clients", "Clients", Clients],
  ["credentials", "Credentials", Credentials],
  ["audit", "Audit", Audit],
];

function currentPage() {
  const name = location.hash.replace(/^#\/?/, "").split("?")[0];
  return PAGES.find(([id]) => id === name) ?? PAGES[0];
}

function SignIn({ oidc }) {
  const failed = new URLSearchParams(location.search).get("signin") === "failed";
  return html`
    <main class="signin">
      <h1>Nexus console</h1>
      <form method="post" action="/console/login" class="card">
          <label for="key">Admin key</label>
          <input id="key" name="key" type="password" autocomplete="off" required autofocus />
          ${failed
            ? html`<p class="error" role="alert">Sign-in failed: not an administrator</p>`
            : null}
          <button type="submit">Sign in</button>
        </form>
      ${oidc
        ? html`<p><a class="button" href="/console/oidc/start">Sign in with single sign-on</a></p>`
        : null}
    </main>
  `;
}

function Shell({ admin }) {
  const [page, setPage] = useState(currentPage());
  useEffect(() => {
    const onHash = () => setPage(currentPage());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    document.title = `${page[1]} · Nexus console`;
  }, [page]);
  const signOut = async () => {
    await api("/console/logout", { method: "POST" }).catch(() => {});
    location.replace("/console");
  };
  const [id, , Page] = page;
  return html`
    <div class="shell">
      <a class="skip" href="#main">Skip to content</a>
      <header>
        <strong class="brand">Nexus</strong>
        <nav aria-label="Pages">
            ${PAGES.map(([pid, label]) =>
              html`<a href=${`#/${pid}`} aria-current=${
                pid === id ? "page" : undefined
              }>${label}</a>`
            )}
          </nav>
        <span class="who">${admin}</span>
        <button class="link" onClick=${signOut}>Sign out</button>
      </header>
      <main id="main" tabindex="-1">
        <${Page} key=${id} />
      </main>
    </div>
  `;
}

function App() {
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    api("/console/session").then((session) => {
      if (!session.signedIn) return setState({ signedOut: true, oidc: session.oidc });
      setCsrf(session.csrf);
      setState({ admin: session.admin });
    }).catch(() => setState({ signedOut: true }));
  }, []);
  if (state.loading) return html`<p class="muted">Loading…</p>`;
  if (state.signedOut) return html`<${SignIn} oidc=${state.oidc} />`;
  return html`<${Shell} admin=${state.admin} />`;
}

render(html`<${App} />`, document.getElementById("app"));
