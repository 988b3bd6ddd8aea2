// The dashboard as a person uses it, in Debian's Chromium: every step found by role and label.
// Each page visited is checked with axe-core; serious or critical violations fail the test.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { admin, axe, base, closeBrowser, launchBrowser, member, newContext, newPage, shot, signIn } from "./browser.mjs";

before(launchBrowser);
after(closeBrowser);

let created; // { clientId, secret }

test("an admin registers an app and gets its credentials once", async () => {
  const page = await newPage();
  await page.goto(`${base}/login`);
  await axe(page, "sign in");
  await signIn(page, admin);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connected apps" }).click();
  await axe(page, "connected apps (empty)");

  const add = page.getByRole("link", { name: "Add a new app" });
  await add.click();
  const dialog = page.getByRole("dialog", { name: "Add a new app" });
  await dialog.waitFor();
  await shot(page, "dialog");
  await axe(page, "add a new app dialog");
  await dialog.getByRole("link", { name: "Add custom app" }).click();
  await page.getByRole("heading", { level: 1, name: "New custom app" }).waitFor();
  await axe(page, "new custom app");

  // A first try with mistakes: the errors are announced and tied to their fields.
  await page.getByLabel("Client code").fill("voice-hive");
  await page.getByRole("button", { name: "Save" }).click();
  const codeError = page.getByText("Use only letters, digits and underscores (_)").last();
  await codeError.waitFor();
  const described = await page.getByLabel("Client code").getAttribute("aria-describedby");
  assert.match(described, /client_code-error/);
  assert.equal(await page.getByLabel("Client code").getAttribute("aria-invalid"), "true");
  await page.getByRole("alert").filter({ hasText: "Please correct the following" }).waitFor();
  await shot(page, "form-with-errors", { fullPage: true });
  await axe(page, "new custom app with errors");

  await page.getByLabel("Client code").fill("VOICEHIVE");
  await page.getByLabel("Client name").fill("Voice Hive");
  await page.getByRole("radio", { name: "Retrieve", exact: true }).check();
  await page.getByLabel("Secret description").fill("Production server");
  const core = page.getByRole("group", { name: "Core API" });
  await core.getByRole("checkbox", { name: /^reservations\.read / }).check();
  await core.getByRole("checkbox", { name: /^setup\.read / }).check();
  await page.getByRole("group", { name: "Payment API" }).getByRole("checkbox", { name: /^payment:transactions\.read / }).check();
  await page.getByRole("button", { name: "Save" }).click();

  const clientId = await page.getByRole("textbox", { name: "Client ID", exact: true }).inputValue();
  const secret = await page.getByRole("textbox", { name: "Client secret", exact: true }).inputValue();
  assert.equal(clientId, "DEMO-SP-VOICEHIVE");
  assert.match(secret, /^[A-Za-z0-9]{32,}$/);
  await shot(page, "credentials", { fullPage: true });
  await axe(page, "credentials");

  await page.getByRole("button", { name: "Copy client ID" }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), clientId);
  await page.getByRole("button", { name: "Copy client secret" }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  await page.getByRole("button", { name: "Copy the curl command" }).click();
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /curl -X POST .*\/connect\/token/s);

  // Leaving before confirming the copy asks first.
  await page.getByRole("link", { name: "Done" }).click();
  await page.getByText("Confirm that you copied the client secret").waitFor();
  assert.match(page.url(), /\/apps\/connected-apps\/create$/);
  await page.getByLabel("I have copied the client secret").check();
  await page.getByRole("link", { name: "Done" }).click();
  await page.getByRole("heading", { level: 1, name: "Voice Hive" }).waitFor();

  // The secret obtains a token at the identity endpoint.
  const response = await fetch(`${base}/connect/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials",
  });
  assert.equal(response.status, 200);
  const token = await response.json();
  assert.equal(token.token_type, "Bearer");
  assert.equal(token.scope, "reservations.read setup.read payment:transactions.read");

  // Never shown again: going back finds no cached copy (the browser would have to post the form again).
  await page.goBack().catch(() => {});
  await page.waitForLoadState().catch(() => {});
  assert.ok(!(await page.locator("body").innerText().catch(() => "")).includes(secret));
  await page.goto(`${base}/apps/connected-apps/${clientId}`);
  assert.ok(!(await page.content()).includes(secret));
  created = { clientId, secret };
  await page.context().close();
});

test("the app page: secrets rotate, scopes change, the app goes", async () => {
  const page = await newPage();
  await signIn(page, admin);
  await page.getByRole("link", { name: "Voice Hive" }).click();
  await page.getByRole("heading", { level: 1, name: "Voice Hive" }).waitFor();
  await shot(page, "app-page", { fullPage: true });
  await axe(page, "app page");

  await page.getByRole("link", { name: "Add secret" }).click();
  await axe(page, "add secret");
  await page.getByLabel("Secret description").fill("Rotation 2026");
  await page.getByRole("button", { name: "Add secret" }).click();
  const second = await page.getByRole("textbox", { name: "Client secret", exact: true }).inputValue();
  assert.notEqual(second, created.secret);
  await page.getByLabel("I have copied the client secret").check();
  await page.getByRole("link", { name: "Done" }).click();

  const secrets = page.getByRole("table", { name: "Secrets of Voice Hive" });
  assert.equal(await secrets.getByRole("row").count(), 3);
  await secrets.getByRole("link", { name: "Delete secret Production server" }).click();
  await page.getByRole("heading", { level: 1, name: /Production server/ }).waitFor();
  await axe(page, "delete secret");
  await page.getByRole("button", { name: "Delete secret" }).click();
  await page.getByRole("status").filter({ hasText: "Deleted the secret “Production server”" }).waitFor();
  assert.equal(await secrets.getByRole("row").count(), 2);

  await page.getByRole("link", { name: "Edit", exact: true }).click();
  await axe(page, "edit app");
  await page.getByRole("group", { name: "Core API" }).getByRole("checkbox", { name: /^folios\.read / }).check();
  await page.getByRole("group", { name: "Core API" }).getByRole("checkbox", { name: /^setup\.read / }).uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").filter({ hasText: "Saved the changes to Voice Hive." }).waitFor();
  const scopes = page.getByRole("region", { name: "Scopes" });
  assert.ok(await scopes.getByText("folios.read").isVisible());
  assert.equal(await scopes.getByText("setup.read").count(), 0);
  await page.getByRole("region", { name: "Activity" }).getByText("Scopes added: folios.read").waitFor();

  await page.goto(`${base}/activity`);
  await axe(page, "activity");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connected apps" }).click();

  // Narrow screens keep working.
  await page.setViewportSize({ width: 375, height: 800 });
  await shot(page, "list-375px", { fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await shot(page, "list");
  await axe(page, "connected apps");

  await page.getByRole("button", { name: "Actions for Voice Hive" }).click();
  await page.getByRole("link", { name: "Delete" }).click();
  await page.getByRole("heading", { level: 1, name: "Delete Voice Hive?" }).waitFor();
  await axe(page, "delete app");
  await page.getByRole("button", { name: "Delete app" }).click();
  await page.getByRole("status").filter({ hasText: "Deleted Voice Hive (DEMO-SP-VOICEHIVE)" }).waitFor();
  assert.equal(await page.getByRole("link", { name: "Voice Hive" }).count(), 0);
  await page.context().close();
});

test("a member sees apps read-only", async () => {
  const adminPage = await newPage();
  await signIn(adminPage, admin);
  await adminPage.goto(`${base}/apps/connected-apps/create`);
  await adminPage.getByLabel("Client code").fill("READER");
  await adminPage.getByLabel("Client name").fill("Report reader");
  await adminPage.getByLabel("Secret description").fill("BI tool");
  await adminPage.getByRole("checkbox", { name: /^reports\.read / }).check();
  await adminPage.getByRole("button", { name: "Save" }).click();
  await adminPage.context().close();

  const page = await newPage();
  await signIn(page, member);
  assert.equal(await page.getByRole("link", { name: "Add a new app" }).count(), 0);
  assert.equal(await page.getByRole("button", { name: /Actions for/ }).count(), 0);
  await axe(page, "connected apps (member)");
  await page.getByRole("link", { name: "Report reader" }).click();
  await page.getByRole("heading", { level: 1, name: "Report reader" }).waitFor();
  for (const name of ["Edit", "Delete app", "Add secret"]) {
    assert.equal(await page.getByRole("link", { name, exact: true }).count(), 0, name);
  }
  assert.equal(await page.getByRole("textbox", { name: "Copy create link" }).count(), 0);
  await axe(page, "app page (member)");
  const response = await page.goto(`${base}/apps/connected-apps/create`);
  assert.equal(response.status(), 403);
  await page.getByRole("heading", { level: 1, name: "Not allowed" }).waitFor();
  await page.getByRole("link", { name: "Go to Connected apps" }).click();

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
  await page.goto(`${base}/apps/connected-apps`);
  await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
  await page.context().close();
});

test("the whole flow works from the keyboard", async () => {
  const page = await newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel("Email").focus();
  await page.keyboard.type(admin.email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(admin.password);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Connected apps" }).waitFor();

  const opener = page.getByRole("link", { name: "Add a new app" });
  await opener.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Add a new app" });
  await dialog.waitFor();
  // Focus stays inside the dialog however often Tab is pressed...
  for (let i = 0; i < 6; i += 1) {
    await page.keyboard.press("Tab");
    assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), `focus left the dialog after ${i + 1} Tab(s)`);
  }
  // ...Esc closes it, and focus returns to the button.
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), "Add a new app");

  // Visible focus: the focused control draws an outline.
  const outline = await opener.evaluate((el) => getComputedStyle(el).outlineStyle);
  assert.notEqual(outline, "none");

  await page.keyboard.press("Enter");
  await dialog.waitFor();
  // Opening the dialog puts focus on its first choice.
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), "Add custom app");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "New custom app" }).waitFor();
  await page.getByLabel("Client code").focus();
  await page.keyboard.type("KEYBOARD");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Keyboard app");
  await page.getByLabel("Secret description").focus();
  await page.keyboard.type("Typed");
  await page.getByRole("checkbox", { name: /^setup\.read / }).focus();
  await page.keyboard.press("Space");
  await page.getByRole("button", { name: "Save" }).focus();
  await page.keyboard.press("Enter");
  assert.equal(await page.getByRole("textbox", { name: "Client ID", exact: true }).inputValue(), "DEMO-SP-KEYBOARD");
  await page.context().close();
});

test("dark mode and a phone-sized screen keep enough contrast", async () => {
  for (const [name, options] of [
    ["dark", { colorScheme: "dark", viewport: { width: 1280, height: 900 } }],
    ["375px", { viewport: { width: 375, height: 800 } }],
  ]) {
    const context = await newContext(options);
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await axe(page, `sign in (${name})`);
    await signIn(page, admin);
    await axe(page, `connected apps (${name})`);
    await page.getByRole("link", { name: "Report reader" }).click();
    await axe(page, `app page (${name})`);
    await page.goto(`${base}/apps/connected-apps/create`);
    await page.getByRole("button", { name: "Save" }).click();
    await axe(page, `form with errors (${name})`);
    if (name === "dark") await shot(page, "form-with-errors-dark");
    await context.close();
  }
});

test("at 375 px every page fits the screen, even with the longest client ID", async () => {
  // ClientCode::MAX_LEN in src/domain/codes.rs: 32 letters, digits and underscores, none a place to break a line.
  const code = "CHANNEL_MANAGER_SYNC_2026_EUROPE";
  assert.equal(code.length, 32);
  const page = await newPage({ width: 375, height: 800 });
  const widths = [];
  async function fits(name) {
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
    widths.push({ name, scrollWidth, innerWidth });
  }

  await page.goto(`${base}/login`);
  await fits("sign in");
  await signIn(page, admin);
  await page.goto(`${base}/apps/connected-apps/create`);
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("alert").filter({ hasText: "Please correct the following" }).waitFor();
  await fits("new custom app with errors");
  await page.getByLabel("Client code").fill(code);
  await page.getByLabel("Client name").fill("Channel manager sync");
  await page.getByLabel("Secret description").fill("Channel manager, Europe");
  await page.getByRole("checkbox", { name: /^setup\.read / }).check();
  await page.getByRole("button", { name: "Save" }).click();
  const clientId = await page.getByRole("textbox", { name: "Client ID", exact: true }).inputValue();
  assert.equal(clientId, `DEMO-SP-${code}`);
  await fits("credentials");

  const app = `/apps/connected-apps/${clientId}`;
  for (const [name, path] of [
    ["connected apps", "/apps/connected-apps"],
    ["app page", app],
    ["edit app", `${app}/edit`],
    ["add secret", `${app}/secrets/new`],
    ["delete app", `${app}/delete`],
    ["activity", "/activity"],
    ["activity of the app", `/activity?app=${clientId}`],
    ["users", "/users"],
    ["invite someone", "/users/invite"],
    ["profile", "/profile"],
  ]) {
    await page.goto(`${base}${path}`);
    await fits(name);
  }
  await page.goto(`${base}${app}`);
  await page.getByRole("link", { name: "Delete secret Channel manager, Europe" }).click();
  await page.getByRole("heading", { level: 1, name: /Channel manager, Europe/ }).waitFor();
  await fits("delete secret");

  console.log("scrollWidth at a 375 px viewport:");
  for (const w of widths) console.log(`  ${w.name.padEnd(28)} ${w.scrollWidth} px`);
  const overflowing = widths.filter((w) => w.scrollWidth > w.innerWidth);
  assert.deepEqual(overflowing, [], `pages wider than the 375 px screen: ${JSON.stringify(overflowing)}`);

  // The list's table, too wide for the screen, scrolls inside its own box, which the keyboard reaches and scrolls.
  await page.goto(`${base}/apps/connected-apps`);
  const table = page.getByRole("region", { name: "Connected apps" });
  assert.ok(await table.evaluate((box) => box.scrollWidth > box.clientWidth), "the table is wider than its box");
  await page.getByRole("button", { name: "Apply" }).focus();
  await page.keyboard.press("Tab");
  assert.ok(await table.evaluate((box) => box === document.activeElement), "Tab after the search form reaches the table");
  for (let i = 0; i < 3; i += 1) await page.keyboard.press("ArrowRight");
  // Keyboard scrolling is animated: wait for it to move rather than read it at once.
  await page.waitForFunction((box) => box.scrollLeft > 0, await table.elementHandle(), { timeout: 5000 })
    .catch(() => assert.fail("the arrow keys scroll the table"));
  await axe(page, "connected apps (375px, longest client ID)");
  await page.context().close();
});

test("an admin registers a store app from My store apps", async () => {
  const page = await newPage();
  await signIn(page, admin);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My store apps" }).click();
  await page.getByRole("heading", { level: 1, name: "My store apps" }).waitFor();
  await axe(page, "my store apps (empty)");
  await page.getByRole("link", { name: "Add a new store app" }).click();
  await page.getByRole("heading", { level: 1, name: "New store app" }).waitFor();
  await axe(page, "new store app");

  await page.getByLabel("Client code").fill("E2E_STORE");
  await page.getByLabel("Client name").fill("Store helper");
  await page.getByLabel("Redirect URIs", { exact: true }).fill("https://app.example.com/cb#fragment");
  await page.getByLabel("Secret description").fill("Production");
  await page.getByRole("checkbox", { name: "openid" }).check();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("A redirect URI cannot contain a fragment (#)").first().waitFor();
  await axe(page, "new store app with errors");

  await page.getByLabel("Redirect URIs", { exact: true }).fill("https://app.example.com/cb\nhttp://localhost:3000/cb");
  await page.getByRole("checkbox", { name: "Require PKCE" }).check();
  await page.getByRole("button", { name: "Save" }).click();
  const clientId = await page.getByRole("textbox", { name: "Client ID", exact: true }).inputValue();
  assert.match(clientId, /-AC-E2E_STORE$/);
  await axe(page, "store app credentials");

  await page.goto(`${base}/apps/connected-apps/${clientId}`);
  await page.getByText("http://localhost:3000/cb", { exact: true }).first().waitFor();
  await axe(page, "store app page");
  await page.close();
});
