// "Sign in with frontdesk" end to end: an admin registers a store app, and a small relying party served by
// this test (./relying-party.mjs) signs people in with it in Chromium: consent, remembered consent, Cancel,
// a member who may not connect apps, refresh-token rotation, Disconnect, and sign-out.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { admin, axe, base, closeBrowser, fillSignIn, launchBrowser, member, newContext, newPage, shot, signIn } from "./browser.mjs";
import { startRelyingParty } from "./relying-party.mjs";

const appName = "Harbour Booking";
let rp;

before(async () => {
  await launchBrowser();
  rp = await startRelyingParty({ issuer: base, name: appName });
});
after(async () => {
  await rp?.close();
  await closeBrowser();
});

/** A signed-out person's own browser, on the app's home page. */
async function visitor() {
  const context = await newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(rp.url);
  await page.getByRole("heading", { level: 1, name: appName }).waitFor();
  return page;
}

/** The app's status line (what its last step reported). */
const status = (page) => page.getByRole("status");

/** The person's browser after an earlier test, kept for the ones that follow. */
let adminBrowser;

test("an admin registers a store app with redirect URIs, OpenID Connect scopes and PKCE", async () => {
  const page = await newPage();
  await signIn(page, admin);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My store apps" }).click();
  await page.getByRole("link", { name: "Add a new store app" }).click();
  await page.getByRole("heading", { level: 1, name: "New store app" }).waitFor();

  await page.getByLabel("Client code").fill("HARBOUR");
  await page.getByLabel("Client name").fill(appName);
  // No logo: an external image would not load offline, and the consent screen must do without one.
  assert.equal(await page.getByLabel("Logo URL").inputValue(), "");
  await page.getByLabel("Redirect URIs", { exact: true }).fill(`${rp.url}/callback`);
  await page.getByLabel("Post-logout redirect URIs").fill(`${rp.url}/bye`);
  await page.getByLabel("Secret description").fill("Web server");
  await page.getByRole("group", { name: "Core API" }).getByRole("checkbox", { name: /^reservations\.read / }).check();
  const oidc = page.getByRole("group", { name: "OpenID Connect" });
  for (const scope of ["openid", "profile", "offline_access"]) {
    await oidc.getByRole("checkbox", { name: new RegExp(`^${scope} `) }).check();
  }
  await page.getByRole("checkbox", { name: "Require PKCE" }).check();
  // The store app's own fields, at the top of the form (the OpenID Connect scopes show on consent.png).
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, "new-store-app");
  await axe(page, "new store app (filled)");
  await page.getByRole("button", { name: "Save" }).click();

  const id = await page.getByRole("textbox", { name: "Client ID", exact: true }).inputValue();
  const secret = await page.getByRole("textbox", { name: "Client secret", exact: true }).inputValue();
  assert.match(id, /-AC-HARBOUR$/);
  assert.match(secret, /^[A-Za-z0-9]{32,}$/);
  rp.client = { id, secret };
  await page.context().close();
});

test("a signed-out admin signs in through the app, authorizes it from the keyboard, and the app refreshes", async () => {
  assert.ok(rp.client, "the app was registered");
  const page = await visitor();
  await page.getByRole("link", { name: "Sign in with frontdesk" }).click();
  assert.ok(page.url().startsWith(`${base}/login?`), page.url());
  await fillSignIn(page, admin);

  await page.getByRole("heading", { level: 1, name: `Authorize ${appName}` }).waitFor();
  const main = page.getByRole("main");
  await main.getByText(rp.client.id, { exact: true }).waitFor();
  await main.getByText(`You are signed in as Ada Admin (${admin.email})`).waitFor();
  const core = page.getByRole("region", { name: "Core API" });
  assert.deepEqual(await core.getByRole("listitem").allInnerTexts(), ["Read reservations reservations.read new"]);
  const connect = page.getByRole("region", { name: "OpenID Connect" });
  assert.deepEqual(await connect.getByRole("listitem").allInnerTexts(), [
    "Sign people in and learn who they are openid new",
    "Read the person's name and role profile new",
    "Stay connected with a refresh token offline_access new",
  ]);
  assert.equal(await page.locator("img").count(), 0, "no logo registered, no image");
  const authorize = page.getByRole("button", { name: "Authorize" });
  await authorize.waitFor();
  await page.getByRole("button", { name: "Cancel" }).waitFor();
  await shot(page, "consent", { fullPage: true });
  await axe(page, "consent");

  // The keyboard alone: Tab until the Authorize button has the focus, which must show, then Enter.
  for (let i = 0; i < 30 && !(await authorize.evaluate((b) => b === document.activeElement)); i += 1) {
    await page.keyboard.press("Tab");
  }
  assert.ok(await authorize.evaluate((b) => b === document.activeElement), "Tab reaches Authorize");
  assert.ok(await authorize.evaluate((b) => b.matches(":focus-visible")), "the focus on Authorize is visible");
  assert.notEqual(await authorize.evaluate((b) => getComputedStyle(b).outlineStyle), "none");
  await page.keyboard.press("Enter");

  await page.waitForURL(`${rp.url}/callback?**`);
  await page.getByText(`Signed in as Ada Admin (${admin.email})`).waitFor();
  assert.equal(await status(page).count(), 0, "nothing went wrong");
  await axe(page, "relying party (signed in)");
  await page.getByRole("button", { name: "Ask who I am" }).click();
  await status(page).getByText("Userinfo: Ada Admin, AccountAdmin").waitFor();

  // Refresh tokens rotate: the new one works, and the one it replaced is dead.
  await page.getByRole("button", { name: "Refresh tokens" }).click();
  await status(page).getByText("Refreshed: a new access token for reservations.read openid profile offline_access").waitFor();
  await page.getByRole("button", { name: "Refresh with the previous refresh token" }).click();
  await status(page).getByText("Refresh failed: invalid_grant").waitFor();

  // Consent is remembered: signing in again goes straight back to the app, no page on the way.
  const pages = [];
  page.on("response", (r) => { if (r.url().startsWith(`${base}/connect/authorize`) && r.status() === 200) pages.push(r.url()); });
  await page.getByRole("link", { name: "Sign in with frontdesk" }).click();
  await page.waitForURL(`${rp.url}/callback?**`);
  await page.getByText(`Signed in as Ada Admin (${admin.email})`).waitFor();
  assert.equal(await status(page).count(), 0, "signed in again");
  assert.deepEqual(pages, [], "no consent page the second time");
  page.removeAllListeners("response");

  // Cancel, when asked again (prompt=consent), sends access_denied back to the app.
  await page.getByRole("link", { name: `Review what ${appName} may do` }).click();
  await page.getByRole("heading", { level: 1, name: `Authorize ${appName}` }).waitFor();
  assert.equal(await page.getByText("new", { exact: true }).count(), 0, "nothing new to consent to");
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.waitForURL(`${rp.url}/callback?**`);
  await status(page).getByText(/^Sign-in failed: access_denied/).waitFor();
  assert.equal(new URL(page.url()).searchParams.get("error"), "access_denied");
  adminBrowser = page;
});

test("a member going through the app is asked to find an account admin, and goes back with access_denied", async () => {
  const page = await visitor();
  await page.getByRole("link", { name: "Sign in with frontdesk" }).click();
  await fillSignIn(page, member);
  await page.getByRole("heading", { level: 1, name: `Ask an account admin to connect ${appName}` }).waitFor();
  await page.getByRole("listitem").filter({ hasText: `Ada Admin (${admin.email})` }).waitFor();
  await axe(page, "ask an account admin");
  await page.getByRole("button", { name: `Back to ${appName}` }).click();
  await page.waitForURL(`${rp.url}/callback?**`);
  await status(page).getByText(/^Sign-in failed: access_denied/).waitFor();
  await page.getByText("Not signed in.").waitFor();

  // Without an id_token to prove who is signing out, frontdesk asks first.
  await page.getByRole("link", { name: "Sign out of frontdesk" }).click();
  await page.getByRole("heading", { level: 1, name: "Sign out of frontdesk?" }).waitFor();
  await page.getByRole("main").getByText(`${appName} asks to sign you out of frontdesk. You are signed in as ${member.email}.`).waitFor();
  await axe(page, "sign out of frontdesk?");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${rp.url}/bye?**`);
  await page.getByRole("heading", { level: 1, name: "Signed out of the app" }).waitFor();
  await page.goto(`${base}/apps/connected-apps`);
  await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
  await page.context().close();
});

test("Connected apps lists the app; Disconnect ends its tokens; the app signs the person out", async () => {
  assert.ok(adminBrowser, "the admin signed in through the app");
  const page = adminBrowser;
  await page.goto(rp.url);
  await page.getByRole("button", { name: "Refresh tokens" }).click();
  await status(page).getByText(/^Refreshed/).waitFor();

  await page.goto(`${base}/apps/connected-apps`);
  const connections = page.getByRole("table", { name: "Store apps connected to this account" });
  const row = connections.getByRole("row").filter({ hasText: appName });
  assert.deepEqual((await row.getByRole("cell").allInnerTexts()).slice(1, 4), [rp.client.id, "Store app", "Ada Admin"]);
  await axe(page, "connected apps (a store app connected)");

  // From the keyboard: the row's Disconnect link, then the confirmation's button.
  await row.getByRole("link", { name: `Disconnect ${appName}` }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: `Disconnect ${appName}?` }).waitFor();
  await page.getByRole("main").getByText(rp.client.id).waitFor();
  await axe(page, "disconnect store app");
  await page.getByRole("button", { name: "Disconnect app" }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("status").filter({ hasText: `${appName} was disconnected.` }).waitFor();
  await page.getByText("No store app is connected.").waitFor();
  assert.equal(await connections.count(), 0);

  await page.goto(rp.url);
  await page.getByRole("button", { name: "Refresh tokens" }).click();
  await status(page).getByText("Refresh failed: invalid_grant").waitFor();
  await page.getByRole("button", { name: "Ask who I am" }).click();
  await status(page).getByText(/^Userinfo failed: 401/).waitFor();

  // Sign-out through the app: with its id_token_hint, frontdesk signs the person out at once.
  await page.getByRole("link", { name: "Sign out" }).click();
  await page.waitForURL(`${rp.url}/bye?**`);
  await page.getByRole("heading", { level: 1, name: "Signed out of the app" }).waitFor();
  await page.goto(`${base}/apps/connected-apps`);
  await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
  await page.context().close();
});
