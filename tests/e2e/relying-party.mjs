// A store app's web site, as small as one can be: "Sign in with frontdesk" by the authorization-code flow
// with PKCE, then refresh, userinfo and sign-out. Node's http and crypto only, no OAuth library, so every
// step the test relies on is written out here, as a developer would write it against the README.
import { createHash, createPublicKey, randomBytes, verify } from "node:crypto";
import { createServer } from "node:http";

const random = () => randomBytes(32).toString("base64url");
const sha256 = (text) => createHash("sha256").update(text).digest();
const esc = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Starts the app on a free loopback port. `name` is the app's name on its pages. The client ID and
 * secret are set on the returned object once the app is registered (`rp.client = { id, secret }`).
 */
export async function startRelyingParty({ issuer, name }) {
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const jwks = await (await fetch(discovery.jwks_uri)).json();
  const sessions = new Map(); // cookie value -> session
  const rp = { client: null, discovery };

  function sessionOf(request, response) {
    const sid = /(?:^|;\s*)rp_sid=([^;]+)/.exec(request.headers.cookie ?? "")?.[1];
    if (sid && sessions.has(sid)) return sessions.get(sid);
    const fresh = random();
    const session = { pending: new Map() };
    sessions.set(fresh, session);
    response.setHeader("set-cookie", `rp_sid=${fresh}; Path=/; HttpOnly; SameSite=Lax`);
    return session;
  }

  /** An authorization request URL; its state, nonce and PKCE verifier wait in the session. */
  function authorizeUrl(session, extra = {}) {
    const state = random();
    const nonce = random();
    const verifier = random();
    session.pending.set(state, { nonce, verifier });
    const url = new URL(discovery.authorization_endpoint);
    const params = {
      response_type: "code",
      client_id: rp.client.id,
      redirect_uri: `${rp.url}/callback`,
      scope: "openid profile offline_access reservations.read",
      state,
      nonce,
      code_challenge: sha256(verifier).toString("base64url"),
      code_challenge_method: "S256",
      ...extra,
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.href;
  }

  /** RP-Initiated Logout: with the id_token as the hint when there is one, else naming the app. */
  function endSessionUrl(session) {
    session.logoutState = random();
    const url = new URL(discovery.end_session_endpoint);
    if (session.idToken) url.searchParams.set("id_token_hint", session.idToken);
    else url.searchParams.set("client_id", rp.client.id);
    url.searchParams.set("post_logout_redirect_uri", `${rp.url}/bye`);
    url.searchParams.set("state", session.logoutState);
    return url.href;
  }

  async function tokenRequest(form) {
    const response = await fetch(discovery.token_endpoint, {
      method: "POST",
      headers: {
        // RFC 6749 §2.3.1: id and secret form-encoded before Basic.
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(rp.client.id)}:${encodeURIComponent(rp.client.secret)}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(form).toString(),
    });
    return { ok: response.ok, body: await response.json() };
  }

  /** The id_token's claims, once its RS256 signature (against the JWKS), issuer, audience, expiry,
   * nonce and at_hash are checked; throws otherwise. */
  function checkIdToken(idToken, accessToken, nonce) {
    const [head, payload, signature] = idToken.split(".");
    const header = JSON.parse(Buffer.from(head, "base64url"));
    const claims = JSON.parse(Buffer.from(payload, "base64url"));
    if (header.alg !== "RS256") throw new Error(`id_token alg is ${header.alg}`);
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    if (!jwk) throw new Error(`no key ${header.kid} in the JWKS`);
    const key = createPublicKey({ key: jwk, format: "jwk" });
    if (!verify("RSA-SHA256", Buffer.from(`${head}.${payload}`), key, Buffer.from(signature, "base64url"))) {
      throw new Error("id_token signature does not verify");
    }
    const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (claims.iss !== discovery.issuer) throw new Error(`id_token iss is ${claims.iss}`);
    if (!audience.includes(rp.client.id)) throw new Error(`id_token aud is ${claims.aud}`);
    if (claims.exp * 1000 < Date.now()) throw new Error("id_token has expired");
    if (claims.nonce !== nonce) throw new Error("id_token nonce does not match");
    const half = sha256(accessToken).subarray(0, 16).toString("base64url");
    if (claims.at_hash !== undefined && claims.at_hash !== half) throw new Error("id_token at_hash does not match");
    return claims;
  }

  async function userinfo(accessToken) {
    const response = await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` } });
    const body = response.ok ? await response.json() : null;
    return { ok: response.ok, status: response.status, body, challenge: response.headers.get("www-authenticate") };
  }

  function page(session, message) {
    const who = session.user;
    const signedIn = who
      ? `<p>Signed in as ${esc(who.preferred_username)} (${esc(who.email)})</p>
  <form method="post" action="/refresh"><button type="submit">Refresh tokens</button></form>
  <form method="post" action="/refresh-old"><button type="submit">Refresh with the previous refresh token</button></form>
  <form method="post" action="/userinfo"><button type="submit">Ask who I am</button></form>
  <p><a href="${esc(endSessionUrl(session))}">Sign out</a></p>`
      : `<p>Not signed in.</p>
  <p><a href="${esc(endSessionUrl(session))}">Sign out of frontdesk</a></p>`;
    return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${esc(name)}</title></head>
<body>
<main>
  <h1>${esc(name)}</h1>
  ${message ? `<p role="status">${esc(message)}</p>` : ""}
  ${signedIn}
  <p><a href="${esc(authorizeUrl(session))}">Sign in with frontdesk</a></p>
  <p><a href="${esc(authorizeUrl(session, { prompt: "consent" }))}">Review what ${esc(name)} may do</a></p>
</main>
</body>
</html>`;
  }

  async function handle(request, response) {
    const url = new URL(request.url, rp.url);
    const session = sessionOf(request, response);
    const send = (status, message, html) => {
      response.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      response.end(html ?? page(session, message));
    };
    const q = (key) => url.searchParams.get(key);
    switch (`${request.method} ${url.pathname}`) {
      case "GET /":
        return send(200, null);
      case "GET /callback": {
        const pending = session.pending.get(q("state"));
        if (!pending) return send(400, "Sign-in failed: the state does not match a sign-in this browser started");
        session.pending.delete(q("state"));
        // RFC 9207: the answer names who sent it.
        if (q("iss") !== discovery.issuer) return send(400, `Sign-in failed: iss is ${q("iss")}`);
        if (q("error")) return send(200, `Sign-in failed: ${q("error")} (${q("error_description") ?? ""})`);
        const token = await tokenRequest({
          grant_type: "authorization_code",
          code: q("code"),
          redirect_uri: `${rp.url}/callback`,
          code_verifier: pending.verifier,
        });
        if (!token.ok) return send(200, `Sign-in failed: ${token.body.error}`);
        try {
          session.claims = checkIdToken(token.body.id_token, token.body.access_token, pending.nonce);
        } catch (e) {
          return send(200, `Sign-in failed: ${e.message}`);
        }
        const info = await userinfo(token.body.access_token);
        if (!info.ok) return send(200, `Sign-in failed: userinfo answered ${info.status}`);
        if (info.body.sub !== session.claims.sub) return send(200, "Sign-in failed: userinfo names someone else");
        Object.assign(session, {
          user: info.body, token: token.body, idToken: token.body.id_token,
          refreshToken: token.body.refresh_token, previousRefreshToken: null,
        });
        return send(200, null);
      }
      case "POST /refresh":
      case "POST /refresh-old": {
        const old = url.pathname === "/refresh-old";
        const refreshToken = old ? session.previousRefreshToken : session.refreshToken;
        if (!refreshToken) return send(400, "Refresh failed: no such refresh token");
        const token = await tokenRequest({ grant_type: "refresh_token", refresh_token: refreshToken });
        if (!token.ok) return send(200, `Refresh failed: ${token.body.error}`);
        session.previousRefreshToken = refreshToken;
        session.refreshToken = token.body.refresh_token;
        session.token = token.body;
        if (token.body.id_token) session.idToken = token.body.id_token;
        return send(200, `Refreshed: a new access token for ${token.body.scope}`);
      }
      case "POST /userinfo": {
        const info = session.token ? await userinfo(session.token.access_token) : { ok: false, status: "no token" };
        return send(200, info.ok ? `Userinfo: ${info.body.preferred_username}, ${info.body.role}`
          : `Userinfo failed: ${info.status} ${info.challenge ?? ""}`.trim());
      }
      case "GET /bye": {
        if (!session.logoutState || q("state") !== session.logoutState) {
          return send(400, "The sign-out's state does not match");
        }
        sessions.forEach((s, sid) => { if (s === session) sessions.delete(sid); });
        return send(200, null, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signed out - ${esc(name)}</title></head>
<body><main><h1>Signed out of the app</h1><p><a href="/">Back to ${esc(name)}</a></p></main></body></html>`);
      }
      default:
        return send(404, "Not found");
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((e) => {
      response.writeHead(500, { "content-type": "text/plain" });
      response.end(String(e?.stack ?? e));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  rp.url = `http://127.0.0.1:${server.address().port}`;
  rp.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); });
  return rp;
}
