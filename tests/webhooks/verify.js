// Verifies webhook messages with the npm standardwebhooks library (Standard Webhooks'
// own TypeScript implementation). Reads {"secret", "messages": [{headers, body}]} on
// stdin; prints one {"ok", "payload" | "error"} per message.
const { Webhook } = require("standardwebhooks");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const { secret, messages } = JSON.parse(input);
  const webhook = new Webhook(secret);
  const results = messages.map(({ headers, body }) => {
    try {
      return { ok: true, payload: webhook.verify(body, headers) };
    } catch (error) {
      return { ok: false, error: String(error && error.message) };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
