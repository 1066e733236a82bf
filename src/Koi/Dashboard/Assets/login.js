"use strict";
// The one-time code is in the fragment (never sent to a server, never in a log or a Referer); spend it, forget it.
(async () => {
  const status = document.getElementById("status");
  const code = decodeURIComponent(location.hash.slice(1));
  history.replaceState(null, "", "/login");
  if (!code) {
    status.textContent = "This link has no login code. Run `koi dashboard` for a new one.";
    return;
  }
  try {
    const response = await fetch("/dashboard/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code }),
      credentials: "same-origin",
    });
    if (response.ok) {
      location.replace("/");
      return;
    }
    const body = await response.json().catch(() => ({}));
    status.textContent = body.message || `Login failed (${response.status}).`;
  } catch (e) {
    status.textContent = `Login failed: ${e}`;
  }
})();
