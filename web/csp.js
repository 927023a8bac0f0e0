// csp.js: runs first, before any other script or request of the page. Picks the Hugging Face Hub endpoint (the
// user's setting in localStorage, else the site's default from a same-origin attnviz.config.json, else
// https://huggingface.co; never from a link) and writes the page's connect-src policy as a <meta> CSP: the page may
// connect to itself and to that endpoint (and its subdomains, where the Hub's file storage answers) and nowhere else.
// The rest of the policy is static in index.html. A changed endpoint takes effect at the next load (hub.js reloads).
'use strict';
(function () {
  const DEFAULT = 'https://huggingface.co';
  const clean = (v) => {
    try {
      const u = new URL(String(v));
      if (!/^https?:$/.test(u.protocol) || u.username || u.password) return '';
      return (u.origin + u.pathname).replace(/\/+$/, '');
    } catch (e) {
      return '';
    }
  };
  let siteUrl = '';
  let isolateWithServiceWorker = false;
  try {
    // Synchronous on purpose: the policy must be in place before the page's first fetch. Same origin, a few bytes.
    const x = new XMLHttpRequest();
    x.open('GET', 'attnviz.config.json', false);
    x.send();
    if (x.status === 200) {
      const j = JSON.parse(x.responseText);
      if (j && typeof j.hubEndpoint === 'string') siteUrl = clean(j.hubEndpoint);
      if (j && j.isolateWithServiceWorker === true) isolateWithServiceWorker = true;
    }
  } catch (e) { /* no site config: the default */ }
  let userUrl = '';
  try { userUrl = clean(localStorage.getItem('attnviz.hubEndpoint') || ''); } catch (e) { /* no storage */ }
  const url = userUrl || siteUrl || DEFAULT;
  const source = userUrl ? 'user' : siteUrl ? 'site' : 'default';
  window.attnvizHubEndpoint = {url, source, siteUrl: siteUrl || DEFAULT};

  // Sources for connect-src: the endpoint's origin, and *.host (the Hub redirects weight files to storage on its
  // subdomains; huggingface.co also to *.hf.co). An IP address has no subdomains.
  const u = new URL(url);
  const sources = [u.origin];
  if (!/^[\d.]+$|^\[/.test(u.hostname)) sources.push(`${u.protocol}//*.${u.hostname}${u.port ? ':*' : ''}`);
  if (u.hostname === 'huggingface.co') sources.push('https://*.hf.co');
  const meta = document.createElement('meta');
  meta.httpEquiv = 'Content-Security-Policy';
  meta.content = `connect-src 'self' ${sources.join(' ')}`;
  document.head.appendChild(meta);
  window.attnvizHubEndpoint.connectSrc = sources;

  // Cross-origin isolation (threads) on a host that cannot send COOP/COEP headers: when the site's
  // attnviz.config.json says {"isolateWithServiceWorker": true}, the npm package coi-serviceworker (loaded next by
  // index.html) registers a service worker that adds the two headers to every response of the page, and reloads the
  // page once. Off by default: a host that sends the headers needs none of it, and without either the page works
  // single-threaded. Turning the setting off again unregisters the worker.
  window.coi = {
    shouldRegister: () => isolateWithServiceWorker,
    shouldDeregister: () => !isolateWithServiceWorker,
    coepCredentialless: () => false,  // require-corp, as scripts/serve.mjs sends
    quiet: true,
  };
  window.attnvizIsolation = {serviceWorker: isolateWithServiceWorker};
})();
