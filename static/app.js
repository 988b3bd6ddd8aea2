// frontdesk: small enhancements; every page works without them.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // "Add a new app" opens its dialog instead of navigating to the page version of it.
  for (const opener of document.querySelectorAll("[data-opens-dialog]")) {
    const dialog = document.getElementById(opener.dataset.opensDialog);
    if (!dialog || typeof dialog.showModal !== "function") continue;
    opener.addEventListener("click", (event) => {
      event.preventDefault();
      dialog.showModal();
    });
    dialog.addEventListener("close", () => opener.focus());
    // A modal dialog keeps Tab and Shift+Tab inside itself (the browser would move on to its own UI).
    dialog.addEventListener("keydown", (event) => {
      if (event.key !== "Tab") return;
      const focusable = [...dialog.querySelectorAll("a[href], button:not([disabled]), input:not([disabled]), select, textarea, [tabindex]:not([tabindex='-1'])")];
      if (focusable.length === 0) return;
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    });
  }

  // Row menus (<details>): tell assistive technology whether they are open; Esc closes them.
  for (const menu of document.querySelectorAll("details.row-menu")) {
    const summary = menu.querySelector("summary");
    menu.addEventListener("toggle", () => summary.setAttribute("aria-expanded", String(menu.open)));
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        summary.focus();
      }
    });
  }

  // Times read "3 minutes ago"; the exact time stays in the title (shown on hover).
  const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  const units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const time of document.querySelectorAll("time[datetime]")) {
    const seconds = (Date.parse(time.dateTime) - Date.now()) / 1000;
    if (Number.isNaN(seconds)) continue;
    const [unit, size] = units.find(([, size]) => Math.abs(seconds) >= size) ?? ["second", 1];
    time.textContent = Math.abs(seconds) < 45 ? "just now" : relative.format(Math.round(seconds / size), unit);
  }

  // The one-time secret page: leaving it before confirming the secret was copied asks first.
  const copied = document.getElementById("copied-confirm");
  if (copied) {
    const warning = document.getElementById("copied-warning");
    const unconfirmed = (event) => {
      if (!copied.checked) {
        event.preventDefault();
        event.returnValue = "";
      }
    };
    window.addEventListener("beforeunload", unconfirmed);
    for (const link of document.querySelectorAll("[data-leaves-secret]")) {
      link.addEventListener("click", (event) => {
        if (copied.checked) {
          window.removeEventListener("beforeunload", unconfirmed);
          return;
        }
        event.preventDefault();
        warning.hidden = false;
        copied.focus();
      });
    }
    copied.addEventListener("change", () => {
      if (copied.checked) warning.hidden = true;
    });
  }

  // Copy buttons: shown only when JavaScript can copy.
  const status = document.querySelector("[data-copy-status]");
  for (const button of document.querySelectorAll("[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value ?? field.textContent);
      } catch {
        field.select();
        document.execCommand("copy");
      }
      button.textContent = "Copied";
      if (status) status.textContent = "Copied to the clipboard.";
      setTimeout(() => { button.textContent = "Copy"; }, 2000);
    });
  }
});
