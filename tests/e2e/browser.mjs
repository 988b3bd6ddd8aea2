// What every end-to-end test file shares: the server under test (from run.sh's environment), Debian's
// Chromium, axe-core on a page (serious or critical violations fail) and screenshots.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

export const base = process.env.FRONTDESK_URL;
export const admin = { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD };
export const member = { email: process.env.MEMBER_EMAIL, password: process.env.MEMBER_PASSWORD };
const shots = process.env.SCREENSHOT_DIR;
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let browser;
const axeSummary = [];

/** For `before()`: one Chromium for the file's tests. */
export async function launchBrowser() {
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--no-first-run"],
  });
}

/** For `after()`: closes Chromium and prints what axe-core found on each page. */
export async function closeBrowser() {
  await browser?.close();
  console.log("\naxe-core results (WCAG 2 A/AA rules), per page:");
  for (const { page, passes, violations } of axeSummary) {
    const found = violations.length ? violations.map((v) => `${v.id} (${v.impact})`).join(", ") : "none";
    console.log(`  ${page.padEnd(34)} ${String(passes).padStart(3)} rules passed; violations: ${found}`);
  }
}

/** A new browser context: its own cookies, so a new page is a new, signed-out person. */
export function newContext(options) {
  return browser.newContext(options);
}

export async function newPage(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  return context.newPage();
}

/** Runs axe-core on the page; fails on serious or critical violations. */
export async function axe(page, name) {
  // evaluate() runs outside the page's CSP, which (rightly) forbids injected scripts.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
  const violations = result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  axeSummary.push({ page: name, passes: result.passes.length, violations });
  const blocking = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(blocking, [], `axe found serious or critical problems on ${name}: ${JSON.stringify(blocking)}`);
}

export async function shot(page, name, options = {}) {
  await page.screenshot({ path: `${shots}/${name}.png`, ...options });
}

/** Fills frontdesk's sign-in form on the page the browser is on. */
export async function fillSignIn(page, who) {
  await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs in from the dashboard and waits for Connected apps. */
export async function signIn(page, who) {
  await page.goto(`${base}/apps/connected-apps`);
  await fillSignIn(page, who);
  await page.getByRole("heading", { level: 1, name: "Connected apps" }).waitFor();
}
